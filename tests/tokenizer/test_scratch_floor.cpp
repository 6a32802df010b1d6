// The encode scratch a text needs grows with the text: the byte-level word
// cache (kTokWordCacheBytes) is asked for only from kTokWordCacheMinText
// bytes on, where encode uses it (docs/compiler.md, "Memory floor").
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "frontend/tokenizer_data.h"
#include "text/tokenizer_tables.h"
#include "tokenizer/smolc_tokenizer.h"

using namespace smolc;
namespace rt = smolc::rt;

TEST_CASE("encode scratch is proportional to the text below the word-cache threshold", "[tokenizer]") {
  CHECK(rt::tok_encode_scratch_bytes(1) == 36 * 2 + 64);
  CHECK(rt::tok_encode_scratch_bytes(rt::kTokWordCacheMinText - 1) == rt::tok_encode_min_scratch_bytes(rt::kTokWordCacheMinText - 1));
  CHECK(rt::tok_encode_scratch_bytes(rt::kTokWordCacheMinText) ==
        rt::tok_encode_min_scratch_bytes(rt::kTokWordCacheMinText) + rt::kTokWordCacheBytes);
  // One character with exactly that much scratch encodes like a big buffer does.
  smolc::TokenizerTableData tables = build_tokenizer_tables(load_hf_tokenizer_json(test::smollm2_dir() + "/tokenizer.json"));
  rt::TokTables t = tables.view();
  for (const std::string text : {"a", "Hello, world"}) {
    std::vector<unsigned char> exact(rt::tok_encode_scratch_bytes(text.size())), big(1 << 20);
    std::vector<int32_t> a(text.size() + 1), b(text.size() + 1);
    const int64_t na = rt::tok_encode(&t, text.data(), text.size(), a.data(), a.size(), exact.data(), exact.size());
    const int64_t nb = rt::tok_encode(&t, text.data(), text.size(), b.data(), b.size(), big.data(), big.size());
    REQUIRE(na > 0);
    REQUIRE(na == nb);
    CHECK(a == b);
  }
}
