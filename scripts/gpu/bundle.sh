#!/usr/bin/env bash
# Builds the self-contained GPU-check bundle in .device/ (gitignored): a
# compressed node binary; dist/ and native/ travel as carried build outputs.
# On the GPU machine:  bash scripts/gpu/run.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run build --silent
mkdir -p .device
[ -f .device/node.xz ] || xz -9 -T2 -c "$(command -v node)" > .device/node.xz
du -ch .device/node.xz dist native/*.node | tail -1
