// Writes tests/data/tokenizer/smollm2_golden.jsonl: {"text", "ids"} per line,
// ids from @huggingface/tokenizers (pinned in package.json) for
// models/smollm2-135m-instruct/tokenizer.json, without special tokens added.
//   cd tools/tokenizer_golden && npm ci && node make_golden.mjs
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";
import { buildCorpus } from "./corpus.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const json = JSON.parse(readFileSync(join(root, "models/smollm2-135m-instruct/tokenizer.json"), "utf8"));
const tok = new Tokenizer(json, {});
const lines = [];
for (const text of buildCorpus()) {
  const ids = tok.encode(text, { add_special_tokens: false }).ids;
  lines.push(JSON.stringify({ text, ids }));
}
const out = join(root, "tests/data/tokenizer/smollm2_golden.jsonl");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, lines.join("\n") + "\n");
console.log(`wrote ${lines.length} cases to ${out}`);

// The same vocab and merges with a plain ByteLevel pre-tokenizer (no Digits
// split), for the split_digits = false path (GPT-2-style tokenizers).
const plain = structuredClone(json);
plain.pre_tokenizer = json.pre_tokenizer.pretokenizers.find((p) => p.type === "ByteLevel");
const plainTok = new Tokenizer(plain, {});
const plainLines = buildCorpus()
  .filter((text, i) => i % 3 === 0 || /[0-9]/.test(text))
  .map((text) => JSON.stringify({ text, ids: plainTok.encode(text, { add_special_tokens: false }).ids }));
const plainOut = join(root, "tests/data/tokenizer/smollm2_nodigits_golden.jsonl");
writeFileSync(plainOut, plainLines.join("\n") + "\n");
console.log(`wrote ${plainLines.length} cases to ${plainOut}`);
