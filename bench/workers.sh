#!/usr/bin/env bash
# Throughput of 1 and then 3 `assay serve --no-api --worker` processes on one Postgres store
# and the same sources, where the sources are the bottleneck: every source is a Postgres
# view that waits in pg_sleep, so a scan is an I/O wait, not work for Postgres or assay.
# Prints scans per minute for each run (from the `scans` table, over a fixed window after
# a warm-up), the ratio 3-vs-1, and the ideal (workers × concurrency / sleep).
#
# Usage: bench/workers.sh [admin DSN]   (default postgres://postgres@127.0.0.1:5432/test)
# Env: WORKERS_SOURCES (10000), WORKERS_CONCURRENCY (8, per worker), WORKERS_SLEEP (1.0 s
# per scan), WORKERS_WARMUP (10 s), WORKERS_WINDOW (60 s), ASSAY_BIN (the release binary;
# built if missing). A fresh database `assay_workers_<pid>` holds both the store and the
# view; it is dropped at exit. Connections: at most 3 × concurrency scans hold one each,
# plus each worker's store pool (≤ 8): keep 3 × (concurrency + 8) well under
# max_connections (100) minus what else uses the server.
set -euo pipefail
cd "$(dirname "$0")/.."

admin=${1:-postgres://postgres@127.0.0.1:5432/test}
sources=${WORKERS_SOURCES:-10000}
conc=${WORKERS_CONCURRENCY:-8}
sleep_s=${WORKERS_SLEEP:-1.0}
warmup=${WORKERS_WARMUP:-10}
window=${WORKERS_WINDOW:-60}
target=${CARGO_TARGET_DIR:-target}
bin=${ASSAY_BIN:-$target/release/assay}
[ -x "$bin" ] || cargo build -q --release --locked --bin assay

db=assay_workers_$$
dsn="${admin%/*}/$db"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$logs"
}
logs=$(mktemp -d)
trap cleanup EXIT
psql "$admin" -qc "CREATE DATABASE $db"
DATABASE_URL=$dsn "$bin" migrate >/dev/null

# The sources: one view that sleeps, then returns two rows (one e-mail column), and
# $sources registered sources reading it (as `assay sources add NAME DSN --table
# public.slow --interval 1h` would register them; inserted directly to save the time).
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
CREATE VIEW public.slow AS
  SELECT v.id, v.email FROM (SELECT pg_sleep($sleep_s)) s,
    (VALUES (1, 'ada@math-example.org'), (2, 'alan@math-example.org')) v (id, email);
INSERT INTO sources (name, location, tables_json, interval_secs, sample_rows, created_ms, next_due_ms)
  SELECT 'slow-' || lpad(g::text, 5, '0'), '$dsn', '["public.slow"]', 3600, 100,
         (extract(epoch FROM now()) * 1000)::bigint, 0
  FROM generate_series(1, $sources) g;
ANALYZE sources;
SQL

now_ms() { date +%s%3N; }

# One run: all sources due and unleased, no scans; start $1 workers; count the scans that
# finished within the window after the warm-up; stop the workers (SIGTERM) and wait.
# Sets $spm (scans per minute). Not run in a subshell, so that the exit trap sees $pids.
run() {
  local n=$1
  psql "$dsn" -q -v ON_ERROR_STOP=1 -c "DELETE FROM objects_seen; DELETE FROM findings; DELETE FROM scan_columns; DELETE FROM scans;
    UPDATE sources SET next_due_ms = 0, lease_owner = NULL, lease_expires_ms = NULL, previous_owner = NULL, consecutive_failures = 0;"
  pids=()
  for i in $(seq 1 "$n"); do
    DATABASE_URL=$dsn "$bin" serve --no-api --worker "w$i" --concurrency "$conc" --poll 1s 2>"$logs/w$n-$i.log" >/dev/null &
    pids+=($!)
  done
  local start
  start=$(now_ms)
  sleep "$warmup"
  local from maxconn=0 c
  from=$(now_ms)
  local end=$((from + window * 1000))
  while [ "$(now_ms)" -lt "$end" ]; do
    c=$(psql "$admin" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'")
    [ "$c" -gt "$maxconn" ] && maxconn=$c
    sleep 2
  done
  local to
  to=$(now_ms)
  for p in "${pids[@]}"; do kill -TERM "$p"; done
  for p in "${pids[@]}"; do wait "$p" || true; done
  pids=()
  local got failed per_worker dur
  # A view is sampled by its first rows, with a warning, so its scans are `partial`.
  got=$(psql "$dsn" -Atc "SELECT count(*) FROM scans WHERE status <> 'failed' AND finished_ms >= $from AND finished_ms < $to")
  failed=$(psql "$dsn" -Atc "SELECT count(*) FROM scans WHERE status = 'failed'")
  dur=$(psql "$dsn" -Atc "SELECT round(avg(finished_ms - started_ms)) FROM scans WHERE finished_ms >= $from AND finished_ms < $to")
  per_worker=$(psql "$dsn" -Atc "SELECT string_agg(worker || ' ' || c, ', ' ORDER BY worker) FROM (SELECT worker, count(*) c FROM scans WHERE finished_ms >= $from AND finished_ms < $to GROUP BY worker) x")
  local ideal
  spm=$(python3 -c "print(round($got * 60000 / ($to - $from), 1))")
  ideal=$(python3 -c "print(round($n * $conc * 60 / $sleep_s))")
  echo "$n worker(s) × concurrency $conc: $got scans in $(( (to - from) / 1000 )) s = $spm scans/min (ideal $ideal, $(python3 -c "print(round(100 * $spm / $ideal))")%); mean scan ${dur} ms; failed scans $failed; peak connections to the database $maxconn; by worker: $per_worker"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $sources sources, each scan waits ${sleep_s}s in pg_sleep; warm-up ${warmup}s, window ${window}s"
run 1
one=$spm
run 3
three=$spm
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ratio 3 workers / 1 worker: $(python3 -c "print(round($three / $one, 2))")"
