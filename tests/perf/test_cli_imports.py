"""A cheap process start: the CLI's modules and `--help` leave the heavy libraries unloaded (fresh processes, no timing)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_HEAVY = ("datasets", "pandas", "matplotlib", "torch", "transformers", "pyarrow", "numpy", "scipy", "faster_whisper", "ctranslate2")
_BACKENDS = ("torch", "transformers", "faster_whisper", "ctranslate2", "datasets", "matplotlib")

_DRIVER = r'''
import json, sys
watch = json.loads(sys.argv[1])
from evals.cli.main import main
sys.argv = ["omnieval", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
print("\n@@" + json.dumps([m for m in watch if m in sys.modules]))
'''


def _imported(watch: tuple[str, ...], *args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(watch), *args], capture_output=True, text=True, timeout=300)
    assert "\n@@" in proc.stdout, proc.stderr[-3000:]
    return json.loads(proc.stdout[proc.stdout.rfind("\n@@") + 3:])


def test_importing_the_cli_loads_nothing_heavy():
    code = f"import sys, evals.cli.main; print([m for m in {_HEAVY!r} if m in sys.modules])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[]", proc.stdout


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["score", "--help"], ["leaderboard", "--help"], ["rescore", "--help"]])
def test_help_loads_nothing_heavy(args):
    assert _imported(_HEAVY, *args) == []


@pytest.mark.parametrize("args", [["models"], ["tasks"]])
def test_listing_models_and_tasks_loads_no_backend(args):
    assert _imported(_BACKENDS, *args) == []
