#include "package/build_engine.h"
#include "package/shell.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common/escape.h"
#include "common/hex.h"
#include "emit/template_engine.h"
#include "frontend/error.h"
#include "runtime/weights/smolc_weights.h"

namespace fs = std::filesystem;

namespace smolc {
namespace {

// "0x" and 16 hex digits: the manifest's form of a 64-bit hash.
std::string hex_u64(uint64_t v) { return "0x" + hex64(v); }

void write_file(const fs::path& p, const void* data, size_t n) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  if (!f) throw std::runtime_error("cannot write " + p.string());
}
void write_text(const fs::path& p, const std::string& s) { write_file(p, s.data(), s.size()); }

bool on_path(const std::string& tool) {
  return std::system(("command -v " + shell_quote(tool) + " >/dev/null 2>&1").c_str()) == 0;
}

// The runtime sources every engine links (platform hooks; the tokenizer and
// sampler runtimes join here when the engine gets text entry points).
fs::path runtime_dir() {
  if (const char* d = std::getenv("SMOLC_RUNTIME_DIR")) return d;
  return fs::path(SMOLC_SOURCE_DIR) / "runtime";
}
const std::vector<std::string> kRuntimeDirs = {"platform", "sampler",   "tokenizer", "chat",
                                               "quant",    "speculate", "weights"};

// CXX as make reads it: a compiler followed by flags
// ("arm-none-eabi-g++ -mcpu=cortex-m7"), split at blanks; so are --cxxflags.
// Each word is shell-quoted again where it lands.
std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string w;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!w.empty()) words.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) words.push_back(w);
  return words;
}

std::string quoted_words(const std::vector<std::string>& words) {
  std::string s;
  for (const std::string& w : words) s += (s.empty() ? "" : " ") + shell_word(w);
  return s;
}

void refuse_control_bytes(const std::string& text, const char* field) {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw InputError("command line", field, "'" + printable(text) + "' holds a control byte");
}

struct Job {
  std::string cmd;  // run in src/
  std::string log;
  std::string what;
};

}  // namespace

BuildResult build_engine(const EngineSources& e, const LoweredWeights& w, const EngineOptions& eo,
                         const BuildOptions& bo) {
  // Absolute: every compile job runs `cd src && ...` with its log path redirected there.
  // build.sh names the compiler on one line (shell-quoted): a line break or
  // other control byte in it has no place in a command name.
  refuse_control_bytes(bo.cxx, "--cxx");
  refuse_control_bytes(bo.cxxflags, "--cxxflags");
  // A compiler path that exists is one word whatever it holds; anything else
  // is a command followed by flags.
  const std::vector<std::string> cxx_words =
      fs::exists(bo.cxx) ? std::vector<std::string>{bo.cxx} : split_words(bo.cxx);
  if (cxx_words.empty()) throw InputError("command line", "--cxx", "is empty");
  const std::string user_flags = bo.cxxflags.empty() ? "" : " " + quoted_words(split_words(bo.cxxflags));
  const fs::path dir = fs::absolute(bo.out_dir), src = dir / "src";
  const std::string& N = e.name;
  fs::create_directories(dir / "include");
  fs::create_directories(dir / "lib" / "cmake" / N);
  fs::create_directories(dir / "lib" / "pkgconfig");
  fs::remove_all(src);
  fs::create_directories(src);
  for (const std::string& d : kRuntimeDirs) fs::create_directories(src / "runtime" / d);
  BuildResult r;

  // ---- sources ---------------------------------------------------------------
  write_text(dir / "include" / e.header.name, e.header.text);
  write_text(src / e.header.name, e.header.text);
  std::vector<std::string> runtime_units;
  for (const std::string& d : kRuntimeDirs) {
    if (!fs::is_directory(runtime_dir() / d))
      throw std::runtime_error("runtime sources missing: " + (runtime_dir() / d).string() + " (set SMOLC_RUNTIME_DIR)");
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(runtime_dir() / d)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& from : files) {
      fs::copy_file(from, src / "runtime" / d / from.filename(), fs::copy_options::overwrite_existing);
      if (from.extension() == ".cpp") runtime_units.push_back("runtime/" + d + "/" + from.filename().string());
    }
  }
  fs::copy_file(src / "runtime/platform/smolc_platform.h", dir / "include" / "smolc_platform.h",
                fs::copy_options::overwrite_existing);
  fs::copy_file(src / "runtime/sampler/sampler.h", dir / "include" / "smolc_sampler.h",
                fs::copy_options::overwrite_existing);
  fs::copy_file(src / "runtime/sampler/sampler.h", src / "smolc_sampler.h", fs::copy_options::overwrite_existing);
  fs::copy_file(src / "runtime/chat/chatml.h", dir / "include" / "smolc_chatml.h",
                fs::copy_options::overwrite_existing);
  for (const GeneratedFile& g : e.sources) write_text(src / g.name, g.text);
  for (const DataFile& d : e.data) write_file(src / d.name, d.bytes.data(), d.bytes.size());
  if (eo.external_weights) {
    // The layout the engine checks: runtime/weights/smolc_weights.h.
    std::vector<uint8_t> file(SMOLC_WEIGHTS_HEADER_BYTES + w.blob.size(), 0);
    smolc_weights_header(file.data(), w.blob.size(), w.offsets.hash);
    std::memcpy(file.data() + SMOLC_WEIGHTS_HEADER_BYTES, w.blob.data(), w.blob.size());
    r.weights_file = (dir / (N + ".weights")).string();
    write_file(r.weights_file, file.data(), file.size());
  } else {
    write_file(src / (N + ".weights.bin"), w.blob.data(), w.blob.size());
  }

  // ---- compile commands (also written to src/build.sh) -------------------
  // The target's unit flags come from the table, but they land in a shell
  // command and in build.sh, so each is quoted like any other value.
  std::string target_flags;
  for (const std::string& f : bo.unit_flags) {
    for (char c : f)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        throw InputError("target", "unit flag", "'" + printable(f) + "' holds a control byte");
    target_flags += " " + shell_word(f);
  }
  const std::string common =
      "-std=c++17" + target_flags + " -fno-exceptions -fno-rtti -Wall -Wextra -Werror -I. -Iruntime -Iruntime/platform";
  std::vector<std::pair<std::string, std::string>> units;  // (source, flags)
  for (const GeneratedFile& g : e.sources) {
    std::string flags;
    for (const std::string& f : g.cxx_flags) flags += " " + f;
    units.push_back({g.name, flags});
  }
  for (const std::string& u : runtime_units) units.push_back({u, ""});
  std::string ar = bo.ar;
  if (ar.empty()) ar = on_path("llvm-ar-19") ? "llvm-ar-19" : "ar";
  // A cross target: clang is one compiler for every triple and takes it as a
  // flag; a GCC cross compiler (aarch64-linux-gnu-g++) already is one.
  const bool clang = fs::path(cxx_words[0]).filename().string().find("clang") != std::string::npos;
  const std::string target_flag = !bo.triple.empty() && clang ? " --target=" + bo.triple : "";
  std::vector<Job> jobs;
  std::string compile_lines, objects;
  for (const auto& [file, flags] : units) {
    std::string obj = "obj/" + fs::path(file).filename().string() + ".o";
    // --cxxflags after the unit's own flags, so the user's have the last word.
    const std::string args = common + flags + user_flags + " -c " + shell_quote(file) + " -o " + shell_quote(obj);
    compile_lines += (compile_lines.empty() ? "" : "\n") + std::string("\"$@\" ") +
                     (bo.triple.empty() ? "" : "$TARGET_FLAG ") + args + " $CXXFLAGS";
    jobs.push_back({"cd " + shell_quote(src.string()) + " && " + quoted_words(cxx_words) + target_flag + " " + args,
                    (src / "obj" / (fs::path(file).filename().string() + ".log")).string(), file});
    objects += " " + shell_quote(obj);
  }
  // Every value below is escaped for the syntax of the file it lands in.
  TemplateVars sh{{"NAME", N},
                  {"VERSION", std::string(SMOLC_VERSION)},
                  {"COMMAND", printable(eo.command)},
                  {"CXX_DEFAULT", quoted_words(cxx_words)},
                  {"AR_DEFAULT", shell_quote(ar)},
                  {"COMPILE_LINES", compile_lines},
                  {"OBJECTS", objects},
                  {"TRIPLE", bo.triple}};
  write_text(src / "build.sh", render_embedded("package/build.sh.in", sh));
  write_text(src / "COMMAND.txt", eo.command + "\n");

  // ---- package files --------------------------------------------------------
  TemplateVars cm{{"NAME", N},
                  {"VERSION", std::string(SMOLC_VERSION)},
                  {"COMMAND", printable(eo.command)},
                  {"MODEL", cmake_string(bo.model_name)},
                  {"EXTERNAL", int64_t(eo.external_weights)},
                  {"HOSTED", int64_t(bo.hosted)}};
  write_text(dir / "lib" / "cmake" / N / (N + "Config.cmake"), render_embedded("package/engineConfig.cmake.in", cm));
  const std::string version(SMOLC_VERSION);
  TemplateVars cv{{"NAME", N}, {"VERSION", version}, {"VERSION_MAJOR", version.substr(0, version.find('.'))}};
  write_text(dir / "lib" / "cmake" / N / (N + "ConfigVersion.cmake"),
             render_embedded("package/engineConfigVersion.cmake.in", cv));
  TemplateVars pc{{"NAME", N}, {"VERSION", std::string(SMOLC_VERSION)}, {"MODEL", pc_value(bo.model_name)}};
  write_text(dir / "lib" / "pkgconfig" / (N + ".pc"), render_embedded("package/engine.pc.in", pc));

  // ---- compile ---------------------------------------------------------------
  if (!bo.emit_only) {
    fs::create_directories(src / "obj");
    const size_t n_jobs = jobs.size();
    std::atomic<size_t> next{0}, done{0};
    std::mutex mu;
    std::string failure;
    auto worker = [&] {
      for (size_t i; (i = next++) < n_jobs;) {
        const int rc = std::system((jobs[i].cmd + " >" + shell_quote(jobs[i].log) + " 2>&1").c_str());
        std::lock_guard<std::mutex> lock(mu);
        if (rc != 0 && failure.empty()) {
          std::ifstream lf(jobs[i].log);
          std::string log((std::istreambuf_iterator<char>(lf)), std::istreambuf_iterator<char>());
          failure = "compiling " + jobs[i].what + " failed (" + bo.cxx + "):\n" + log;
        }
        ++done;
        if (bo.progress) bo.progress(done, n_jobs);
      }
    };
    unsigned threads = bo.jobs > 0 ? static_cast<unsigned>(bo.jobs) : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < std::min<size_t>(threads, n_jobs); ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    if (!failure.empty()) throw std::runtime_error(failure);
    const fs::path lib = dir / "lib" / ("lib" + N + ".a");
    fs::remove(lib);
    const std::string arcmd = "cd " + shell_quote(src.string()) + " && " + shell_quote(ar) + " rcs " +
                              shell_quote(lib.string()) + objects + " >" +
                              shell_quote((src / "obj" / "ar.log").string()) + " 2>&1";
    if (std::system(arcmd.c_str()) != 0) throw std::runtime_error("archiving with " + ar + " failed");
    r.library = lib.string();
    r.library_bytes = fs::file_size(lib);
    for (const auto& [file, flags] : units) {
      const fs::path obj = src / "obj" / (fs::path(file).filename().string() + ".o");
      if (file.find("_weights.S") == std::string::npos)
        r.code_bytes += fs::file_size(obj);
      else  // the archive holds it: one compiled copy of the weights, not two (src/build.sh remakes it)
        fs::remove(obj);
    }
  }

  // ---- manifest ----------------------------------------------------------------
  TemplateVars m{
      {"NAME", N},
      {"VERSION", std::string(SMOLC_VERSION)},
      {"MODEL", json_string(bo.model_name)},
      {"MODEL_PATH", json_string(bo.model_path)},
      {"SOURCE_SHA256", json_string(bo.source_sha256)},
      {"FORMAT", json_string(bo.format)},
      {"TARGET", json_string(bo.target)},
      {"CTX", int64_t(eo.ctx)},
      {"THREADS", int64_t(eo.threads)},
      {"WEIGHTS", std::string(eo.external_weights ? "external" : "embed")},
      {"KV", std::string(eo.kv_f16 ? "f16" : "f32")},
      {"WEIGHTS_BYTES", std::to_string(w.blob.size())},
      {"WEIGHTS_HASH", json_string(hex_u64(w.offsets.hash))},  // a string: JSON readers round numbers past 2^53
      {"STATE_BYTES", std::to_string(e.state_bytes)},
      {"CODE_BYTES", std::to_string(r.code_bytes)},
      {"LIBRARY_BYTES", std::to_string(r.library_bytes)},
      {"COMMAND", json_string(eo.command)},
      {"TUNING_SHA256", bo.tuning_sha256}};
  write_text(dir / "manifest.json", render_embedded("package/manifest.json.in", m));
  return r;
}

}  // namespace smolc
