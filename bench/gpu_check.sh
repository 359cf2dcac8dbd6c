#!/usr/bin/env bash
# The GPU check (issue "Speed and scale"): everything that needs a CUDA GPU, in about 5 minutes,
# on a machine where `make install` has run. Run from anywhere:
#
#     bench/gpu_check.sh                 # writes runs/gpu-check/ (OUT=DIR to choose)
#     DEVICE=cpu LIMIT=8 bench/gpu_check.sh   # the same steps on the CPU: a dry run of the script
#
# 1. the CUDA tests (tests/test_libtorch.py's fp32/fp16/bf16 against the CPU metrics,
#    tests/test_pytorch_detect.py's device checks);
# 2. `export --to aoti --device cuda` of the demo detector (compile time);
# 3. one `compare` over the demo's val images (LIMIT, default 250): the Python path (eager and
#    TorchScript), the native path at fp32, fp16 and bf16, and the AOTInductor package, all on
#    the GPU: AP and images/s side by side in comparison.md, which this prints.
# Each step has its own time limit; a step that fails or runs out is reported and the rest go on.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$REPO/.venv/bin/python"
DS="$REPO/.venv/bin/detection-studio"
DEVICE="${DEVICE:-cuda}"
LIMIT="${LIMIT:-250}"
OUT="$(mkdir -p "${OUT:-$REPO/runs/gpu-check}" && cd "${OUT:-$REPO/runs/gpu-check}" && pwd)"
MODELS="$REPO/configs/models"
failed=0

step() {  # step NAME SECONDS COMMAND...: runs it, logs to OUT/NAME.log, says how it went
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  if [ $rc -eq 0 ]; then
    echo "gpu_check: $name: ok ($((SECONDS - t0)) s)"
  else
    failed=1
    [ $rc -eq 124 ] && why="ran out of its ${limit} s" || why="exit $rc"
    echo "gpu_check: $name: FAILED ($why; $OUT/$name.log):"
    tail -n 5 "$OUT/$name.log" | sed 's/^/    /'
  fi
}

if [ ! -x "$DS" ]; then
  echo "gpu_check: $DS is missing: run 'make install' first" >&2
  exit 2
fi
if [ "$DEVICE" != cpu ]; then
  if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "gpu_check: torch sees no CUDA GPU on this machine (DEVICE=cpu runs the steps on the CPU)" >&2
    exit 2
  fi
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
fi
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$OUT/gpu.txt"

# 1. The CUDA tests (skipped by pytest where there is no GPU; DEVICE=cpu runs them anyway).
if [ "$DEVICE" != cpu ]; then
  step tests 150 "$PY" -m pytest -q -p no:cacheprovider -k cuda "$REPO/tests/test_libtorch.py" \
    "$REPO/tests/test_pytorch_detect.py"
fi

# The demo's model configs on DEVICE, with absolute paths (they are written outside configs/).
mkdir -p "$OUT/models"
on_device() {  # on_device SOURCE.yaml NAME [sed expression]: a copy of a model config on DEVICE
  sed -e "s|^name: .*|name: $2|" -e "s|^device: .*|device: $DEVICE|" \
      -e "s|classes: shapes.names|classes: $MODELS/shapes.names|" \
      -e "s|weights: shapes_fcos|weights: $MODELS/shapes_fcos|" ${3:+-e "$3"} \
      "$MODELS/$1" >"$OUT/models/$2.yaml"
}
on_device shapes-fcos.yaml python-eager
on_device shapes-fcos-torchscript.yaml python-torchscript
for p in fp32 fp16 bf16; do
  on_device shapes-fcos-libtorch.yaml "native-$p" "s|^precision: .*|precision: $p|"
done

# 2. The demo detector compiled by AOTInductor for DEVICE (export writes the .pt2 and its config).
step export-aoti 200 "$DS" export "$MODELS/shapes-fcos.yaml" --to aoti --device "$DEVICE" \
  --output "$OUT/models/aoti.pt2"
models=()
for m in python-eager python-torchscript native-fp32 native-fp16 native-bf16 aoti; do
  [ -f "$OUT/models/$m.yaml" ] && models+=(--model "$OUT/models/$m.yaml")
done

# 3. Every model over the same images, in one command: AP and images/s side by side.
step compare 300 "$DS" compare "$REPO/configs/demo.yaml" "${models[@]}" --limit "$LIMIT" \
  --bootstrap 0 --output "$OUT/compare"
[ -f "$OUT/compare/comparison.md" ] && cat "$OUT/compare/comparison.md"

echo "gpu_check: $( [ $failed -eq 0 ] && echo "all steps passed" || echo "some steps FAILED" ); logs in $OUT"
exit $failed
