#!/usr/bin/env bash
# Postgres sampling cost against table size: samples 1,000 rows from a 10-million-row and
# a 100,000-row table with PgSource::sample (examples/pg_sampling.rs) and prints the time
# of each and their ratio. The target (BENCHMARKS.md): ratio <= 2 and each under 1 s.
#
# Usage: bench/pg_sampling.sh [admin DSN]   (default postgres://postgres@127.0.0.1:5432/test)
# The tables live in a database of their own, `assay_bench` (ASSAY_BENCH_DB), created on
# first use and kept: building the 10M rows takes minutes, so it is done once.
# ASSAY_BENCH_PROFILE=release builds the example optimised (default: dev, the profile
# that is already built; sampling time is the server's, not the client's).
set -euo pipefail
cd "$(dirname "$0")/.."

admin=${1:-postgres://postgres@127.0.0.1:5432/test}
db=${ASSAY_BENCH_DB:-assay_bench}
runs=${ASSAY_BENCH_RUNS:-10}
rows=${ASSAY_BENCH_ROWS:-1000}
dsn="${admin%/*}/$db"

if [ "$(psql "$admin" -Atc "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 0 ]; then
  psql "$admin" -qc "CREATE DATABASE $db"
fi

# A normal (logged) table of realistic mixed columns, analysed.
make_table() {
  local name=$1 n=$2
  if [ "$(psql "$dsn" -Atc "SELECT to_regclass('public.$name') IS NOT NULL")" = t ]; then
    return
  fi
  echo "creating $name ($n rows)..." >&2
  psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE $name (
  id bigint PRIMARY KEY, full_name text, email text, phone text, country char(2),
  iban text, amount numeric(12, 2), created timestamptz, last_ip inet, notes text
);
INSERT INTO $name
SELECT g,
       (ARRAY['Anna','John','Maria','Wei','Fatima','Lars'])[1 + g % 6] || ' ' ||
       (ARRAY['Schmidt','Smith','Garcia','Li','Khan','Berg'])[1 + (g / 6) % 6],
       'user' || g || '@example.com',
       '+44 20 7946 ' || lpad((g % 10000)::text, 4, '0'),
       (ARRAY['DE','GB','ES','CN','PK','SE'])[1 + g % 6],
       'DE89370400440532' || lpad((g % 1000000)::text, 6, '0'),
       (g % 100000) / 100.0,
       timestamptz '2024-01-01' + g * interval '1 second',
       ('10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256)::inet,
       CASE WHEN g % 200 = 0 THEN 'customer asked to call +1 415 555 0100' ELSE 'ok' END
FROM generate_series(1, $n) g;
ANALYZE $name;
SQL
}

make_table bench_100k 100000
make_table bench_10m 10000000

profile_flag=()
[ "${ASSAY_BENCH_PROFILE:-dev}" = release ] && profile_flag=(--release)
cargo run -q "${profile_flag[@]}" --example pg_sampling -- "$dsn" "$rows" "$runs" public.bench_10m public.bench_100k
