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


def test_a_run_over_a_parquet_mirror_never_imports_datasets(tmp_path):
    """pyarrow reads a parquet mirror's rows; `datasets` (0.5 s of imports) and its builder stay out of the process."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "core"))
    from core_fixtures import write_task, write_vqav2_mirror

    write_vqav2_mirror(tmp_path / "mirror", 6)
    task = write_task(tmp_path)
    args = ["run", "-m", "baseline:constant", "-t", str(task), "--data-dir", str(tmp_path / "mirror"), "-o", str(tmp_path / "runs"),
            "--cache", str(tmp_path / "c.sqlite"), "--no-progress"]
    # nor typer's rich help (0.12 s), which only help and usage errors print
    assert _imported(("datasets", "torch", "typer.rich_utils"), *args) == []
    [run] = (tmp_path / "runs").iterdir()
    assert len((run / "samples" / "vqav2_fixture.jsonl").read_text().splitlines()) == 6
