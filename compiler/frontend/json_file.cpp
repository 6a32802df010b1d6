#include "frontend/json_file.h"

#include <cstdio>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "frontend/error.h"
#include "frontend/mapped_file.h"

namespace smolc {

size_t find_invalid_utf8(const uint8_t* d, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t b = d[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((b & 0xe0) == 0xc0) {
      len = 2;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4;
      cp = b & 0x07;
    } else
      return i;
    if (n - i < len) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((d[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (d[i + k] & 0x3f);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return n;
}

namespace {

// The nearest preceding `"key":` before offset `pos`, for naming the field
// in a syntax error (best effort: empty if none is found nearby).
std::string key_before(const uint8_t* d, size_t pos) {
  size_t i = pos;
  const size_t stop = pos > 4096 ? pos - 4096 : 0;
  while (i > stop && d[i - 1] != ':') {
    if (d[i - 1] == ',' || d[i - 1] == '{' || d[i - 1] == '[') return "";
    --i;
  }
  if (i == stop) return "";
  --i;  // at ':'
  while (i > stop && (d[i - 1] == ' ' || d[i - 1] == '\t' || d[i - 1] == '\n' || d[i - 1] == '\r')) --i;
  if (i == stop || d[i - 1] != '"') return "";
  const size_t end = i - 1;
  size_t b = end;
  while (b > stop && d[b - 1] != '"') --b;
  if (b == stop) return "";
  return std::string(reinterpret_cast<const char*>(d + b), end - b);
}

bool starts_with_at(const uint8_t* d, size_t n, size_t pos, const char* lit) {
  const size_t len = std::strlen(lit);
  return pos <= n && n - pos >= len && std::memcmp(d + pos, lit, len) == 0;
}

// nlohmann::json keeps the last of two equal keys; a model file that says a
// thing twice is ambiguous (another reader may keep the first), so the parse
// refuses it, naming the key and the objects around it.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(const std::string& file) : file_(file) {}
  bool operator()(int /*depth*/, Json::parse_event_t ev, Json& parsed) {
    switch (ev) {
      case Json::parse_event_t::object_start: objects_.push_back({}); break;
      case Json::parse_event_t::object_end:
        if (!objects_.empty()) objects_.pop_back();
        break;
      case Json::parse_event_t::key: {
        Frame& f = objects_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) throw InputError(file_, where(), "duplicate key (each key may appear once)");
        break;
      }
      default: break;
    }
    return true;
  }

 private:
  struct Frame {
    std::unordered_set<std::string> keys;
    std::string key;
  };
  std::string where() const {
    std::string w;
    for (const Frame& f : objects_) w += (w.empty() ? "" : ".") + f.key;
    return "key \"" + w + "\"";
  }
  const std::string& file_;
  std::vector<Frame> objects_;
};

}  // namespace

Json parse_json_text(const uint8_t* d, size_t n, const std::string& file, uint64_t base) {
  const size_t bad = find_invalid_utf8(d, n);
  if (bad != n) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", d[bad]);
    throw InputError(file, "offset " + std::to_string(base + bad),
                     std::string("invalid UTF-8 byte ") + hex + " (JSON must be UTF-8)");
  }
  try {
    return Json::parse(d, d + n, DuplicateKeyCheck(file));
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based and points at the character that failed.
    const size_t pos = e.byte == 0 ? 0 : static_cast<size_t>(e.byte - 1);
    for (size_t p = pos > 1 ? pos - 1 : 0; p <= pos + 1 && p < n; ++p) {
      for (const char* lit : {"NaN", "-Infinity", "Infinity", "-NaN"}) {
        if (starts_with_at(d, n, p, lit)) {
          const std::string key = key_before(d, p);
          throw InputError(file, "offset " + std::to_string(base + p) + (key.empty() ? "" : " (" + key + ")"),
                           std::string(lit) + " is not a valid JSON number (expected a finite number)");
        }
      }
    }
    std::string msg = e.what();
    const size_t colon = msg.find(": ");
    if (msg.rfind("[json.exception", 0) == 0 && colon != std::string::npos) msg = msg.substr(colon + 2);
    throw InputError(file, "offset " + std::to_string(base + pos), "invalid JSON: " + msg);
  } catch (const Json::exception& e) {
    // e.g. out_of_range.406 "number overflow parsing '1e400'"
    std::string msg = e.what();
    const size_t sp = msg.find("] ");
    if (sp != std::string::npos) msg = msg.substr(sp + 2);
    throw InputError(file, "", "invalid JSON: " + msg + " (expected finite numbers)");
  }
}

Json read_json_file(const std::string& path, size_t max_bytes) {
  auto f = MappedFile::open(path);
  if (f->size() > max_bytes)
    throw InputError(path, "",
                     "file is " + std::to_string(f->size()) + " bytes, expected at most " + std::to_string(max_bytes) +
                         " for a JSON file of this kind");
  return parse_json_text(f->data(), f->size(), path, 0);
}

std::string json_brief(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace smolc
