#!/usr/bin/env bash
# The GPU figures of issue 24 in one device call of at most 8 minutes.
#
# Once, here (the device has torch but not PyAV or fastcore, and cannot download):
#   echo /.whl/ >> .git/info/exclude
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 -d .whl av==18.1.0 fastcore==2.2.41
# Then one call of the device tool:  run(command="bash tools/gpu_check.sh", carry=[".whl"], timeout_s=560)
# Rehearsal on the CPU, toy sizes:   PYTHON=.venv/bin/python bash tools/gpu_check.sh --toy
# Everything lands in $OUT: gpu_check.json (all figures, written after each stage) and gpu_check.log (the table).
set -uo pipefail
PY=${PYTHON:-python3}
OUT=${OUT:-/tmp/gpu_check_out}; mkdir -p "$OUT"
if ! "$PY" -c 'import av, fastcore' 2>/dev/null; then
  ls .whl/*.whl >/dev/null 2>&1 || { echo "gpu_check: PyAV or fastcore is missing and no .whl folder was carried (see this file's header)"; exit 2; }
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 2
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
if [ "${1:-}" = --toy ]; then args=(--profile tiny --device cpu --toy); else args=(--profile paper --device cuda); fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
PYTHONUNBUFFERED=1 timeout 480 "$PY" tools/gpu_check.py "${args[@]}" --out "$OUT/gpu_check.json" 2>&1 | tee "$OUT/gpu_check.log"
