#!/usr/bin/env bash
# Fuzzes the parsers that take untrusted input, each for a bounded time: the location
# parser (fuzz/fuzz_targets/location.rs), the rule loader (rule_file.rs) and the CSV and
# NDJSON samplers (csv_sample.rs, ndjson_sample.rs). Not in CI: it needs libFuzzer's
# nightly flags (enabled on the stable toolchain with RUSTC_BOOTSTRAP=1) and minutes.
#   bash bench/fuzz.sh                      # every target, 60 s each
#   bash bench/fuzz.sh -t 300 csv_sample    # one target, 5 minutes
# Prints one Markdown table row per target (executions, exec/s, crashes) for
# BENCHMARKS.md. The corpus grows in fuzz/corpus/<target>/ (seeded from the examples and
# the built-in rules) and is kept between runs; a crash stops its target and leaves the
# input in fuzz/artifacts/<target>/ (reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run <target>
# <file>, then add it as a regression test beside the code it broke).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
while getopts "t:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    *) echo "usage: bash bench/fuzz.sh [-t SECONDS] [TARGET...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(location rule_file csv_sample ndjson_sample)
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1

# Seeds: real inputs of each kind, so the fuzzer starts from valid structure.
seed() {
  local dir=fuzz/corpus/$1
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || return 0
  case $1 in
    location)
      local i=0
      for s in data/x.parquet file:///tmp/x s3://bucket/prefix/ gs://b/k az://c/p abfss://c@a.dfs.core.windows.net/p \
        'postgres://app:pw@db:5432/crm?sslmode=require' 'host=h password=pw dbname=x' env:ASSAY_FUZZ_DSN file:dsn.txt \
        'ftp://u:pw@h/x' 'postgresql://u@[::1]:5432/db'; do
        printf '%s' "$s" >"$dir/seed$((i++))"
      done ;;
    rule_file) cp classifiers/pii/email.yaml classifiers/pii/credit_card.yaml classifiers/pii/ipv4.yaml "$dir/" ;;
    csv_sample) { printf ','; head -c 4000 examples/data/customers.csv; } >"$dir/customers"
      printf '\tid\tname\n1\tAnna\n2\t"quoted\ttab"\n' >"$dir/tsv" ;;
    ndjson_sample) { printf '\x20'; head -c 4000 examples/data/events.ndjson; } >"$dir/events"
      printf '\x08[{"a": 1, "b": {"c": [1, 2]}}, {"a": null}]' >"$dir/array" ;;
  esac
}

echo "| target | seconds | executions | exec/s | corpus | crashes |"
echo "|---|---|---|---|---|---|"
status=0
for t in "${targets[@]}"; do
  seed "$t"
  mkdir -p "fuzz/artifacts/$t"
  before=$(ls "fuzz/artifacts/$t" | wc -l)
  log=$(mktemp)
  # One process, bounded by time; inputs up to 64 KiB; a 10 s hang is a finding.
  if ! (cd fuzz && cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$seconds" -max_len=65536 \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1; then
    status=1
  fi
  runs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  rate=$(grep -ao 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  corpus=$(ls "fuzz/corpus/$t" | wc -l)
  crashes=$(( $(ls "fuzz/artifacts/$t" | wc -l) - before ))
  echo "| $t | $seconds | ${runs:-?} | ${rate:-?} | $corpus | $crashes |"
  if [ "$crashes" -gt 0 ] || [ -z "$runs" ]; then
    grep -aE "panicked|ERROR|SUMMARY|Test unit written|error" "$log" | head -20 >&2 || tail -20 "$log" >&2
  fi
  rm -f "$log"
done
exit $status
