// The Web Worker that runs a smolc engine module (NAME.wasm, built by
// `smolc compile --web` from templates/package/wasm-web.cpp.in), so the page
// stays responsive while it computes. Messages from the page:
//   {type: 'load', manifest: URL of engine.json}
//   {type: 'generate', prompt, maxTokens, temperature, topP, seed (decimal string)}
//   {type: 'stop'}
// to the page:
//   {type: 'progress', loaded, total}   while the weights download
//   {type: 'loaded', manifest}          ready to generate
//   {type: 'started', promptTokens, prefillMs}
//   {type: 'text', text}                new text, in order, never split inside a character
//   {type: 'stats', tokens, ms}         tokens generated so far, milliseconds since the prefill
//   {type: 'done', reason: 'finished' | 'stopped', tokens, ms}
//   {type: 'error', message}
'use strict';
importScripts('wasi.js');

let ex = null;  // the module's exports
let stopRequested = false;
const decoder = new TextDecoder();

// Lets queued messages ('stop') in between steps; a MessageChannel round trip
// is not clamped like setTimeout(0).
const yieldChannel = new MessageChannel();
let resumeAfterYield = null;
yieldChannel.port1.onmessage = () => resumeAfterYield();
function yieldToEvents() {
  return new Promise((resolve) => {
    resumeAfterYield = resolve;
    yieldChannel.port2.postMessage(0);
  });
}

function cString(ptr) {
  const mem = new Uint8Array(ex.memory.buffer);
  let end = ptr >>> 0;
  while (mem[end] !== 0) ++end;
  return decoder.decode(mem.subarray(ptr >>> 0, end));
}

function check(rc, what) {
  if (rc < 0) throw new Error(`${what}: ${cString(ex.smolc_web_strerror(rc))} (code ${rc})`);
  return rc;
}

async function fetchOk(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${r.statusText}`);
  return r;
}

// The weights, with progress (Content-Length when the server sends it).
async function fetchWeights(url, expected) {
  const r = await fetchOk(url);
  const total = Number(r.headers.get('content-length')) || expected;
  const out = new Uint8Array(Math.max(total, expected));
  let loaded = 0;
  const reader = r.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > out.length) throw new Error(`${url}: more than the ${expected} bytes engine.json names`);
    out.set(value, loaded);
    loaded += value.length;
    postMessage({ type: 'progress', loaded, total });
  }
  if (loaded !== expected) throw new Error(`${url}: ${loaded} bytes, engine.json names ${expected}`);
  return out;
}

// compileStreaming needs the server to send application/wasm; any other
// type falls back to compiling the downloaded bytes.
async function compileModule(url) {
  try {
    return await WebAssembly.compileStreaming(fetchOk(url));
  } catch (e) {
    if (e instanceof WebAssembly.CompileError) throw e;
    return WebAssembly.compile(await (await fetchOk(url)).arrayBuffer());
  }
}

async function load(manifestUrl) {
  const manifest = await (await fetchOk(manifestUrl)).json();
  for (const field of ['module', 'weights', 'weights_bytes'])
    if (manifest[field] === undefined) throw new Error(`${manifestUrl}: no "${field}" (not a smolc engine.json)`);
  const [module, weights] = await Promise.all([
    compileModule(new URL(manifest.module, manifestUrl).href),
    fetchWeights(new URL(manifest.weights, manifestUrl).href, manifest.weights_bytes),
  ]);
  const wasi = new WasiShim();
  const instance = await WebAssembly.instantiate(module, wasi.imports());
  ex = instance.exports;
  wasi.setMemory(ex.memory);
  if (ex._initialize) ex._initialize();
  const ptr = ex.smolc_web_alloc(weights.length) >>> 0;
  if (ptr === 0) throw new Error(`cannot allocate ${weights.length} bytes for the weights in the module's memory`);
  new Uint8Array(ex.memory.buffer, ptr, weights.length).set(weights);
  check(ex.smolc_web_init(ptr, weights.length), 'loading the weights');
  postMessage({ type: 'loaded', manifest, vocab: ex.smolc_web_vocab(), ctx: ex.smolc_web_ctx() });
}

function takeText() {
  const n = ex.smolc_web_text_len() >>> 0;
  return n ? decoder.decode(new Uint8Array(ex.memory.buffer, ex.smolc_web_text() >>> 0, n).slice()) : '';
}

function seedHalves(text) {
  const s = BigInt(text);
  if (s < 0n || s >= 1n << 64n) throw new Error(`seed ${text} is not in 0..2^64-1`);
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

async function generate(m) {
  if (!ex) throw new Error('no engine loaded');
  stopRequested = false;
  const bytes = new TextEncoder().encode(m.prompt);
  const input = ex.smolc_web_input(bytes.length) >>> 0;
  if (input === 0) throw new Error('out of memory for the prompt');
  new Uint8Array(ex.memory.buffer, input, bytes.length).set(bytes);
  const [lo, hi] = seedHalves(m.seed);
  const t0 = performance.now();
  const promptTokens = check(
    ex.smolc_web_start(bytes.length, bytes.length > 0 ? 1 : 0, m.maxTokens, m.temperature, m.topP, lo, hi), 'prompt');
  const t1 = performance.now();
  postMessage({ type: 'started', promptTokens, prefillMs: t1 - t0 });
  let text = takeText();
  let lastPost = t1;
  const stats = () => ({ tokens: ex.smolc_web_generated(), ms: performance.now() - t1 });
  for (;;) {
    if (stopRequested) break;
    const r = check(ex.smolc_web_step(), 'generating');
    text += takeText();
    if (r === 0) break;
    if (performance.now() - lastPost > 25) {  // stream at ~40 updates/s, then let 'stop' in
      if (text) postMessage({ type: 'text', text });
      text = '';
      postMessage({ type: 'stats', ...stats() });
      await yieldToEvents();
      lastPost = performance.now();
    }
  }
  if (text) postMessage({ type: 'text', text });
  postMessage({ type: 'done', reason: stopRequested ? 'stopped' : 'finished', ...stats() });
}

onmessage = async (ev) => {
  const m = ev.data;
  try {
    if (m.type === 'load') await load(m.manifest);
    else if (m.type === 'generate') await generate(m);
    else if (m.type === 'stop') stopRequested = true;
  } catch (e) {
    postMessage({ type: 'error', message: String((e && e.message) || e) });
  }
};
