#!/usr/bin/env bash
# Install everything omnieval needs on a fresh Debian/Ubuntu machine, into ./.venv.
#   system: a Java runtime (pycocoevalcap's PTB tokenizer and METEOR), Chromium (leaderboard browser tests)
#   python: torch with a torchvision that imports beside it first (every processor works, Qwen-VL, GLM-4V, Llama 4 and
#           InternVL among them; x86_64: 2.14.1 + 0.29.1, a CUDA build that runs on the CPU, ~5.5 GB, taken from the
#           local wheel store where there is one), so no other package pulls another torch; then omnieval with all extras
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: could not install ${missing[*]} (need apt-get as root): caption metrics need Java, browser tests need Chromium" >&2
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
case "$(uname -m)" in
  aarch64|arm64) TORCH="torch==2.9.1 torchvision==0.24.1" ;;
  *) TORCH="torch==2.14.1 torchvision==0.29.1" ;;
esac
.venv/bin/python -m pip install -q $TORCH
.venv/bin/python -m pip install -q -e ".[all,test]"
echo "omnieval installed in .venv ($(.venv/bin/python -c 'import evals; print(evals.__version__)'))"
