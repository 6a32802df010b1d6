// `smolc run` with an engine that cannot be loaded into this process: a
// wasm32 target (in node), an aarch64 target on another host (qemu-aarch64),
// or any target through `--runner CMD` (ssh to a board). engine_pipe.cpp.
#pragma once
#include <memory>
#include <string>

#include "bench/engine_cache.h"
#include "cli/engine.h"
#include "schedule/schedule.h"

namespace smolc::cli {

// The command that runs an executable of target `t` on this host when none is
// given: node with tools/wasm/wasi-node.mjs for wasm32, `qemu-aarch64 -cpu max
// -L /usr/aarch64-linux-gnu` for aarch64 on a host that lacks its ISA (when
// qemu-aarch64 is on PATH); "" when the target runs here or nothing can run it.
std::string default_runner(const schedule::TargetDesc& t);

// Whether a runner command emulates the CPU (qemu): its timings are not speeds.
bool runner_emulates(const std::string& runner);

// True when `smolc run` must use a pipe engine for target `t`: a runner was
// given, the target is wasm32, or it is aarch64 and this CPU cannot run it.
bool needs_pipe(const schedule::TargetDesc& t, const std::string& runner);

// The engine `e` (from the cache, or a `smolc compile` directory) linked with
// a request loop (templates/package/run-pipe.cpp.in) into a program in
// `out_dir`, started as `RUNNER PROGRAM THREADS [WEIGHTS]` (runner "": the
// default_runner, else an InputError that the target cannot run here). Tokens
// go down its stdin, logits come back on its stdout; tokenizer and sampler
// stay in smolc. Says once on stderr when the runner emulates.
std::unique_ptr<Engine> make_pipe_engine(const CachedEngine& e, const schedule::TargetDesc& t, const EngineRequest& req,
                                         const std::string& out_dir);

}  // namespace smolc::cli
