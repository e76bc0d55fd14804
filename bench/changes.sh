#!/usr/bin/env bash
# Change-aware sampling of Postgres tables (examples/change_bench.rs): the cost of an
# unchanged-table check against a sample of the same table; the detection probability of
# appended rows by table and contamination size, change-aware next to the uniform sample
# scans took before; how many scans the rotating sample takes to cover a table.
#
# Usage: bench/changes.sh [admin DSN] [trials]   (default postgres://postgres@127.0.0.1:5432/test, 20)
# The tables live in `assay_bench` (ASSAY_BENCH_DB), made on first use and kept.
# ASSAY_BENCH_PROFILE=release builds the example optimised (default: dev; the timed part
# is the server's work, not the client's).
set -euo pipefail
cd "$(dirname "$0")/.."

admin=${1:-postgres://postgres@127.0.0.1:5432/test}
trials=${2:-20}
db=${ASSAY_BENCH_DB:-assay_bench}
dsn="${admin%/*}/$db"

if [ "$(psql "$admin" -Atc "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 0 ]; then
  psql "$admin" -qc "CREATE DATABASE $db"
fi

profile_flag=()
[ "${ASSAY_BENCH_PROFILE:-dev}" = release ] && profile_flag=(--release)
cargo run -q "${profile_flag[@]}" --example change_bench -- "$dsn" "$trials"
