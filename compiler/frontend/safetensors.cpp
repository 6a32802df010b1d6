#include "frontend/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "frontend/error.h"
#include "frontend/json_file.h"

namespace smolc {

namespace {

// The safetensors format itself caps the header at 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr size_t kMaxIndexBytes = 64 << 20;
constexpr int64_t kMaxDims = 8;
constexpr int64_t kMaxElements = int64_t{1} << 40;

bool parse_dtype(const std::string& s, DType& t, size_t& size) {
  if (s == "F32") {
    t = DType::F32;
    size = 4;
    return true;
  }
  if (s == "BF16") {
    t = DType::BF16;
    size = 2;
    return true;
  }
  if (s == "F16") {
    t = DType::F16;
    size = 2;
    return true;
  }
  return false;
}

uint64_t get_u64(const Json& v, const std::string& path, const std::string& where, const char* what) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    throw InputError(path, where, std::string(what) + " " + json_brief(v) + " is not a non-negative integer");
  return v.get<uint64_t>();
}

struct Span {
  uint64_t begin, end;
  std::string name;
};

}  // namespace

void load_safetensors_file(const std::string& path, Checkpoint& ck) {
  auto file = MappedFile::open(path);
  const uint64_t size = file->size();
  const uint8_t* d = file->data();
  if (size < 8)
    throw InputError(path, "offset 0",
                     "file is " + std::to_string(size) + " bytes, too short for the 8-byte header length (truncated?)");
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = (hlen << 8) | d[i];
  if (hlen > size - 8)
    throw InputError(path, "offset 0",
                     "header length " + std::to_string(hlen) + " runs past the end of the file (" +
                         std::to_string(size) + " bytes; truncated?)");
  if (hlen > kMaxHeaderBytes || hlen < 2)
    throw InputError(path, "offset 0",
                     "header length " + std::to_string(hlen) + " is out of range (expected 2.." +
                         std::to_string(kMaxHeaderBytes) + ")");
  const Json h = parse_json_text(d + 8, hlen, path, 8);
  if (!h.is_object()) throw InputError(path, "offset 8", "header is not a JSON object");
  const uint64_t data_start = 8 + hlen, data_size = size - data_start;

  std::vector<Span> spans;
  std::vector<TensorInfo> infos;
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") continue;
    const Json& t = it.value();
    if (!t.is_object()) throw InputError(path, name, "tensor entry is not a JSON object");
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!t.contains(key)) throw InputError(path, name, std::string("missing \"") + key + "\"");
    TensorInfo info;
    info.name = name;
    info.file = path;
    size_t esize = 0;
    if (!t.at("dtype").is_string() || !parse_dtype(t.at("dtype").get<std::string>(), info.dtype, esize))
      throw InputError(path, name, "unknown dtype " + json_brief(t.at("dtype")) + " (expected F32, BF16 or F16)");
    const Json& shape = t.at("shape");
    if (!shape.is_array() || static_cast<int64_t>(shape.size()) > kMaxDims)
      throw InputError(path, name, "shape " + json_brief(shape) + " is not a list of at most 8 dimensions");
    int64_t numel = 1;
    for (const Json& dim : shape) {
      const uint64_t n = get_u64(dim, path, name, "shape dimension");
      if (n > static_cast<uint64_t>(kMaxElements) || (n != 0 && numel > kMaxElements / static_cast<int64_t>(n)))
        throw InputError(path, name, "shape " + json_brief(shape) + " has more than 2^40 elements");
      numel *= static_cast<int64_t>(n);
      info.shape.push_back(static_cast<int64_t>(n));
    }
    const Json& offs = t.at("data_offsets");
    if (!offs.is_array() || offs.size() != 2)
      throw InputError(path, name, "data_offsets " + json_brief(offs) + " is not a pair [begin, end]");
    const uint64_t b = get_u64(offs[0], path, name, "data_offsets begin");
    const uint64_t e = get_u64(offs[1], path, name, "data_offsets end");
    if (b > e || e > data_size)
      throw InputError(path, name,
                       "data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                           "] are out of range (data area is " + std::to_string(data_size) + " bytes at file offset " +
                           std::to_string(data_start) + ")");
    const uint64_t want = static_cast<uint64_t>(numel) * esize;  // <= 2^42: no overflow
    if (e - b != want)
      throw InputError(path, name,
                       "data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] hold " +
                           std::to_string(e - b) + " bytes, expected " + std::to_string(want) + " for shape " +
                           json_brief(shape) + " " + dtype_name(info.dtype));
    info.data = d + data_start + b;
    info.nbytes = static_cast<size_t>(want);
    info.file_offset = data_start + b;
    spans.push_back({b, e, name});
    infos.push_back(std::move(info));
  }

  std::sort(spans.begin(), spans.end(),
            [](const Span& x, const Span& y) { return x.begin != y.begin ? x.begin < y.begin : x.end < y.end; });
  // Compare each span with the furthest-reaching one before it, so that an
  // overlap is found even when a shorter tensor sits in between.
  const Span* reach = nullptr;
  for (const Span& c : spans) {
    if (c.end == c.begin) continue;  // empty tensors occupy no bytes
    if (reach && c.begin < reach->end)
      throw InputError(path, c.name,
                       "data_offsets [" + std::to_string(c.begin) + ", " + std::to_string(c.end) +
                           "] overlap those of " + reach->name + " [" + std::to_string(reach->begin) + ", " +
                           std::to_string(reach->end) + "] (file offset " + std::to_string(data_start + c.begin) + ")");
    if (!reach || c.end > reach->end) reach = &c;
  }

  for (auto& info : infos) {
    if (ck.tensors.count(info.name))
      throw InputError(path, info.name, "tensor also appears in " + ck.tensors.at(info.name).file);
    std::string name = info.name;
    ck.tensors.emplace(std::move(name), std::move(info));
  }
  ck.files.push_back(std::move(file));
}

void load_safetensors_dir(const std::string& dir, Checkpoint& ck) {
  namespace fs = std::filesystem;
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  const fs::path single = fs::path(dir) / "model.safetensors";
  if (!fs::exists(index)) {
    if (!fs::exists(single))
      throw InputError(dir, "", "no model.safetensors or model.safetensors.index.json in this directory");
    load_safetensors_file(single.string(), ck);
    return;
  }
  const std::string ipath = index.string();
  const Json j = read_json_file(ipath, kMaxIndexBytes);
  if (!j.is_object() || !j.contains("weight_map") || !j.at("weight_map").is_object())
    throw InputError(ipath, "weight_map", "missing or not a JSON object");
  const Json& wm = j.at("weight_map");
  std::set<std::string> shards;
  for (auto it = wm.begin(); it != wm.end(); ++it) {
    if (!it.value().is_string())
      throw InputError(ipath, "weight_map." + it.key(), json_brief(it.value()) + " is not a file name");
    const std::string shard = it.value().get<std::string>();
    // Shards must sit beside the index: no paths, so a hostile index cannot
    // make us open arbitrary files.
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "." || shard == "..")
      throw InputError(ipath, "weight_map." + it.key(), "\"" + shard + "\" is not a plain file name");
    shards.insert(shard);
  }
  if (shards.empty()) throw InputError(ipath, "weight_map", "is empty");
  for (const std::string& s : shards) load_safetensors_file((fs::path(dir) / s).string(), ck);
  for (auto it = wm.begin(); it != wm.end(); ++it) {
    auto t = ck.tensors.find(it.key());
    const std::string shard_path = (fs::path(dir) / it.value().get<std::string>()).string();
    if (t == ck.tensors.end() || t->second.file != shard_path)
      throw InputError(ipath, "weight_map." + it.key(), "tensor is not in " + it.value().get<std::string>());
  }
  for (const auto& [name, info] : ck.tensors) {
    if (!wm.contains(name)) throw InputError(info.file, name, "tensor is not listed in " + ipath);
  }
}

}  // namespace smolc
