// Makes docs/img/web-demo.png: compiles stories260K for wasm32-simd128 with
// `smolc compile --web`, runs the page in headless Chromium (page.mjs) with a
// sampled story, and saves a screenshot of the finished page.
//   node tools/wasm/screenshot.mjs [--smolc PATH] [-o FILE.png]
// The tok/s in the picture is whatever this machine did at that moment.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPage } from './page.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
let smolc = join(root, 'build/bin/smolc');
let out = join(root, 'docs/img/web-demo.png');
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--smolc' && i + 1 < args.length) smolc = args[++i];
  else if (args[i] === '-o' && i + 1 < args.length) out = args[++i];
  else {
    console.error('usage: node tools/wasm/screenshot.mjs [--smolc PATH] [-o FILE.png]');
    process.exit(2);
  }
}
const dir = mkdtempSync(join(tmpdir(), 'smolc-web-shot-'));
try {
  execFileSync(smolc, ['compile', join(root, 'models/stories260K/stories260K.bin'), '--q8', '--target', 'wasm32-simd128',
                       '--web', '-o', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const page = await runPage({ dir, engine: null, prompt: 'Once upon a time, in a small garden,', temp: '0.8',
                               topP: '0.9', seed: '7', n: '180', screenshot: out, timeoutS: 120 });
  if (page.state !== 'done') throw new Error(`the page ended in state ${page.state}: ${page.status}`);
  console.log(`${out}: ${page.status}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
