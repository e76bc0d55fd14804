#!/usr/bin/env python3
"""Checks of deploy/ that need no Docker engine and no cluster (called by deploy/check.sh).

  check.py compose SCHEMA.json COMPOSE.yaml ASSAY_BIN   the compose file: schema, then the
      rules below (`docker compose config` needs an engine, which CI machines lack)
  check.py k8s RENDERED.yaml ASSAY_BIN                  an overlay as `kubectl kustomize`
      rendered it: the rules below (kubernetes-validate checks the schemas)
  check.py alerts ALERTS.yml SRC_DIR                    Prometheus rules: their shape, and
      that every assay_* metric they name is one the code exports (`metrics::` in SRC_DIR)

Both also check that every `assay` command line in the file uses subcommands and flags the
binary accepts (from its --help), so a renamed flag breaks CI rather than a deployment.
Prints one line per problem and exits 1 if there was any.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

problems = []


def fail(where, msg):
    problems.append(f"{where}: {msg}")


_help_cache = {}


def assay_flags(binary, sub):
    """The long flags `assay SUB --help` lists (global ones included)."""
    key = tuple(sub)
    if key not in _help_cache:
        out = subprocess.run([binary, *sub, "--help"], capture_output=True, text=True)
        _help_cache[key] = None if out.returncode != 0 else set(re.findall(r"--([a-z][a-z0-9-]*)", out.stdout))
    return _help_cache[key]


def check_assay_args(where, binary, args):
    """args: the words after `assay` (`serve --listen=... --worker=$(POD_NAME)`)."""
    sub = []
    for a in args:
        if a.startswith("-"):
            break
        # Subcommands are lower-case words; stop at the first positional argument.
        if assay_flags(binary, sub + [a]) is None:
            break
        sub.append(a)
    if not sub:
        fail(where, f"`assay {' '.join(args)}`: no subcommand the binary knows")
        return
    known = assay_flags(binary, sub)
    for a in args[len(sub):]:
        if a.startswith("--"):
            flag = a[2:].split("=", 1)[0]
            if flag not in known:
                fail(where, f"`assay {' '.join(sub)}` has no flag --{flag}")


def image_pinned(where, image):
    name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
    if not tag or tag == "latest":
        fail(where, f"image {image} is not pinned to a tag")


def check_compose(schema_path, compose_path, binary):
    schema = json.loads(Path(schema_path).read_text())
    # The schema bundled with docker-compose 1.29 (2021) predates the top-level `name`,
    # which the Compose Specification added in 2022.
    schema.setdefault("properties", {}).setdefault("name", {"type": "string"})
    doc = yaml.safe_load(Path(compose_path).read_text())
    for e in jsonschema.Draft7Validator(schema).iter_errors(doc):
        fail(compose_path, f"schema: {'/'.join(map(str, e.path))}: {e.message}")
    base = Path(compose_path).parent
    services = doc.get("services", {})
    declared_volumes = set((doc.get("volumes") or {}).keys())
    for name, svc in services.items():
        where = f"{compose_path}: service {name}"
        if "image" not in svc and "build" not in svc:
            fail(where, "has neither image nor build")
        if "image" in svc and svc["image"] != "assay:local":
            image_pinned(where, svc["image"])
        one_shot = svc.get("restart") == "no"
        optional = bool(svc.get("profiles"))
        if not one_shot and not optional and "healthcheck" not in svc:
            fail(where, "a long-running service without a healthcheck")
        if not one_shot and not optional and svc.get("restart") not in ("always", "unless-stopped", "on-failure"):
            fail(where, "a long-running service without a restart policy")
        deps = svc.get("depends_on", {})
        if isinstance(deps, list):
            fail(where, "depends_on without conditions (start order only, not readiness)")
            deps = {}
        for dep, spec in deps.items():
            if dep not in services:
                fail(where, f"depends on unknown service {dep}")
                continue
            cond = spec.get("condition")
            if cond == "service_healthy" and "healthcheck" not in services[dep]:
                fail(where, f"waits for {dep} to be healthy, which has no healthcheck")
            elif cond == "service_completed_successfully" and services[dep].get("restart") != "no":
                fail(where, f"waits for {dep} to complete, which is not a one-shot (restart: \"no\")")
            elif cond not in ("service_healthy", "service_completed_successfully", "service_started"):
                fail(where, f"depends on {dep} with condition {cond!r}")
        for v in svc.get("volumes", []):
            src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
            if src.startswith((".", "/")):
                if not (base / src).exists():
                    fail(where, f"bind mount source {src} does not exist")
            elif src and src not in declared_volumes:
                fail(where, f"volume {src} is not declared under top-level volumes")
        for p in svc.get("ports", []):
            if not str(p).startswith("127.0.0.1:"):
                fail(where, f"port {p} is published on every interface (bind it to 127.0.0.1)")
        if svc.get("image") == "assay:local":
            if svc.get("read_only") is not True:
                fail(where, "the assay image should run with read_only: true")
            if "ALL" not in svc.get("cap_drop", []):
                fail(where, "the assay image should drop ALL capabilities")
            cmd = svc.get("command")
            if isinstance(cmd, list) and "entrypoint" not in svc:
                check_assay_args(where, binary, cmd)
    if not any(s.get("build") for s in services.values()):
        fail(compose_path, "no service builds the assay image")


def parse_duration(s):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", s)
    if not m:
        return None
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def check_pod(where, spec, binary, long_running):
    sc = spec.get("securityContext", {})
    if sc.get("runAsNonRoot") is not True:
        fail(where, "pod securityContext.runAsNonRoot is not true")
    if sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        fail(where, "pod seccompProfile is not RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        fail(where, "mounts a service account token it does not need")
    for c in spec.get("containers", []):
        cw = f"{where} container {c['name']}"
        csc = c.get("securityContext", {})
        if csc.get("readOnlyRootFilesystem") is not True:
            fail(cw, "readOnlyRootFilesystem is not true")
        if csc.get("allowPrivilegeEscalation") is not False:
            fail(cw, "allowPrivilegeEscalation is not false")
        if csc.get("capabilities", {}).get("drop") != ["ALL"]:
            fail(cw, "does not drop ALL capabilities")
        res = c.get("resources", {})
        if "memory" not in res.get("requests", {}) or "memory" not in res.get("limits", {}):
            fail(cw, "no memory request and limit")
        if not c["image"].split("/")[-1].startswith("assay"):
            continue
        args = c.get("args", [])
        check_assay_args(cw, binary, args)
        if not long_running:
            continue
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            got = c.get(probe, {}).get("httpGet", {}).get("path")
            if got != path:
                fail(cw, f"{probe} is not on {path} (got {got})")
        grace = next((parse_duration(a.split("=", 1)[1]) for a in args if a.startswith("--shutdown-grace=")), 30)
        pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        tgps = spec.get("terminationGracePeriodSeconds", 30)
        if tgps < pre_stop + grace + 5:
            fail(cw, f"terminationGracePeriodSeconds {tgps} leaves under 5 s beyond preStop {pre_stop} s + --shutdown-grace {grace} s")
        names = {e["name"] for e in c.get("env", [])}
        if "DATABASE_URL" not in names:
            fail(cw, "no DATABASE_URL")
        for e in c.get("env", []):
            if e["name"] == "DATABASE_URL" and "secretKeyRef" not in e.get("valueFrom", {}):
                fail(cw, "DATABASE_URL is not read from a Secret")


def check_k8s(rendered, binary):
    docs = [d for d in yaml.safe_load_all(Path(rendered).read_text()) if d]
    kinds = {}
    for d in docs:
        kinds.setdefault(d["kind"], []).append(d)
    for need in ("Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "Job"):
        if need not in kinds:
            fail(rendered, f"no {need}")
    for d in kinds.get("Deployment", []):
        name = d["metadata"]["name"]
        check_pod(f"{rendered}: Deployment {name}", d["spec"]["template"]["spec"], binary, long_running=name == "assay")
    for d in kinds.get("Job", []):
        spec = d["spec"]["template"]["spec"]
        check_pod(f"{rendered}: Job {d['metadata']['name']}", spec, binary, long_running=False)
        if not any(c.get("args", [])[:1] == ["migrate"] for c in spec["containers"]):
            fail(rendered, f"Job {d['metadata']['name']} does not run `assay migrate`")
    for d in kinds.get("NetworkPolicy", []):
        ports = {(p.get("port"), p.get("protocol", "TCP")) for r in d["spec"].get("egress", []) for p in r.get("ports", [])}
        for need in ((53, "UDP"), (5432, "TCP"), (443, "TCP")):
            if need not in ports:
                fail(rendered, f"NetworkPolicy {d['metadata']['name']} does not allow egress to {need}")
        if not {"Ingress", "Egress"} <= set(d["spec"].get("policyTypes", [])):
            fail(rendered, f"NetworkPolicy {d['metadata']['name']} does not restrict both directions")
    for d in kinds.get("ServiceMonitor", []):
        # No schema for the operator's CRDs offline: check what it needs to find the port.
        svc_ports = {p.get("name") for s in kinds.get("Service", []) for p in s["spec"]["ports"]}
        for ep in d["spec"].get("endpoints", []):
            if ep.get("port") not in svc_ports:
                fail(rendered, f"ServiceMonitor endpoint port {ep.get('port')} is no Service port")


def check_alerts(path, src_dir):
    exported = {}
    for f in Path(src_dir).rglob("*.rs"):
        for kind, name in re.findall(r'metrics::(counter|gauge|histogram)!\(\s*"([a-z_]+)"', f.read_text()):
            exported[name] = kind
    known = set(exported)
    known |= {f"{n}_{s}" for n, k in exported.items() if k == "histogram" for s in ("bucket", "sum", "count")}
    doc = yaml.safe_load(Path(path).read_text())
    seen = set()
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            where = f"{path}: {r.get('alert', r.get('record', '?'))}"
            if "alert" not in r or "expr" not in r:
                fail(where, "a rule needs alert and expr")
                continue
            if r["alert"] in seen:
                fail(where, "duplicate alert name")
            seen.add(r["alert"])
            if r.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
                fail(where, "labels.severity is not critical, warning or info")
            if "summary" not in r.get("annotations", {}):
                fail(where, "no summary annotation")
            if "for" in r and not re.fullmatch(r"\d+[smhd]", r["for"]):
                fail(where, f"for: {r['for']} is not a duration")
            if r["expr"].count("(") != r["expr"].count(")"):
                fail(where, "unbalanced parentheses in expr")
            for m in re.findall(r"\b(assay_[a-z_]+)", r["expr"]):
                if m not in known:
                    fail(where, f"metric {m} is not exported (exported: {', '.join(sorted(exported))})")
    if not seen:
        fail(path, "no alert rules")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "compose":
        check_compose(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "alerts":
        check_alerts(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "k8s":
        check_k8s(*sys.argv[2:])
    else:
        sys.exit(__doc__)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
