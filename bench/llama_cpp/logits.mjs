// Evaluates token ids with llama.cpp and writes the raw logits of every
// position as a float32 .npy of shape [n, vocab] (row t: the logits after
// token t, i.e. the prediction for position t+1).
//   node logits.mjs MODEL.gguf ID,ID,... OUT.npy [--threads N]
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";

function usage(msg) {
  console.error(`logits.mjs: ${msg}\nusage: node logits.mjs MODEL.gguf ID,ID,... OUT.npy [--threads N]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let threads = 1;
const ti = args.indexOf("--threads");
if (ti >= 0) {
  threads = Number(args[ti + 1]);
  args.splice(ti, 2);
}
if (args.length !== 3) usage("expected 3 positional arguments");
const [modelPath, idList, outPath] = args;
const ids = idList.split(",").map((s) => Number(s));
if (ids.length === 0 || ids.some((x) => !Number.isInteger(x) || x < 0)) usage(`bad token list "${idList}"`);

// A float32 little-endian .npy, version 1.0.
function writeNpy(path, data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += " ".repeat(pad % 64) + "\n";
  const pre = Buffer.alloc(10);
  Buffer.from("\x93NUMPY", "latin1").copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, "latin1"), Buffer.from(data.buffer)]));
}

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const vocab = Number(model.fileInfo.metadata?.llama?.vocab_size ?? model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length);
if (!Number.isInteger(vocab) || vocab <= 0) usage(`cannot tell the vocabulary size of ${modelPath}`);
for (const id of ids) if (id >= vocab) usage(`token id ${id} is not below the vocabulary size ${vocab}`);
// An f32 KV cache (llama.cpp's default is f16) and no flash attention, so the
// only differences from an exact f32 forward pass are summation orders.
const context = await model.createContext({
  contextSize: Math.max(ids.length, 32),
  batchSize: Math.max(ids.length, 32),
  threads,
  flashAttention: false,
  experimentalKvCacheKeyType: "F32",
  experimentalKvCacheValueType: "F32",
});
const seq = context.getSequence();
// Every input item asks for the full logits of the next-token distribution.
const out = await seq.controlledEvaluate(ids.map((id) => [id, {generateNext: {logits: true}}]));
const logits = new Float32Array(ids.length * vocab);
for (let t = 0; t < ids.length; ++t) {
  const m = out[t]?.next?.logits;
  if (!m || m.size !== vocab) usage(`position ${t}: llama.cpp returned ${m ? m.size : 0} logits (expected ${vocab})`);
  for (const [tok, v] of m) logits[t * vocab + tok] = v;
}
writeNpy(outPath, logits, [ids.length, vocab]);
console.error(`logits.mjs: ${ids.length} positions x ${vocab} logits -> ${outPath}`);
await context.dispose();
await model.dispose();
