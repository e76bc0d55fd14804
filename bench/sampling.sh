#!/usr/bin/env bash
# Sampling cost against file size: a >=2 GB Parquet (and CSV) file vs a 20 MB one, on
# local disk and through an S3 server (s3rver) on loopback. Prints hyperfine timings and
# the bytes each scan read (`assay scan --stats`).
#   bash bench/sampling.sh            # data in $ASSAY_BENCH_DIR (default /tmp/assay-bench)
# Needs: python3 with pyarrow and boto3, hyperfine, and s3rver from npm (installed if
# missing) as the S3 server.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${ASSAY_BENCH_DIR:-/tmp/assay-bench}
mkdir -p "$dir"
bin=target/release/assay
[ -x "$bin" ] || cargo build --release --quiet

python3 - "$dir" <<'PY'
import os, sys, random, string
import pyarrow as pa, pyarrow.parquet as pq, pyarrow.csv as pcsv
out = sys.argv[1]
rnd = random.Random(7)
first = ["Anna","Jonas","Marie","Luca","Sofia","Noah","Emma","Liam","Mia","Elias"]
last = ["Muller","Rossi","Martin","Garcia","Jansen","Silva","Smith","Novak","Berg","Dubois"]
def batch(n, off):
    ids = list(range(off, off + n))
    names = [f"{rnd.choice(first)} {rnd.choice(last)}" for _ in ids]
    mails = [f"{n.split()[0].lower()}.{i}@mail-example.org" for n, i in zip(names, ids)]
    notes = ["order %d shipped via %s; ref %s" % (i, rnd.choice(["DHL","UPS","post"]), ''.join(rnd.choices(string.ascii_uppercase + string.digits, k=12))) for i in ids]
    blobs = ["%064x" % rnd.getrandbits(256) for _ in ids]
    amount = [rnd.random() * 1000 for _ in ids]
    return pa.table({"id": ids, "name": names, "email": mails, "note": notes, "digest": blobs, "amount": amount})
def build(name, target_bytes, csv=True, page_index=True):
    # With the page index (offset index), as Spark >= 3.2 and arrow-rs write by default;
    # without it, as pyarrow writes by default.
    pq_path, csv_path = f"{out}/{name}.parquet", f"{out}/{name}.csv"
    if os.path.exists(pq_path) and (not csv or os.path.exists(csv_path)):
        return
    distinct = [batch(100_000, k * 100_000) for k in range(4)]
    with pq.ParquetWriter(pq_path, distinct[0].schema, write_page_index=page_index) as w, pa.OSFile(csv_path if csv else os.devnull, "wb") as c:
        k = 0
        while k == 0 or os.path.getsize(pq_path) < target_bytes:
            # Row groups of up to 1M rows (pyarrow's default for one big table).
            rows = min(10, max(1, target_bytes // (25 << 20)))
            part = pa.concat_tables([distinct[(k + i) % 4] for i in range(rows)])
            w.write_table(part, row_group_size=1_000_000)
            if csv:
                pcsv.write_csv(part, c, pcsv.WriteOptions(include_header=(k == 0)))
            k += 1
build("small", 20 << 20)
build("large", 2 << 30)
build("large-noindex", 2 << 30, csv=False, page_index=False)
for f in sorted(f for f in os.listdir(out) if os.path.isfile(os.path.join(out, f))):
    print(f"{f}: {os.path.getsize(os.path.join(out, f)) / 1e6:.0f} MB")
PY

echo "== bytes read (assay scan --stats)"
for f in small.parquet large.parquet large-noindex.parquet small.csv large.csv; do
  printf '%-22s ' "$f"; "$bin" scan "$dir/$f" --format json --stats 2>&1 >/dev/null | grep 'bytes in'
done
hyperfine --warmup 1 --runs 10 -N \
  "$bin scan $dir/small.parquet --format json" "$bin scan $dir/large.parquet --format json" \
  "$bin scan $dir/large-noindex.parquet --format json" \
  "$bin scan $dir/small.csv --format json" "$bin scan $dir/large.csv --format json"

# moto (the tests' S3 server) copies the whole object for every range request, which
# would measure moto; s3rver (npm, file-backed) serves ranges from disk like S3 does.
echo "== through S3 (s3rver on 127.0.0.1:5557)"
command -v s3rver >/dev/null || npm install -g s3rver >/dev/null
mkdir -p "$dir/s3rver"
s3rver -d "$dir/s3rver" -a 127.0.0.1 -p 5557 --configure-bucket bench >/dev/null 2>&1 &
s3=$!
trap 'kill $s3 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:5557 && break; sleep 0.2; done
export AWS_ENDPOINT=http://127.0.0.1:5557 AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
python3 - "$dir" <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:5557", region_name="us-east-1", aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
have = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket="bench").get("Contents", [])}
import os
for f in ["small.parquet", "large.parquet", "large-noindex.parquet"]:
    path = f"{sys.argv[1]}/{f}"
    if have.get(f) != os.path.getsize(path):
        s3.upload_file(path, "bench", f)
PY
for f in small.parquet large.parquet large-noindex.parquet; do
  printf 's3 %-21s ' "$f"; "$bin" scan "s3://bench/$f" --format json --stats 2>&1 >/dev/null | grep 'bytes in'
done
hyperfine --warmup 1 --runs 10 -N "$bin scan s3://bench/small.parquet --format json" "$bin scan s3://bench/large.parquet --format json" \
  "$bin scan s3://bench/large-noindex.parquet --format json"
