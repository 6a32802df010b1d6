// Encode throughput of @huggingface/tokenizers (the reference, pinned in
// tools/tokenizer_golden/package.json) on the same corpus, whole text at once.
//   node bench/tokenizer/bench_hf.mjs tokenizer.json corpus.txt
import { readFileSync } from "node:fs";
import { Tokenizer } from "../../tools/tokenizer_golden/node_modules/@huggingface/tokenizers/dist/tokenizers.mjs";

const [jsonPath, corpusPath] = process.argv.slice(2);
const tok = new Tokenizer(JSON.parse(readFileSync(jsonPath, "utf8")), {});
const buf = readFileSync(corpusPath);
const text = buf.toString("utf8");
const rates = [];
let n = 0;
for (let rep = 0; rep < 5; ++rep) {
  const t0 = process.cpuUsage();
  n = tok.encode(text, { add_special_tokens: false }).ids.length;
  const u = process.cpuUsage(t0);
  rates.push(buf.length / ((u.user + u.system) / 1e6) / 1e6);
}
rates.sort((a, b) => a - b);
console.log(`@huggingface/tokenizers encode: ${rates[2].toFixed(1)} MB/s (median of 5, ${buf.length} bytes -> ${n} tokens)`);
