#!/usr/bin/env bash
# Runs the image-diffusion benchmark (dist/bench/diffusion-bench.js) on a GPU, by two routes:
#   1. node-gpu: @tensorflow/tfjs-node-gpu (CUDA 11.2 and cuDNN 8.1, as that package requires).
#   2. webgpu:   @tensorflow/tfjs-backend-webgpu on the `webgpu` npm package (Dawn).
# Neither package is a dependency of medsynth: install them yourself (see README, section "GPU").
# Each route runs only when its packages load, with small step counts and a time limit, so the
# whole script ends within about 5 minutes.
#
# Without a GPU route it prints what is missing, runs a short wasm run (so that the benchmark itself
# is checked) and exits with status 2. Set GPU_BENCH_NO_FALLBACK=1 to skip that wasm run.
#
# Usage: benchmarks/gpu.sh            (from the repository root, after `npm run build`)
# Exit status: 0 when at least one GPU route finished, 1 when one failed, 2 when none could run.
set -u
cd "$(dirname "$0")/.."

ENTRY=dist/bench/diffusion-bench.js
# Per-route limit in seconds; two routes and the checks stay under 5 minutes.
ROUTE_LIMIT=${GPU_BENCH_ROUTE_LIMIT:-130}
# Small counts: 3 timed training steps, 64 images with DDIM-50 and with DPM-Solver++ at 20 steps.
BENCH_ARGS=(--train-steps 3 --sample-count 64 --sample-steps 50 --fast-steps 20)

if [ ! -f "$ENTRY" ]; then
  echo "gpu.sh: $ENTRY is missing; run 'npm run build' first" >&2
  exit 1
fi

# Prints "yes" when Node.js finds the package from this repository (its main file or, for a
# package whose exports hide the main file from require, its package.json). Loads nothing.
has_package() {
  node -e "try { require.resolve('$1') } catch { require.resolve('$1/package.json') }" >/dev/null 2>&1 && echo yes || echo no
}

if command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu.sh: nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 1)"
else
  echo "gpu.sh: nvidia-smi not found: no NVIDIA driver on this machine"
fi

ran=0
failed=0
run_route() {
  local name=$1
  echo "gpu.sh: route $name: node $ENTRY --backend $name ${BENCH_ARGS[*]} (limit ${ROUTE_LIMIT} s)"
  timeout "$ROUTE_LIMIT" node "$ENTRY" --backend "$name" "${BENCH_ARGS[@]}"
  local status=$?
  if [ "$status" -eq 0 ]; then
    ran=$((ran + 1))
  elif [ "$status" -eq 124 ]; then
    echo "gpu.sh: route $name timed out after ${ROUTE_LIMIT} s" >&2
    failed=$((failed + 1))
  else
    echo "gpu.sh: route $name failed with status $status" >&2
    failed=$((failed + 1))
  fi
}

# 1. tfjs-node-gpu. Its install downloads libtensorflow, so it needs internet at install time.
if [ "$(has_package @tensorflow/tfjs-node-gpu)" = yes ]; then
  run_route node-gpu
else
  echo "gpu.sh: route node-gpu skipped: @tensorflow/tfjs-node-gpu is not installed"
fi

# 2. WebGPU through Dawn.
missing=()
for package in webgpu @tensorflow/tfjs-backend-webgpu; do
  [ "$(has_package "$package")" = yes ] || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  run_route webgpu
else
  echo "gpu.sh: route webgpu skipped: not installed: ${missing[*]}"
fi

if [ "$ran" -gt 0 ] && [ "$failed" -eq 0 ]; then exit 0; fi
if [ "$failed" -gt 0 ]; then exit 1; fi

echo "gpu.sh: no GPU route could run; see the README, section \"GPU\", for the set-up"
if [ "${GPU_BENCH_NO_FALLBACK:-0}" != 1 ]; then
  echo "gpu.sh: wasm check of the benchmark with tiny counts (not a GPU figure, not comparable with BENCHMARKS.md)"
  timeout "$ROUTE_LIMIT" node "$ENTRY" --backend wasm --train-steps 1 --sample-count 2 --sample-steps 2 --fast-steps 2 ||
    echo "gpu.sh: the wasm check failed too" >&2
fi
exit 2
