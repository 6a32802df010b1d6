// A small WASI (preview1) shim for the browser: just enough for a smolc
// engine module built by clang-19 against wasi-libc (docs/targets.md). The
// module reads no files; stdout/stderr go to the console, the clocks and
// random_get work, and every other call answers ENOSYS instead of failing to
// link, so any wasi-libc module instantiates.
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

  calls() {
    const EBADF = 8, ESPIPE = 70, EINVAL = 28;
    const envStrings = () => Object.entries(this.env).map(([k, v]) => `${k}=${v}`);
    return {
      args_sizes_get: (count, bytes) => this.sizes(this.args, count, bytes),
      args_get: (ptrs, buf) => (this.putStrings(this.args, ptrs, buf), 0),
      environ_sizes_get: (count, bytes) => this.sizes(envStrings(), count, bytes),
      environ_get: (ptrs, buf) => (this.putStrings(envStrings(), ptrs, buf), 0),
      clock_res_get: (id, resPtr) => (this.view().setBigUint64(resPtr >>> 0, 1000n, true), 0),
      clock_time_get: (id, precision, timePtr) => {
        const ms = id === 0 ? Date.now() : performance.now();  // 0: realtime, else monotonic
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
        if (fd !== 0) return EBADF;
        this.view().setUint32(nread >>> 0, 0, true);  // stdin is empty
        return 0;
      },
      fd_fdstat_get: (fd, statPtr) => {
        if (fd > 2) return EBADF;
        const v = this.view();
        v.setUint8(statPtr >>> 0, 2);  // character device
        v.setUint16((statPtr >>> 0) + 2, 0, true);
        v.setBigUint64((statPtr >>> 0) + 8, 0n, true);
        v.setBigUint64((statPtr >>> 0) + 16, 0n, true);
        return 0;
      },
      fd_close: (fd) => (fd > 2 ? EBADF : 0),
      fd_seek: (fd) => (fd > 2 ? EBADF : ESPIPE),
      fd_prestat_get: () => EBADF,  // no preopened directories
      fd_prestat_dir_name: () => EBADF,
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
