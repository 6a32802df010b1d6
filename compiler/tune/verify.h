// `smolc tune`'s end-to-end check: after the kernel search, the tuned and the
// default engine are timed whole with `smolc bench`, interleaved, and a phase
// (prefill choices, decode choices) that does not make its engine faster
// goes back to the default's choices (docs/compiler.md, "Tuning"). The probe
// times kernels alone; this sees what they cannot (the state layout a
// prefill step moves, the threads' split, the caches shared with the rest
// of the forward step).
#pragma once
#include <functional>
#include <string>

#include "tune/tuning.h"

namespace smolc::tune {

// Which phases a file changes from the default. A shape whose panel height
// (tile_m) changed is in both: one packed copy serves the gemv and the gemm.
bool changes_prefill(const Tuning& t);  // the step, the prefill attention block, a token tile, a panel height
bool changes_decode(const Tuning& t);   // the decode attention block, a panel height

// Sets the default's choices for the phase(s); a reverted shape's chosen
// times become the default's.
void revert_phases(Tuning& t, bool prefill, bool decode);

// Tuned / default of one stage's runs (see PhaseRatios).
PhaseRatios stage_ratios(const std::vector<VerifyRun>& runs, int stage);

// One whole-engine measurement: `smolc bench` of the engine compiled with
// the tuning file `tune_file` ("" : the default engine) at `threads` threads.
using BenchFn = std::function<VerifyRun(const std::string& tune_file, int threads)>;

// Runs the check on `t` (its choices from the search) and leaves the
// verified choices and the record in t.verification. Each stage writes the
// file it measures to DIR/verify-stageN.json; `rounds` rounds, the default
// first in odd rounds and second in even ones, every thread count of
// `threads` in each round. A phase the search changed stays only if its
// ratio is at least 1 + kMargin, and the engine it leaves must be no slower
// than 1 - kMargin in the other phase; when stage 1 keeps one changed phase
// of two, stage 2 measures that engine again (a prefill step also moves the
// decode buffers in the state), and anything short of the rule reverts both.
void verify(Tuning& t, const std::string& dir, int rounds, const std::vector<int>& threads, const BenchFn& bench,
            const std::function<void(size_t, size_t)>& progress);

}  // namespace smolc::tune
