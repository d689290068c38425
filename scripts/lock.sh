#!/usr/bin/env bash
# Refresh constraints.txt, the locked set scripts/setup.sh installs: resolve omnieval[all,test] afresh from today's
# package index in a throw-away venv and freeze it. Upgrading is a deliberate change: run the README test command on
# the new lock (bash scripts/setup.sh && .venv/bin/python -m pytest -q -n auto) and commit constraints.txt with its CI run.
#   bash scripts/lock.sh [PIP CONSTRAINT...]   e.g.  bash scripts/lock.sh "transformers<5.26"
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --upgrade pip  # the newest pip resolves; setup.sh pins the one it was tested with
source scripts/torch_pins.sh
"$tmp/venv/bin/python" -m pip install -q $TORCH
extra=()
if [ $# -gt 0 ]; then printf '%s\n' "$@" > "$tmp/extra.txt"; extra=(-c "$tmp/extra.txt"); fi
"$tmp/venv/bin/python" -m pip install -q ".[all,test]" "${extra[@]}"
{
  echo "# omnieval's locked, tested set of versions: scripts/setup.sh installs with these as pip constraints."
  echo "# Refresh deliberately with: bash scripts/lock.sh   (then run the README test command and commit both)."
  echo "# torch, torchvision and the CUDA wheels torch pins are left out: scripts/setup.sh pins torch per architecture."
  echo "# Resolved on $(uname -m), Python $("$tmp/venv/bin/python" -c 'import platform; print(platform.python_version())'), $(date -u +%F)."
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -viE '^(omnieval|torch|torchvision|triton|nvidia-|cuda-)'
} > constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) packages locked"
