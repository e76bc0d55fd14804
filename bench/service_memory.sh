#!/usr/bin/env bash
# Memory of `assay serve` for sizing (docs/operations.md): resident memory idle, and the
# peak (VmHWM) while it runs C scans at once, each source being a copy of the same data
# (default: the public corpus, 20 Parquet files, 28 MB), so the peak holds C real scans.
# Each C is a fresh process on a fresh Postgres database (dropped afterwards).
#
# Usage: bash bench/service_memory.sh [admin DSN]   (default postgres://postgres@127.0.0.1:5432/test)
# Env: MEM_CONCURRENCY ("1 4 8"), MEM_DATA (../shared/corpus_public), ASSAY_BIN (the
# release binary; built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
admin=${1:-postgres://postgres@127.0.0.1:5432/test}
data=$(realpath "${MEM_DATA:-../shared/corpus_public}")
bin=${ASSAY_BIN:-target/release/assay}
[ -x "$bin" ] || cargo build -q --release --locked --bin assay
pid=
db=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$db" ] && psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status"; }
mib() { python3 -c "print(round($1 / 1024, 1))"; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); data $data ($(du -sh "$data" | cut -f1)); binary $bin"
printf '%-12s %10s %12s %14s %16s %12s\n' concurrency "idle MiB" "peak MiB" "(peak-idle)/C" "scans recorded" "mean scan"
for c in ${MEM_CONCURRENCY:-1 4 8}; do
  db=assay_mem_$$_$c
  psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
  dsn="${admin%/*}/$db"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  DATABASE_URL=$dsn "$bin" serve --listen "127.0.0.1:$port" --concurrency "$c" --poll 1s --log-format json 2>/dev/null &
  pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  sleep 2
  idle=$(kib VmRSS)
  for i in $(seq 1 "$c"); do
    curl -sf -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$port/api/v1/sources" \
      -d "{\"name\":\"mem-$i\",\"location\":\"$data\",\"interval\":\"1h\"}" >/dev/null
  done
  for _ in $(seq 1200); do
    n=$(psql "$dsn" -Atc "SELECT count(*) FROM scans WHERE finished_ms IS NOT NULL")
    [ "$n" -ge "$c" ] && break
    sleep 0.25
  done
  peak=$(kib VmHWM)
  mean=$(psql "$dsn" -Atc "SELECT round(avg(finished_ms - started_ms)) FROM scans")
  kill -TERM "$pid"; wait "$pid" || true; pid=
  psql "$admin" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null; db=
  printf '%-12s %10s %12s %14s %16s %10s ms\n' "$c" "$(mib "$idle")" "$(mib "$peak")" "$(mib "($peak - $idle) / $c")" "$n" "$mean"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
