// libFuzzer target: config.json (strict JSON with duplicate keys refused,
// then every field's type and range). Built by -DSMOLC_FUZZ=ON; run with tools/fuzz.sh.
#include "fuzz_support.h"
#include "frontend/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = smolc::fuzz::write_scratch("config.json", data, size);
  smolc::fuzz::refuse_or_accept([&] { (void)smolc::parse_hf_config(path); });
  return 0;
}
