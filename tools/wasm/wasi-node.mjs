// Runs a wasm32-wasi command module in node: `node wasi-node.mjs MODULE.wasm ARGS...`.
// The runner of smolc's wasm32 targets (`smolc run`, `smolc bench`, the
// tests; docs/targets.md#wasm32-and-wasm32-simd128). The whole file system is
// preopened at "/", so the module must be given absolute paths; the exit code
// is the module's. node 20's WASI is experimental: run with --no-warnings.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [, , modulePath, ...args] = process.argv;
if (!modulePath) {
  process.stderr.write('usage: node wasi-node.mjs MODULE.wasm [ARGS...]\n');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [modulePath, ...args],
  env: process.env,
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
