// Headless Chromium for the page of `smolc compile --web`: Debian's
// /usr/bin/chromium (or $CHROMIUM) driven over the DevTools protocol by
// puppeteer-core from tools/node (tools/setup.sh runs its `npm ci`; no
// browser is downloaded). Used by tools/wasm/page.mjs, screenshot.mjs and
// bench/wasm.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../node/package.json', import.meta.url));

export function chromiumPath() {
  return process.env.CHROMIUM || '/usr/bin/chromium';
}

export async function launchChromium() {
  let puppeteer;
  try {
    puppeteer = require('puppeteer-core');
  } catch {
    throw new Error('no puppeteer-core in tools/node/node_modules: run tools/setup.sh (npm ci in tools/node)');
  }
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: tools/setup.sh installs Debian's chromium`);
  // --no-sandbox: containers and root lack the user namespaces its sandbox needs.
  return puppeteer.launch({
    executablePath,
    headless: true,
    protocolTimeout: 30 * 60 * 1000,  // a bench run in one evaluate() may take minutes
    args: ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
