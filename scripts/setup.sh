#!/usr/bin/env bash
# Install everything omnieval needs on a fresh Debian/Ubuntu machine, into ./.venv.
#   system: a Java runtime (pycocoevalcap's PTB tokenizer and METEOR), Chromium (leaderboard browser tests)
#   python: torch with a torchvision that imports beside it first (scripts/torch_pins.sh), so no other package pulls
#           another torch; then omnieval with all extras, at the locked, tested versions of constraints.txt
#           (refreshed deliberately by scripts/lock.sh), so a release made this morning cannot break the README commands.
#   bash scripts/setup.sh --unlocked   installs the newest releases instead (what pyproject.toml allows)
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=(-c constraints.txt)
case "${1:-}" in
  "") ;;
  --unlocked) LOCK=() ;;
  *) echo "scripts/setup.sh: unknown option '$1' (the only option is --unlocked)" >&2; exit 2 ;;
esac

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
.venv/bin/python -m pip install -q "pip==26.3"  # pinned too: a new pip is a new release like any other
source scripts/torch_pins.sh
.venv/bin/python -m pip install -q $TORCH
.venv/bin/python -m pip install -q -e ".[all,test]" "${LOCK[@]}"
echo "omnieval installed in .venv ($(.venv/bin/python -c 'import evals; print(evals.__version__)'))"
