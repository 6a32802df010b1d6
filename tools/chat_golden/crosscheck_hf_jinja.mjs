// Second, independent Jinja engine for the ChatML golden: renders every case
// of tests/chat/golden/chatml.json with Hugging Face's JavaScript Jinja
// (@huggingface/jinja, the engine transformers.js uses for chat templates)
// and checks it equals the jinja2 rendering stored there.
// It comes with node-llama-cpp: run `npm ci` in bench/llama_cpp first.
// Usage: node tools/chat_golden/crosscheck_hf_jinja.mjs   (from the repo root)
import { readFileSync } from "node:fs";
import { Template } from "../../bench/llama_cpp/node_modules/@huggingface/jinja/dist/index.js";

const golden = JSON.parse(readFileSync("tests/chat/golden/chatml.json", "utf8"));
const template = new Template(golden.template);
let bad = 0;
golden.cases.forEach((c, i) => {
  const text = template.render({ messages: c.messages, add_generation_prompt: c.add_generation_prompt });
  if (text !== c.text) {
    bad++;
    console.log(`case ${i} differs:\n  jinja2: ${JSON.stringify(c.text)}\n  hf.js:  ${JSON.stringify(text)}`);
  }
});
console.log(`${golden.cases.length - bad}/${golden.cases.length} cases identical in @huggingface/jinja and jinja2`);
process.exit(bad ? 1 : 0);
