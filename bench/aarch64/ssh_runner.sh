#!/bin/sh
# A `smolc bench --runner` for a real aarch64 board over ssh: copies the
# static bench executable smolc built to the board and runs it there, so the
# numbers are the board's (not emulated):
#
#   smolc bench MODEL --q8 --target aarch64-dotprod --runner 'bench/aarch64/ssh_runner.sh pi@board'
#
# smolc calls it as: ssh_runner.sh HOST EXE THREADS REPS. Needs ssh/scp access
# to HOST (keys, no password prompt). Not tested here: there is no board.
set -eu
[ $# -ge 2 ] || { echo "usage: ssh_runner.sh HOST EXE [ARGS...]" >&2; exit 2; }
host="$1"; exe="$2"; shift 2
remote="/tmp/smolc-bench-$(basename "$exe")"
scp -q "$exe" "$host:$remote"
ssh "$host" "$remote" "$@"
