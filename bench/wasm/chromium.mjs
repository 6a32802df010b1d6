// `node bench/wasm/chromium.mjs MODULE.wasm WEIGHTS ARGS...`: runs a WASI
// command module in a Web Worker of headless Chromium (bench-worker.js,
// examples/web/wasi.js) with WEIGHTS as the file /weights and argv
// [module, ...ARGS] ("{weights}" in ARGS becomes /weights); prints its stdout
// and exits with its code. The page is served from 127.0.0.1 with COOP/COEP,
// so performance.now() (the module's clock) has 5 us resolution rather than 100.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../tools/wasm/browser.mjs';
import { MIME } from '../../tools/wasm/serve.mjs';

const [modulePath, weightsPath, ...rest] = process.argv.slice(2);
if (!modulePath || !weightsPath) {
  console.error('usage: node bench/wasm/chromium.mjs MODULE.wasm WEIGHTS ARGS...');
  process.exit(2);
}
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const routes = {
  '/': [here('bench.html'), MIME['.html']],
  '/bench-worker.js': [here('bench-worker.js'), MIME['.js']],
  '/wasi.js': [here('../../examples/web/wasi.js'), MIME['.js']],
  '/module.wasm': [modulePath, MIME['.wasm']],
  '/weights': [weightsPath, 'application/octet-stream'],
};
const server = createServer((req, res) => {
  const route = routes[req.url.split('?')[0]];
  if (!route) return res.writeHead(404).end();
  res.writeHead(200, {
    'content-type': route[1],
    'content-length': statSync(route[0]).size,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });
  createReadStream(route[0]).pipe(res);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await launchChromium();
let result;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const args = ['module.wasm', ...rest.map((a) => (a === '{weights}' ? '/weights' : a))];
  result = await page.evaluate((args) => window.runModule(args), args);
} finally {
  await browser.close();
  server.close();
}
if (result.stderr) process.stderr.write(result.stderr + '\n');
if (result.stdout) process.stdout.write(result.stdout + '\n');
process.exit(result.code);
