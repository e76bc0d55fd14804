#!/usr/bin/env bash
# Differential check of the classifier engine: the hits of a base revision and of the
# working tree on the same ~14M values — the public sample, our generated corpus, the
# engine benchmark's columns and mutants of them all (examples/engine_hits.rs). An engine
# change that is only meant to be faster must print "identical".
#   bash bench/engine_diff.sh [BASE_REV]      (default HEAD)
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD}
root=$(pwd)
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

python3 bench/corpus/generate.py --out "$work/own" >/dev/null
python3 - ../shared/corpus_public "$work/own" >"$work/values.jsonl" <<'PY'
# Up to 4,000 values of every column of every data file, as {"c": column, "v": value}.
import glob, json, os, sys
import pyarrow.csv as pc, pyarrow.json as pj, pyarrow.parquet as pq
for d in sys.argv[1:]:
    for f in sorted(glob.glob(os.path.join(d, "**", "*"), recursive=True)):
        if f.endswith(".parquet"): t = pq.read_table(f)
        elif f.endswith(".csv"): t = pc.read_csv(f)
        elif f.endswith(".ndjson"): t = pj.read_json(f)
        else: continue
        for name in t.column_names:
            vals = [v for v in t.column(name).to_pylist() if v is not None][:4000]
            for v in vals:
                v = json.dumps(v) if isinstance(v, (dict, list)) else str(v)
                print(json.dumps({"c": name, "v": v}))
PY

hits() { # tree, target dir, output: build that tree's engine with today's example, run it
  if [ "$1" != "$root" ]; then
    cp "$root/examples/engine_hits.rs" "$1/examples/engine_hits.rs"
    mkdir -p "$1/benches/common" && cp "$root/benches/common/data.rs" "$1/benches/common/data.rs"
  fi
  (cd "$1" && CARGO_TARGET_DIR="$2" cargo build --release --quiet --example engine_hits)
  "$2/release/examples/engine_hits" "$work/values.jsonl" >"$3"
}
git worktree add --quiet --detach "$work/base" "$base"
# The base builds in a target directory of its own: two checkouts of one package in one
# target directory share artifact names, and cargo may then run one tree's build as the
# other's. The first run builds the dependencies there (a release build, minutes).
hits "$work/base" "$root/target/engine-diff-base" "$work/base.txt"
hits "$root" "$root/target" "$work/new.txt"
echo "$(wc -l <"$work/new.txt") values, $(grep -c ' ' "$work/new.txt") with hits"
if cmp -s "$work/base.txt" "$work/new.txt"; then
  echo "identical to $base"
else
  diff "$work/base.txt" "$work/new.txt" | head -40
  echo "DIFFERENT from $base ($(diff "$work/base.txt" "$work/new.txt" | grep -c '^>') values)"
  exit 1
fi
