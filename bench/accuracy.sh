#!/usr/bin/env bash
# Column-level accuracy of the release binary on the public sample and on our own
# generated corpus (other locales and formats, hard negatives).
#   bash bench/accuracy.sh            # print per-label precision/recall/F1
#   bash bench/accuracy.sh --gate X   # also fail if a corpus' micro-F1 < X
set -euo pipefail
cd "$(dirname "$0")/.."
gate=""
[ "${1:-}" = "--gate" ] && gate="$2"
# ASSAY_BIN: another build of the binary (CI gates with the debug build it tests).
bin=${ASSAY_BIN:-target/release/assay}
[ -x "$bin" ] || cargo build --release --quiet
score=../shared/corpus_public/score.py
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # name, data dir, labels
  local name=$1 data=$2 labels=$3 rc=0
  "$bin" scan "$data" --format json >"$out/$name.json" || rc=$?
  [ "$rc" -eq 0 ] || { echo "assay scan $data exited $rc"; exit 1; }
  echo "== $name ($data)"
  python3 "$score" --from-report "$out/$name.json" --labels "$labels" | tee "$out/$name.txt"
  if [ -n "$gate" ]; then
    python3 - "$out/$name.txt" "$gate" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
f1 = float(re.search(r"micro P [0-9.]+ R [0-9.]+ F1 ([0-9.]+)", text).group(1))
worst = min(float(l.split()[3]) for l in text.splitlines()[1:] if re.match(r"^(pii|secret)\.", l))
print(f"gate: micro-F1 {f1:.3f} (need >= {sys.argv[2]}), lowest label F1 {worst:.3f}")
sys.exit(0 if f1 >= float(sys.argv[2]) else 1)
PY
  fi
}

run public ../shared/corpus_public ../shared/corpus_public/labels.json
python3 bench/corpus/generate.py --out "$out/own" >/dev/null
run own "$out/own" "$out/own/labels.json"
