// Drives the page of `smolc compile --web` in headless Chromium, as a user
// would: serves DIR on 127.0.0.1 (serve.mjs), opens it, types the prompt,
// sets the options, clicks Generate, waits for the end and prints what the
// page shows as one JSON object on stdout:
//   node tools/wasm/page.mjs DIR [--engine URL] [--prompt TEXT] [--temp T]
//        [--top-p P] [--seed S] [-n N] [--screenshot FILE.png] [--timeout-s S]
// {"state": "done" | "error", "output": text of #output, "status": text of
//  #status, "title", "model": text of #model, "images": <img> count,
//  "pwned": window.__pwned, "console": [lines]}. Options left out keep the
// page's defaults; --prompt '' clears the box (BOS alone, as smolc run without -p).
import { launchChromium } from './browser.mjs';
import { serve } from './serve.mjs';

function parseArgs(argv) {
  const o = { dir: null, engine: null, prompt: null, temp: null, topP: null, seed: null, n: null, screenshot: null, timeoutS: 120 };
  const names = { '--engine': 'engine', '--prompt': 'prompt', '--temp': 'temp', '--top-p': 'topP', '--seed': 'seed',
                  '-n': 'n', '--screenshot': 'screenshot', '--timeout-s': 'timeoutS' };
  for (let i = 0; i < argv.length; ++i) {
    if (names[argv[i]] && i + 1 < argv.length) o[names[argv[i]]] = argv[++i];
    else if (o.dir === null) o.dir = argv[i];
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  if (o.dir === null) throw new Error('usage: node tools/wasm/page.mjs DIR [--engine URL] [--prompt TEXT] [--temp T] [--top-p P] [--seed S] [-n N] [--screenshot FILE] [--timeout-s S]');
  return o;
}

async function setField(page, selector, value) {
  await page.$eval(selector, (el) => { el.value = ''; });
  if (value !== '') await page.type(selector, String(value));
}

export async function runPage(o) {
  const { server, url } = await serve(o.dir, { port: 0 });
  const browser = await launchChromium();
  const consoleLines = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 560 });
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    const target = o.engine ? `${url}?engine=${encodeURIComponent(o.engine)}` : url;
    await page.goto(target, { waitUntil: 'load' });
    const timeout = Number(o.timeoutS) * 1000;
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), { timeout });
    if (await page.evaluate(() => document.body.dataset.state) === 'ready') {
      if (o.prompt !== null) await setField(page, '#prompt', o.prompt);
      if (o.temp !== null) await setField(page, '#temperature', o.temp);
      if (o.topP !== null) await setField(page, '#top-p', o.topP);
      if (o.seed !== null) await setField(page, '#seed', o.seed);
      if (o.n !== null) await setField(page, '#max-tokens', o.n);
      await page.click('#generate');
      await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), { timeout });
    }
    if (o.screenshot) await page.screenshot({ path: o.screenshot, fullPage: true });
    const shown = await page.evaluate(() => ({
      state: document.body.dataset.state,
      output: document.getElementById('output').textContent,
      status: document.getElementById('status').textContent,
      title: document.title,
      model: document.getElementById('model').textContent,
      images: document.querySelectorAll('img').length,
      pwned: window.__pwned === undefined ? null : String(window.__pwned),
    }));
    return { ...shown, console: consoleLines };
  } finally {
    await browser.close();
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(JSON.stringify(await runPage(parseArgs(process.argv.slice(2)))) + '\n');
  } catch (e) {
    process.stderr.write(`page.mjs: ${e.message}\n`);
    process.exit(2);
  }
}
