#!/usr/bin/env bash
# English bench corpus: Debian's license texts (/usr/share/common-licenses),
# concatenated and repeated to 8 MiB. Prints the path.
set -euo pipefail
OUT="${1:-/tmp/smolc_tok_bench_corpus.txt}"
: >"$OUT"
while [ "$(stat -c %s "$OUT")" -lt $((8 << 20)) ]; do
  cat /usr/share/common-licenses/GPL-3 /usr/share/common-licenses/LGPL-2.1 /usr/share/common-licenses/Apache-2.0 \
      /usr/share/common-licenses/MPL-2.0 /usr/share/common-licenses/Artistic >>"$OUT"
done
echo "$OUT"
