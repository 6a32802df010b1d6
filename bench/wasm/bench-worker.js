// Runs a WASI command module (bench/wasm/pptg.c linked with an engine) in a
// Web Worker of headless Chromium, as the page's worker runs an engine:
// examples/web/wasi.js with the weights as an in-memory file. Posts
// {stdout, stderr, code} when the module exits. bench/wasm/chromium.mjs.
'use strict';
importScripts('wasi.js');

onmessage = async (ev) => {
  const { args } = ev.data;
  const out = { 1: [], 2: [] };
  try {
    const [module, weights] = await Promise.all([
      WebAssembly.compileStreaming(fetch('module.wasm')),
      fetch('weights').then((r) => r.arrayBuffer()),
    ]);
    const wasi = new WasiShim({ args, files: { '/weights': new Uint8Array(weights) }, log: (fd, line) => out[fd].push(line) });
    const instance = await WebAssembly.instantiate(module, wasi.imports());
    wasi.setMemory(instance.exports.memory);
    let code = 0;
    try {
      instance.exports._start();
    } catch (e) {
      if (!(e instanceof WasiExit)) throw e;
      code = e.code;
    }
    postMessage({ stdout: out[1].join('\n'), stderr: out[2].join('\n'), code });
  } catch (e) {
    postMessage({ stdout: out[1].join('\n'), stderr: `${out[2].join('\n')}\n${e.stack || e}`, code: 1 });
  }
};
