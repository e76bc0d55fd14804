#!/usr/bin/env bash
# Scheduler overhead with 10,000 registered sources on one worker, on Postgres and SQLite
# (examples/scheduler_bench.rs; what it prints is described there and in BENCHMARKS.md).
#
# Usage: bench/scheduler.sh [admin DSN]   (default postgres://postgres@127.0.0.1:5432/test)
# Env: SCHED_SOURCES (10000), SCHED_BACKENDS ("postgres sqlite"), SCHED_BIN (a built
# scheduler_bench to run instead of building this tree's, e.g. to compare two migrations). Postgres: a fresh
# database `assay_sched_<pid>` on the admin DSN's server, dropped at exit. SQLite: a new
# file in a temporary directory, removed at exit. Release build of the example.
set -euo pipefail
cd "$(dirname "$0")/.."

admin=${1:-postgres://postgres@127.0.0.1:5432/test}
sources=${SCHED_SOURCES:-10000}
backends=${SCHED_BACKENDS:-postgres sqlite}
db=assay_sched_$$
tmp=$(mktemp -d)
cleanup() {
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

bin=${SCHED_BIN:-}
if [ -z "$bin" ]; then
  cargo build -q --release --locked --example scheduler_bench
  bin=${CARGO_TARGET_DIR:-target}/release/examples/scheduler_bench
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for b in $backends; do
  case $b in
    postgres)
      psql "$admin" -qc "CREATE DATABASE $db"
      "$bin" "${admin%/*}/$db" "$sources"
      psql "$admin" -qc "DROP DATABASE $db WITH (FORCE)" ;;
    sqlite) "$bin" "sqlite://$tmp/assay.db" "$sources" ;;
    *) echo "unknown backend $b" >&2; exit 2 ;;
  esac
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
