#!/bin/sh
# Runs a training step only if Assay's gate passes for its feature set.
#
#   ASSAY_URL=https://assay.internal ASSAY_TOKEN=<a pipeline token> \
#     examples/pipeline/gate.sh churn python train.py --epochs 10
#
# `assay gate` exits 0 when every member of the feature set was scanned within --max-age
# and holds no label it does not allow, 1 when it fails (its reasons are printed), and 2
# when it cannot decide (unknown feature set, server down, bad token, timeout). Only 0
# trains: a gate that cannot answer is not a pass. The script exits with the gate's code
# when it stops, or the training command's own when it ran.
#
# ASSAY (default `assay`) is the binary; ASSAY_MAX_AGE (default 24h) the freshness window.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 FEATURE_SET TRAINING_COMMAND [ARG...]" >&2
    exit 2
fi
feature_set=$1
shift

"${ASSAY:-assay}" gate "$feature_set" --max-age "${ASSAY_MAX_AGE:-24h}"
status=$?
case $status in
    0)
        echo "gate: feature set $feature_set is clean; training" >&2
        exec "$@"
        ;;
    1)
        echo "gate: feature set $feature_set failed the gate (reasons above); training stopped" >&2
        exit 1
        ;;
    *)
        echo "gate: Assay could not decide whether feature set $feature_set is clean (exit $status); training stopped" >&2
        exit 2
        ;;
esac
