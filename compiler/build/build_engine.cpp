#include "build/build_engine.h"
#include "build/shell.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "frontend/error.h"

namespace fs = std::filesystem;

namespace smolc {
namespace {

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
const std::vector<std::string> kRuntimeDirs = {"platform", "sampler", "tokenizer", "chat", "quant", "speculate"};

struct Job {
  std::string cmd;  // run in src/
  std::string log;
  std::string what;
};

}  // namespace

BuildResult build_engine(const EngineSources& e, const EngineOptions& eo, const BuildOptions& bo) {
  // Absolute: every compile job runs `cd src && ...` with its log path redirected there.
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
  fs::copy_file(src / "runtime/chat/chatml.h", dir / "include" / "smolc_chatml.h", fs::copy_options::overwrite_existing);
  for (const GeneratedFile& g : e.sources) write_text(src / g.name, g.text);
  if (eo.external_weights) {
    // "SMOLCWT\0", u32 version 1, u32 0, u64 payload bytes, u64 hash, zeros to 64, payload.
    std::vector<uint8_t> file(64 + e.weights.size(), 0);
    std::memcpy(file.data(), "SMOLCWT", 8);
    const uint32_t version = 1;
    const uint64_t size = e.weights.size(), hash = e.weights_hash;
    std::memcpy(file.data() + 8, &version, 4);
    std::memcpy(file.data() + 16, &size, 8);
    std::memcpy(file.data() + 24, &hash, 8);
    std::memcpy(file.data() + 64, e.weights.data(), e.weights.size());
    r.weights_file = (dir / (N + ".weights")).string();
    write_file(r.weights_file, file.data(), file.size());
  } else {
    write_file(src / (N + ".weights.bin"), e.weights.data(), e.weights.size());
  }

  // ---- compile commands (also written to src/build.sh) -------------------
  const std::string common = "-std=c++17 -O2 -fPIC -fno-exceptions -fno-rtti -Wall -Wextra -Werror -I. -Iruntime -Iruntime/platform";
  std::vector<std::pair<std::string, std::string>> units;  // (source, flags)
  for (const GeneratedFile& g : e.sources) {
    std::string flags;
    for (const std::string& f : g.cxx_flags) flags += " " + f;
    units.push_back({g.name, flags});
  }
  for (const std::string& u : runtime_units) units.push_back({u, ""});
  std::string ar = bo.ar;
  if (ar.empty()) ar = on_path("llvm-ar-19") ? "llvm-ar-19" : "ar";
  std::string script = "#!/bin/sh\n# Rebuilds lib" + N + ".a from these sources; generated by smolc " SMOLC_VERSION
                       ".\n# Made by: " + eo.command + "\n# Any C++17 compiler works: CXX=your-cross-g++ AR=your-ar sh build.sh\nset -e\ncd \"$(dirname \"$0\")\"\n"
                       "CXX=\"${CXX:-" + bo.cxx + "}\"\nAR=\"${AR:-" + ar + "}\"\nmkdir -p obj\n";
  std::vector<Job> jobs;
  std::string objects;
  for (const auto& [file, flags] : units) {
    std::string obj = "obj/" + fs::path(file).filename().string() + ".o";
    const std::string args = common + flags + " -c " + shell_quote(file) + " -o " + shell_quote(obj);
    script += "\"$CXX\" " + args + "\n";
    jobs.push_back({"cd " + shell_quote(src.string()) + " && " + shell_quote(bo.cxx) + " " + args,
                    (src / "obj" / (fs::path(file).filename().string() + ".log")).string(), file});
    objects += " " + shell_quote(obj);
  }
  script += "rm -f lib" + N + ".a\n\"$AR\" rcs lib" + N + ".a" + objects + "\n";
  write_text(src / "build.sh", script);
  write_text(src / "COMMAND.txt", eo.command + "\n");

  // ---- package files --------------------------------------------------------
  const std::string cfg =
      "# " + N + ": CMake package of a smolc-compiled engine. Generated by smolc " SMOLC_VERSION "; do not edit.\n"
      "get_filename_component(_" + N + "_root \"${CMAKE_CURRENT_LIST_DIR}/../../..\" ABSOLUTE)\n"
      "if(NOT TARGET " + N + "::" + N + ")\n"
      "  find_package(Threads REQUIRED)\n"
      "  add_library(" + N + "::" + N + " STATIC IMPORTED)\n"
      "  set_target_properties(" + N + "::" + N + " PROPERTIES\n"
      "    IMPORTED_LOCATION \"${_" + N + "_root}/lib/lib" + N + ".a\"\n"
      "    INTERFACE_INCLUDE_DIRECTORIES \"${_" + N + "_root}/include\"\n"
      "    INTERFACE_LINK_LIBRARIES \"Threads::Threads;m\")\n"
      "endif()\n" +
      (eo.external_weights ? "set(" + N + "_WEIGHTS_FILE \"${_" + N + "_root}/" + N + ".weights\")\n" : std::string()) +
      "set(" + N + "_FOUND TRUE)\n";
  write_text(dir / "lib" / "cmake" / N / (N + "Config.cmake"), cfg);
  const std::string pc = "prefix=${pcfiledir}/../..\nincludedir=${prefix}/include\nlibdir=${prefix}/lib\n\nName: " + N +
                         "\nDescription: smolc-compiled engine for " + bo.model_name + "\nVersion: " SMOLC_VERSION
                         "\nCflags: -I${includedir}\nLibs: -L${libdir} -l" + N + " -lpthread -lm\n";
  write_text(dir / "lib" / "pkgconfig" / (N + ".pc"), pc);

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
    const std::string arcmd = "cd " + shell_quote(src.string()) + " && " + shell_quote(ar) + " rcs " + shell_quote(lib.string()) + objects +
                              " >" + shell_quote((src / "obj" / "ar.log").string()) + " 2>&1";
    if (std::system(arcmd.c_str()) != 0) throw std::runtime_error("archiving with " + ar + " failed");
    r.library = lib.string();
    r.library_bytes = fs::file_size(lib);
    for (const auto& [file, flags] : units)
      if (file.find("_weights.S") == std::string::npos)
        r.code_bytes += fs::file_size(src / "obj" / (fs::path(file).filename().string() + ".o"));
  }

  // ---- manifest ----------------------------------------------------------------
  nlohmann::json m;
  m["name"] = N;
  m["model"] = bo.model_name;
  m["model_path"] = bo.model_path;
  m["source_sha256"] = bo.source_sha256;
  m["format"] = bo.format;
  m["target"] = bo.target;
  m["ctx"] = eo.ctx;
  m["threads"] = eo.threads;
  m["weights"] = eo.external_weights ? "external" : "embed";
  m["kv"] = eo.kv_f16 ? "f16" : "f32";
  m["weights_bytes"] = e.weights.size();
  m["weights_fnv1a64"] = e.weights_hash;
  m["state_bytes"] = e.state_bytes;
  m["code_object_bytes"] = r.code_bytes;
  m["library_bytes"] = r.library_bytes;
  m["smolc_version"] = SMOLC_VERSION;
  m["command"] = eo.command;
  write_text(dir / "manifest.json", m.dump(2) + "\n");
  return r;
}

}  // namespace smolc
