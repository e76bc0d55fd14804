#!/usr/bin/env python3
"""Runs a training step only if Assay's gate passes for its feature set (stdlib only).

    ASSAY_URL=https://assay.internal ASSAY_TOKEN=<a pipeline token> \\
        python3 examples/pipeline/gate.py churn

`assay gate NAME --format json` exits 0 (pass), 1 (fail, with reasons) or 2 (cannot
decide: unknown feature set, server down, bad token, timeout) and prints the gate's answer.
Only a pass trains; anything else stops with the same exit code. ASSAY (default `assay`)
is the binary, ASSAY_MAX_AGE (default 24h) the freshness window.
"""

import json
import os
import subprocess
import sys


def stop(code, message):
    print(f"gate: {message}; training stopped", file=sys.stderr)
    sys.exit(code)


def gate(feature_set, max_age="24h"):
    """The gate's answer for a feature set that passes; exits 1 or 2 otherwise."""
    cmd = [os.environ.get("ASSAY", "assay"), "gate", feature_set, "--max-age", max_age, "--format", "json"]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=15 * 60)
    except (OSError, subprocess.TimeoutExpired) as e:
        stop(2, f"cannot run `{' '.join(cmd)}`: {e}")
    if run.returncode not in (0, 1):
        stop(2, f"Assay could not decide whether {feature_set} is clean: {run.stderr.strip()}")
    try:
        answer = json.loads(run.stdout)
    except ValueError:
        stop(2, f"the gate's answer for {feature_set} is not JSON")
    if run.returncode == 1:
        for reason in answer.get("reasons", []):
            print(f"  {reason.get('kind')}: {reason.get('message')}", file=sys.stderr)
        stop(1, f"feature set {feature_set} failed the gate")
    if answer.get("status") != "pass":
        # Exit 0 with anything but a pass is not a pass either.
        stop(2, f"the gate answered exit 0 with status {answer.get('status')!r}")
    return answer


def train(answer):
    """The training step; here it only says what it would train on."""
    print(f"training on {answer['feature_set']} (checked at {answer['checked_at']}, scans {answer.get('scans', [])})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} FEATURE_SET", file=sys.stderr)
        sys.exit(2)
    train(gate(sys.argv[1], os.environ.get("ASSAY_MAX_AGE", "24h")))
