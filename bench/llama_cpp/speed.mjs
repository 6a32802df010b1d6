// llama.cpp speed in llama-bench's two standard measurements, as JSON:
//   pp512: one 512-token prompt evaluated as a single batch (tokens/s)
//   tg128: 128 tokens decoded one at a time from an empty context (tokens/s)
//   tg128_d512: the same right after the 512-token prompt (llama-bench's "tg128 @ d512")
//   node speed.mjs MODEL.gguf [--threads N] [--reps R] [--kv f16|f32]
// Token ids are fixed pseudo-random ids below the vocabulary size (the
// content does not change the cost). Each repetition uses a fresh sequence.
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";

function usage(msg) {
  console.error(`speed.mjs: ${msg}\nusage: node speed.mjs MODEL.gguf [--threads N] [--reps R] [--kv f16|f32]`);
  process.exit(2);
}
const args = process.argv.slice(2);
const opt = {threads: 1, reps: 3, kv: "f16"};
const pos = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === "--threads") opt.threads = Number(args[++i]);
  else if (args[i] === "--reps") opt.reps = Number(args[++i]);
  else if (args[i] === "--kv") opt.kv = args[++i];
  else pos.push(args[i]);
}
if (pos.length !== 1) usage("expected one model path");
if (!(opt.threads >= 1) || !(opt.reps >= 1) || !["f16", "f32"].includes(opt.kv)) usage("bad option value");
const modelPath = pos[0];
const nPrompt = 512, nGen = 128;

const llama = await getLlama({gpu: false, build: "never", logLevel: "error", maxThreads: opt.threads});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const vocab = Number(model.fileInfo.metadata?.llama?.vocab_size ?? model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length);
if (!Number.isInteger(vocab) || vocab <= 0) usage(`cannot tell the vocabulary size of ${modelPath}`);
let state = 12345;
const nextId = () => (state = (state * 1103515245 + 12345) % 2147483648) % vocab;
const prompt = Array.from({length: nPrompt}, nextId);
const gen = Array.from({length: nGen}, nextId);

const kvType = opt.kv.toUpperCase();
const context = await model.createContext({
  contextSize: nPrompt + nGen,
  batchSize: nPrompt,
  threads: {ideal: opt.threads, min: opt.threads},
  experimentalKvCacheKeyType: kvType,
  experimentalKvCacheValueType: kvType,
});
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const pp = [], tg = [], tgd = [];
for (let r = 0; r <= opt.reps; ++r) {  // repetition 0 warms up and is not counted
  const seq = context.getSequence();
  let t0 = process.hrtime.bigint();
  await seq.evaluateWithoutGeneratingNewTokens(prompt);
  const tp = seconds(t0);
  t0 = process.hrtime.bigint();
  for (const id of gen) await seq.evaluateWithoutGeneratingNewTokens([id]);
  const ttd = seconds(t0);
  seq.dispose();
  const fresh = context.getSequence();
  t0 = process.hrtime.bigint();
  for (const id of gen) await fresh.evaluateWithoutGeneratingNewTokens([id]);
  const tt = seconds(t0);
  fresh.dispose();
  if (r > 0) pp.push(nPrompt / tp), tg.push(nGen / tt), tgd.push(nGen / ttd);
}
const stats = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return {mean: Number(mean.toFixed(2)), stdev: Number(sd.toFixed(2)), runs: xs.map((x) => Number(x.toFixed(2)))};
};
console.log(JSON.stringify({
  engine: "llama.cpp via node-llama-cpp " +
      JSON.parse(fs.readFileSync(new URL("node_modules/node-llama-cpp/package.json", import.meta.url))).version,
  model: modelPath,
  threads: opt.threads,
  kv_cache: opt.kv,
  pp512_tok_s: stats(pp),
  tg128_tok_s: stats(tg),
  tg128_d512_tok_s: stats(tgd),
}, null, 1));
await context.dispose();
await model.dispose();
