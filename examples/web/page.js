// The page's side: reads the controls, talks to worker.js, streams its text
// into #output and shows tokens/s. body[data-state] is loading, ready,
// generating, done or error (the tests wait on it). Model text is only ever
// set as textContent, never parsed as HTML.
'use strict';
const $ = (id) => document.getElementById(id);
const manifestUrl = new URL(new URLSearchParams(location.search).get('engine') || 'engine.json', location.href).href;
const worker = new Worker('worker.js');
let prefill = '';

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = text;
  $('status').classList.toggle('error', state === 'error');
  const busy = state === 'generating';
  $('generate').disabled = busy || state === 'loading' || !document.body.dataset.loaded;
  $('stop').disabled = !busy;
}

function speed(tokens, ms) {
  const rate = ms > 0 ? (tokens / ms) * 1000 : 0;
  return `${tokens} tokens, ${rate.toFixed(1)} tok/s`;
}

function readOptions() {
  const temperature = Number($('temperature').value);
  const topP = Number($('top-p').value);
  const maxTokens = Number($('max-tokens').value);
  const seed = $('seed').value.trim();
  if (!Number.isFinite(temperature) || temperature < 0) throw new Error('temperature must be a number >= 0');
  if (!(topP > 0 && topP <= 1)) throw new Error('top-p must be in (0, 1]');
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error('max tokens must be a whole number >= 1');
  if (!/^[0-9]{1,20}$/.test(seed) || BigInt(seed) >= 1n << 64n) throw new Error('seed must be a whole number in 0..2^64-1');
  return { prompt: $('prompt').value, temperature, topP, maxTokens, seed };
}

$('controls').addEventListener('submit', (ev) => {
  ev.preventDefault();
  let options;
  try {
    options = readOptions();
  } catch (e) {
    setState('error', e.message);
    return;
  }
  $('output').textContent = '';
  setState('generating', 'prefilling the prompt…');
  worker.postMessage({ type: 'generate', ...options });
});

$('stop').addEventListener('click', () => worker.postMessage({ type: 'stop' }));

worker.onmessage = (ev) => {
  const m = ev.data;
  switch (m.type) {
    case 'progress':
      $('status').textContent = `loading the weights: ${(m.loaded / 1e6).toFixed(1)} of ${(m.total / 1e6).toFixed(1)} MB`;
      break;
    case 'loaded': {
      const e = m.manifest;
      $('model').textContent = e.model;
      document.title = `${e.model} · smolc`;
      $('engine').textContent =
        `${e.name}: ${e.format}, ${e.target}, context ${m.ctx}, vocabulary ${m.vocab}, compiled by smolc ${e.smolc_version}`;
      document.body.dataset.loaded = '1';
      setState('ready', 'ready');
      break;
    }
    case 'started':
      prefill = `prefill ${m.promptTokens} tokens in ${m.prefillMs.toFixed(1)} ms`;
      $('status').textContent = prefill;
      break;
    case 'text':
      $('output').append(m.text);
      break;
    case 'stats':
      $('status').textContent = `${speed(m.tokens, m.ms)} · ${prefill}`;
      break;
    case 'done':
      setState('done', `${m.reason === 'stopped' ? 'stopped: ' : ''}${speed(m.tokens, m.ms)} · ${prefill}`);
      break;
    case 'error':
      setState('error', m.message);
      break;
  }
};
worker.onerror = (e) => setState('error', `worker: ${e.message}`);
worker.postMessage({ type: 'load', manifest: manifestUrl });
