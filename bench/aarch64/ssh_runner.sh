#!/bin/sh
# A `smolc bench --runner` / `smolc run --runner` for a real aarch64 board
# over ssh: copies the static executable smolc built (the bench executable,
# or run's engine program) to the board and runs it there, stdin and stdout
# passed through, so the numbers are the board's (not emulated):
#
#   smolc bench MODEL --q8 --target aarch64-dotprod --runner 'bench/aarch64/ssh_runner.sh pi@board'
#   smolc run MODEL --q8 --target aarch64-dotprod --runner 'bench/aarch64/ssh_runner.sh pi@board' -p Hi
#
# smolc calls it as: ssh_runner.sh HOST EXE ARGS... (bench: THREADS REPS; run:
# THREADS). Needs ssh/scp access to HOST (keys, no password prompt). Not tested
# here: there is no board.
set -eu
[ $# -ge 2 ] || { echo "usage: ssh_runner.sh HOST EXE [ARGS...]" >&2; exit 2; }
host="$1"; exe="$2"; shift 2
# One copy per call: two runs of the same engine at once (two terminals, or
# tests in parallel) must not overwrite a program the other is executing.
remote="/tmp/smolc-bench-$(basename "$exe")-$(uname -n)-$$"
scp -q "$exe" "$host:$remote" </dev/null  # stdin stays for the program
status=0
ssh "$host" "$remote" "$@" || status=$?
ssh "$host" rm -f "$remote" </dev/null >/dev/null 2>&1 || true
exit "$status"
