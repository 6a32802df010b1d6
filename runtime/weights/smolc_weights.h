/* The external weights file DIR/NAME.weights, in one place for both sides:
 * the packager (compiler/package) writes it, the engine (templates/engine)
 * checks it before use, and the compiler emits the payload's hash into the
 * engine (kWeightsHash, the manifest's weights_fnv1a64).
 *
 * Layout: "SMOLCWT\0", u32 version (1), u32 0, u64 payload bytes, u64 hash of
 * the payload, zeros to byte 64, then the payload (64-byte aligned panels).
 * Integers are little-endian (every target smolc has is).
 *
 * The hash is FNV-1a over 64-bit little-endian words, then the tail bytes one
 * by one: a word at a time is 8x fewer multiplies than bytewise FNV-1a over
 * hundreds of megabytes, and it only has to catch a wrong or damaged file,
 * not an adversary. Header-only C, no allocation. */
#ifndef SMOLC_WEIGHTS_H
#define SMOLC_WEIGHTS_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SMOLC_WEIGHTS_MAGIC "SMOLCWT" /* 8 bytes with its NUL */
#define SMOLC_WEIGHTS_VERSION 1u
#define SMOLC_WEIGHTS_HEADER_BYTES 64u

static inline uint64_t smolc_weights_hash(const unsigned char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

/* The 64-byte header of a payload of `bytes` bytes with hash `hash`. */
static inline void smolc_weights_header(unsigned char out[SMOLC_WEIGHTS_HEADER_BYTES], uint64_t bytes, uint64_t hash) {
  const uint32_t version = SMOLC_WEIGHTS_VERSION;
  memset(out, 0, SMOLC_WEIGHTS_HEADER_BYTES);
  memcpy(out, SMOLC_WEIGHTS_MAGIC, 8);
  memcpy(out + 8, &version, 4);
  memcpy(out + 16, &bytes, 8);
  memcpy(out + 24, &hash, 8);
}

/* 1 when `file` (file_bytes long) is a weights file of exactly this payload
 * size and hash, header and payload both checked; 0 otherwise. */
static inline int smolc_weights_check(const unsigned char* file, size_t file_bytes, uint64_t bytes, uint64_t hash) {
  uint32_t version;
  uint64_t size, stored;
  if (file_bytes != SMOLC_WEIGHTS_HEADER_BYTES + bytes) return 0;
  memcpy(&version, file + 8, 4);
  memcpy(&size, file + 16, 8);
  memcpy(&stored, file + 24, 8);
  return memcmp(file, SMOLC_WEIGHTS_MAGIC, 8) == 0 && version == SMOLC_WEIGHTS_VERSION && size == bytes &&
         stored == hash && smolc_weights_hash(file + SMOLC_WEIGHTS_HEADER_BYTES, (size_t)bytes) == hash;
}

#endif
