// Runs generated kernels on aarch64 (under qemu-user in the tests) on inputs
// the host test wrote, and writes their outputs back for the host to check
// against reference_gemm. Linked with the kernels and a table the test
// generates (kernel_table.cpp: kKernels, kKernelCount).
//
//   kernel_driver DIR ISA
//     reads DIR/cases.txt, one case per line:
//       ID FUNCTION KIND M K TILE_M MAX_N LDY ISA
//     (KIND: gemv, gemm, row), DIR/ID.w (packed weights) and DIR/ID.x (input:
//     f32, or smolc_block_a8 blocks for q8/q4); runs the cases whose ISA is
//     ISA (or all with "all") and writes DIR/ID.y:
//       gemv/gemm: for n = 1..MAX_N, y[MAX_N][LDY] preset to -9, the kernel
//                  run over the rows split at the first panel boundary;
//       row:       for row = -1..M, K + 1 values preset to -9.
//     Prints "ran N" on success.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct KernelEntry {
  const char* name;
  void* fn;
};
extern const KernelEntry kKernels[];
extern const int kKernelCount;

using GemvFn = void (*)(const void*, const void*, float*, int, int);
using GemmFn = void (*)(const void*, const void*, int, float*, int, int, int);
using RowFn = void (*)(const void*, int, float*);

static std::vector<unsigned char> slurp(const std::string& path) {
  std::vector<unsigned char> b;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return b;
  unsigned char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + n);
  std::fclose(f);
  return b;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::string dir = argv[1], want_isa = argv[2];
  FILE* cases = std::fopen((dir + "/cases.txt").c_str(), "r");
  if (!cases) return 3;
  char id[64], fn[256], kind[16], isa[32];
  int M, K, tile_m, max_n, ldy, ran = 0;
  while (std::fscanf(cases, "%63s %255s %15s %d %d %d %d %d %31s", id, fn, kind, &M, &K, &tile_m, &max_n, &ldy, isa) == 9) {
    if (want_isa != "all" && want_isa != isa) continue;
    void* sym = nullptr;
    for (int i = 0; i < kKernelCount; ++i)
      if (std::strcmp(kKernels[i].name, fn) == 0) sym = kKernels[i].fn;
    if (!sym) {
      std::printf("no kernel %s\n", fn);
      return 4;
    }
    const std::vector<unsigned char> wfile = slurp(dir + "/" + id + ".w"), x = slurp(dir + "/" + id + ".x");
    // Packed weights are 64-byte aligned in an engine; keep that here.
    void* w = std::aligned_alloc(64, (wfile.size() + 63) / 64 * 64);
    std::memcpy(w, wfile.data(), wfile.size());
    std::vector<float> out;
    if (std::strcmp(kind, "row") == 0) {
      std::vector<float> row(size_t(K) + 1);
      for (int r = -1; r <= M; ++r) {
        for (float& v : row) v = -9.0f;
        reinterpret_cast<RowFn>(sym)(w, r, row.data());
        out.insert(out.end(), row.begin(), row.end());
      }
    } else {
      int splits[2][2] = {{0, M}, {0, 0}};
      int n_splits = 1;
      if (M > tile_m) {
        splits[0][1] = tile_m;
        splits[1][0] = tile_m;
        splits[1][1] = M;
        n_splits = 2;
      }
      std::vector<float> y(size_t(max_n) * size_t(ldy));
      for (int n = 1; n <= max_n; ++n) {
        for (float& v : y) v = -9.0f;
        for (int s = 0; s < n_splits; ++s) {
          if (std::strcmp(kind, "gemv") == 0)
            reinterpret_cast<GemvFn>(sym)(w, x.data(), y.data(), splits[s][0], splits[s][1]);
          else
            reinterpret_cast<GemmFn>(sym)(w, x.data(), n, y.data(), ldy, splits[s][0], splits[s][1]);
        }
        out.insert(out.end(), y.begin(), y.end());
      }
    }
    std::free(w);
    FILE* f = std::fopen((dir + "/" + id + ".y").c_str(), "wb");
    if (!f || std::fwrite(out.data(), sizeof(float), out.size(), f) != out.size()) return 5;
    std::fclose(f);
    ++ran;
  }
  std::fclose(cases);
  std::printf("ran %d\n", ran);
  return 0;
}
