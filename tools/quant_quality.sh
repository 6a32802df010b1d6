#!/usr/bin/env bash
# Measures every quantised format against the f32 reference engine and writes
# the tables into docs/quant-formats.md (between the quality markers):
#   synthetic SmolLM2-135M (smolc synth --preset SmolLM2-135M --seed 1), a 128-token prompt;
#   stories260K along its f32 greedy story (256 positions from BOS), with the
#   engine's policy (RMSNorm gains applied at run time, self-calibrated column
#   importance in the q8/q4 scale searches) and, for comparison, with the gain
#   rule instead (--no-calibrate), with the gains folded into the weights
#   before quantising (--fold-gains), and with calibrations of other lengths.
#   tools/quant_quality.sh [BUILD_DIR]      (default build/; builds the smolc target)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
[ -d "$BUILD" ] || "$ROOT/tools/build.sh" "$BUILD"
cmake --build "$BUILD" --target smolc >/dev/null
SMOLC="$BUILD/bin/smolc"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$SMOLC" synth --preset SmolLM2-135M --seed 1 -o "$TMP/smollm2-135m" >/dev/null
{
  echo "<!-- quant-quality:begin (written by tools/quant_quality.sh; do not edit by hand) -->"
  echo
  echo "Synthetic SmolLM2-135M (\`smolc synth --preset SmolLM2-135M --seed 1\`), a 128-token English prompt:"
  echo
  "$SMOLC" quant-eval "$TMP/smollm2-135m" --prompt-tokens 128 --weights
  echo
  echo "stories260K along its greedy story (256 positions from BOS, teacher-forced with the f32 greedy tokens; \"greedy story\": where each format's own greedy continuation first leaves the f32 one, and the f32 top-2 logit margin there):"
  echo
  "$SMOLC" quant-eval "$ROOT/models/stories260K/stories260K.bin" --greedy 256 --weights
  echo
  echo "The same with the gain rule instead of the self-calibration (\`--no-calibrate\`: column importance gain^2 of the norm a projection reads, wo and w2 unweighted):"
  echo
  "$SMOLC" quant-eval "$ROOT/models/stories260K/stories260K.bin" --greedy 256 --no-calibrate
  echo
  echo "Self-calibration length (stories260K along its greedy story as above; \`--calibration-tokens N\`, the default is 64):"
  echo
  echo "| calibration tokens | q8 logits NMSE | q8 mean KL | q8 greedy story | q4 logits NMSE | q4 mean KL | q4_0 logits NMSE |"
  echo "|---|---|---|---|---|---|---|"
  for n in 16 32 64 128 256; do
    "$SMOLC" quant-eval "$ROOT/models/stories260K/stories260K.bin" --greedy 256 --calibration-tokens "$n" |
      awk -F'|' -v n="$n" '
        { gsub(/^ +| +$/, "", $2) }
        $2 == "q8" { q8 = $5 "|" $6 "|" $8 }
        $2 == "q4" { q4 = $5 "|" $6 }
        $2 == "q4_0" { q40 = $5 }
        END { print "| " n " |" q8 "|" q4 "|" q40 "|" }'
  done
  echo
  echo "The same with the RMSNorm gains folded into the weights before quantising (\`--fold-gains\`; not what the engine does):"
  echo
  "$SMOLC" quant-eval "$ROOT/models/stories260K/stories260K.bin" --greedy 256 --weights --fold-gains
  echo
  echo "Measured $(date -u +%Y-%m-%d) with \`$(basename "$SMOLC") $("$SMOLC" version | cut -d' ' -f2)\`."
  echo
  echo "<!-- quant-quality:end -->"
} >"$TMP/table.md"

DOC="$ROOT/docs/quant-formats.md"
/usr/bin/python3 - "$DOC" "$TMP/table.md" <<'PY'
import sys
doc, table = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
b, e = "<!-- quant-quality:begin", "<!-- quant-quality:end -->"
i, j = text.index(b), text.index(e) + len(e)
open(doc, "w").write(text[:i] + table.rstrip("\n") + text[j:])
PY
echo "updated $DOC"
