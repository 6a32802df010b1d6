// A tiny static file server for the page of `smolc compile --web`:
//   node tools/wasm/serve.mjs DIR [--port N] [--host H]
// serves DIR on http://H:N/ (default 127.0.0.1, port 8000; --port 0 picks a
// free one) and prints that URL as its first line. .wasm goes out as
// application/wasm (what WebAssembly.compileStreaming needs); nothing outside
// DIR is served. Also a module: serve(dir, {port, host}) -> {server, url}
// (tests/web, tools/wasm/screenshot.mjs, bench/wasm).
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.weights': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

// The file a URL path names inside root, or null (outside root, or no file).
async function fileFor(root, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  let path = resolve(root, '.' + rel);
  try {
    if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
    path = await realpath(path);
  } catch {
    return null;
  }
  return path === root || path.startsWith(root + sep) ? path : null;
}

export async function serve(dir, { port = 8000, host = '127.0.0.1', log = false } = {}) {
  const root = await realpath(dir);
  const server = createServer(async (req, res) => {
    const path = req.method === 'GET' || req.method === 'HEAD' ? await fileFor(root, req.url) : null;
    const info = path && (await stat(path).catch(() => null));
    if (!info || !info.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      if (log) console.error(`404 ${req.method} ${req.url}`);
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(path).toLowerCase()] || 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
    if (log) console.error(`200 ${req.method} ${req.url}`);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const url = `http://${host}:${server.address().port}/`;
  return { server, url };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let dir = null, port = 8000, host = '127.0.0.1';
  for (let i = 0; i < args.length; ++i) {
    if (args[i] === '--port') port = Number(args[++i]);
    else if (args[i] === '--host') host = args[++i];
    else if (dir === null) dir = args[i];
    else {
      console.error(`serve.mjs: unexpected argument ${args[i]}`);
      process.exit(2);
    }
  }
  if (dir === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('usage: node tools/wasm/serve.mjs DIR [--port N] [--host H]');
    process.exit(2);
  }
  try {
    const { url } = await serve(dir, { port, host, log: true });
    console.log(url);
  } catch (e) {
    console.error(`serve.mjs: ${e.message}`);
    process.exit(2);
  }
}
