// A small WASI (preview1) shim for the browser: just enough for a smolc
// engine module built by clang-19 against wasi-libc (docs/targets.md).
// stdout/stderr go to options.log (the console by default), the clocks and
// random_get work, options.files ({'/abs/path': Uint8Array}) are read-only
// files under a preopened "/" (the page's module opens none; bench/wasm's
// runner reads its weights so), and every other call answers ENOSYS instead
// of failing to link, so any wasi-libc module instantiates.
'use strict';

class WasiExit extends Error {
  constructor(code) {
    super(`the module exited with code ${code}`);
    this.code = code;
  }
}

class WasiShim {
  // options.log(fd, line): where stdout (1) and stderr (2) lines go.
  constructor(options = {}) {
    this.args = options.args || ['smolc-web'];
    this.files = options.files || {};
    this.open = new Map();  // fd -> {data, pos}
    this.env = options.env || {};
    this.log = options.log || ((fd, line) => (fd === 2 ? console.warn : console.log)(line));
    this.memory = null;
    this.pending = { 1: '', 2: '' };
    this.decoder = new TextDecoder();
  }

  // The module's memory, once instantiated (it may grow: views are made per call).
  setMemory(memory) {
    this.memory = memory;
  }

  imports() {
    const ENOSYS = 52;
    const calls = this.calls();
    const wasi = new Proxy(calls, { get: (target, name) => target[name] || (() => ENOSYS) });
    return { wasi_snapshot_preview1: wasi };
  }

  view() {
    return new DataView(this.memory.buffer);
  }

  bytes(ptr, len) {
    return new Uint8Array(this.memory.buffer, ptr >>> 0, len >>> 0);
  }

  // Writes strings as argv/environ do: pointers at ptrs, NUL-terminated text at buf.
  putStrings(strings, ptrs, buf) {
    const enc = new TextEncoder();
    let at = buf >>> 0;
    strings.forEach((s, i) => {
      const b = enc.encode(s + '\0');
      this.view().setUint32((ptrs >>> 0) + 4 * i, at, true);
      this.bytes(at, b.length).set(b);
      at += b.length;
    });
  }

  sizes(strings, countPtr, bytesPtr) {
    const enc = new TextEncoder();
    this.view().setUint32(countPtr >>> 0, strings.length, true);
    this.view().setUint32(bytesPtr >>> 0, strings.reduce((n, s) => n + enc.encode(s).length + 1, 0), true);
    return 0;
  }

  write(fd, text) {
    const lines = (this.pending[fd] + text).split('\n');
    this.pending[fd] = lines.pop();
    for (const line of lines) this.log(fd, line);
  }

  file(fd) {
    return this.open.get(fd);
  }

  hasFiles() {
    return Object.keys(this.files).length > 0;
  }

  calls() {
    const EBADF = 8, ESPIPE = 70, EINVAL = 28, ENOENT = 44, EROFS = 69;
    const ROOT_FD = 3;  // the preopened "/" when there are files
    const ALL_RIGHTS = 0xffffffffffffffffn;
    const envStrings = () => Object.entries(this.env).map(([k, v]) => `${k}=${v}`);
    return {
      args_sizes_get: (count, bytes) => this.sizes(this.args, count, bytes),
      args_get: (ptrs, buf) => (this.putStrings(this.args, ptrs, buf), 0),
      environ_sizes_get: (count, bytes) => this.sizes(envStrings(), count, bytes),
      environ_get: (ptrs, buf) => (this.putStrings(envStrings(), ptrs, buf), 0),
      clock_res_get: (id, resPtr) => (id > 1 ? EINVAL : (this.view().setBigUint64(resPtr >>> 0, 1000n, true), 0)),
      clock_time_get: (id, precision, timePtr) => {
        if (id > 1) return EINVAL;  // a page has no process or thread CPU clock
        const ms = id === 0 ? Date.now() : performance.now();  // 0: realtime, 1: monotonic
        this.view().setBigUint64(timePtr >>> 0, BigInt(Math.round(ms * 1e6)), true);
        return 0;
      },
      fd_write: (fd, iovs, iovsLen, nwritten) => {
        if (fd !== 1 && fd !== 2) return EBADF;
        let total = 0;
        for (let i = 0; i < iovsLen; ++i) {
          const ptr = this.view().getUint32((iovs >>> 0) + 8 * i, true);
          const len = this.view().getUint32((iovs >>> 0) + 8 * i + 4, true);
          this.write(fd, this.decoder.decode(this.bytes(ptr, len).slice()));
          total += len;
        }
        this.view().setUint32(nwritten >>> 0, total, true);
        return 0;
      },
      fd_read: (fd, iovs, iovsLen, nread) => {
        const f = this.file(fd);
        if (fd !== 0 && !f) return EBADF;
        let total = 0;  // stdin is empty
        for (let i = 0; f && i < iovsLen; ++i) {
          const ptr = this.view().getUint32((iovs >>> 0) + 8 * i, true);
          const len = this.view().getUint32((iovs >>> 0) + 8 * i + 4, true);
          const chunk = f.data.subarray(f.pos, Math.min(f.pos + len, f.data.length));
          this.bytes(ptr, chunk.length).set(chunk);
          f.pos += chunk.length;
          total += chunk.length;
        }
        this.view().setUint32(nread >>> 0, total, true);
        return 0;
      },
      fd_fdstat_get: (fd, statPtr) => {
        const type = fd <= 2 ? 2 : fd === ROOT_FD && this.hasFiles() ? 3 : this.file(fd) ? 4 : 0;  // char dev, dir, file
        if (!type) return EBADF;
        const v = this.view();
        v.setUint8(statPtr >>> 0, type);
        v.setUint16((statPtr >>> 0) + 2, 0, true);
        v.setBigUint64((statPtr >>> 0) + 8, ALL_RIGHTS, true);
        v.setBigUint64((statPtr >>> 0) + 16, ALL_RIGHTS, true);
        return 0;
      },
      fd_filestat_get: (fd, buf) => {
        const f = this.file(fd);
        if (!f) return EBADF;
        const v = this.view();
        for (let at = 0; at < 64; at += 8) v.setBigUint64((buf >>> 0) + at, 0n, true);
        v.setUint8((buf >>> 0) + 16, 4);  // regular file
        v.setBigUint64((buf >>> 0) + 24, 1n, true);
        v.setBigUint64((buf >>> 0) + 32, BigInt(f.data.length), true);
        return 0;
      },
      path_open: (dirfd, dirflags, pathPtr, pathLen, oflags, rightsBase, rightsInheriting, fdflags, fdOut) => {
        if (dirfd !== ROOT_FD || !this.hasFiles()) return EBADF;
        if (oflags & 0xd) return EROFS;  // create, exclusive or truncate: the files are read-only
        const name = '/' + this.decoder.decode(this.bytes(pathPtr, pathLen).slice()).replace(/^\/+/, '');
        const data = this.files[name];
        if (!data) return ENOENT;
        const fd = Math.max(ROOT_FD, ...this.open.keys()) + 1;
        this.open.set(fd, { data, pos: 0 });
        this.view().setUint32(fdOut >>> 0, fd, true);
        return 0;
      },
      fd_close: (fd) => (fd <= 2 || this.open.delete(fd) ? 0 : EBADF),
      fd_seek: (fd, offset, whence, newOffset) => {
        const f = this.file(fd);
        if (!f) return fd <= 2 ? ESPIPE : EBADF;
        const base = whence === 0 ? 0 : whence === 1 ? f.pos : whence === 2 ? f.data.length : NaN;
        const pos = base + Number(offset);
        if (!(pos >= 0)) return EINVAL;
        f.pos = pos;
        this.view().setBigUint64(newOffset >>> 0, BigInt(pos), true);
        return 0;
      },
      fd_tell: (fd, offsetPtr) => {
        const f = this.file(fd);
        if (!f) return EBADF;
        this.view().setBigUint64(offsetPtr >>> 0, BigInt(f.pos), true);
        return 0;
      },
      fd_prestat_get: (fd, buf) => {
        if (fd !== ROOT_FD || !this.hasFiles()) return EBADF;  // the only preopen, and only with files
        this.view().setUint8(buf >>> 0, 0);  // a directory
        this.view().setUint32((buf >>> 0) + 4, 1, true);  // its name: "/"
        return 0;
      },
      fd_prestat_dir_name: (fd, pathPtr, len) => {
        if (fd !== ROOT_FD || !this.hasFiles() || len < 1) return EBADF;
        this.bytes(pathPtr, 1)[0] = 0x2f;
        return 0;
      },
      random_get: (buf, len) => {
        for (let at = 0; at < len; at += 65536)
          crypto.getRandomValues(this.bytes((buf >>> 0) + at, Math.min(65536, len - at)));
        return 0;
      },
      sched_yield: () => 0,
      poll_oneoff: () => EINVAL,
      proc_exit: (code) => {
        throw new WasiExit(code);
      },
    };
  }
}

if (typeof self !== 'undefined') {
  self.WasiShim = WasiShim;
  self.WasiExit = WasiExit;
}
