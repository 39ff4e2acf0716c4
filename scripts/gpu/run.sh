#!/usr/bin/env bash
# Runs the GPU check from the bundle (no network, no compiler needed): the
# machine's Python torch 2.11.0+cu13x provides libtorch (CPU and CUDA).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${1:-${TORCHTS_PYTHON:-python3}}
TORCH_DIR=$("$PYTHON" -c "import importlib.util as u; print(u.find_spec('torch').submodule_search_locations[0])")
export TORCHTS_PYTHON="$PYTHON" TORCHTS_CUDA_LIBTORCH="$TORCH_DIR/lib"
NODE=/tmp/torchts-node
[ -x "$NODE" ] || { xz -dc .device/node.xz > "$NODE"; chmod +x "$NODE"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
"$NODE" dist/cli.cjs doctor
"$NODE" scripts/gpu/check.mjs --python "$PYTHON" --out "${OUT:-.}"
