"""Lazy models: a fully cached run neither imports the model's backend nor loads its weights.

Each run is a fresh `omnieval run` process (a driver around ``evals.cli.main``)
that reports what it imported and how often the ``hf`` adapter loaded its
model. No timing is asserted here; ``benchmarks/bench_startup.py`` measures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.installed import skip_unless_installed

skip_unless_installed("torch", "transformers")

from tests.adapters.conftest import tiny_model, tiny_root  # noqa: E402,F401  (fixtures: the shared tiny checkpoints)

# Runs `omnieval` with the hf adapter's _load counted and the first importer of torch recorded; the last
# stdout line is a JSON report.
_DRIVER = r'''
import json, sys, traceback
from evals.adapters import hf

loads = []
_load = hf.HFAdapter._load
def counted(self):
    loads.append(self.model)
    return _load(self)
hf.HFAdapter._load = counted

torch_importer = []
class Watch:
    def find_spec(self, name, path=None, target=None):
        # An import (the import system's _find_spec called from _find_and_load_unlocked), not importlib.util.find_spec.
        if name == "torch" and not torch_importer and sys._getframe(2).f_code.co_name == "_find_and_load_unlocked":
            frames = [f.filename for f in traceback.extract_stack()[:-1] if "importlib" not in f.filename]
            torch_importer.append(frames[-1] if frames else "?")
        return None
sys.meta_path.insert(0, Watch())

from evals.cli.main import main
sys.argv = ["omnieval", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as e:
    code = e.code or 0
modules = ("torch", "transformers", "safetensors", "tokenizers")
print("\n@@" + json.dumps({"code": code, "loads": len(loads), "imported": [m for m in modules if m in sys.modules],
                           "torch_importer": torch_importer[0] if torch_importer else None}))
'''


def _omnieval(*args: str, cwd: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", _DRIVER, *args], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert proc.stdout.rfind("\n@@") != -1, proc.stderr[-3000:]
    report = json.loads(proc.stdout[proc.stdout.rfind("\n@@") + 3:])
    assert report["code"] == 0, proc.stderr[-3000:]
    return report


def _predictions(runs: Path, task: str) -> dict[str, str]:
    [run] = [p for p in runs.iterdir() if p.is_dir()]
    return {r["id"]: r["prediction"] for r in map(json.loads, (run / "samples" / f"{task}.jsonl").read_text().splitlines())}


@pytest.fixture(scope="module")
def llava(tiny_model) -> Path:
    return tiny_model("llava")


def _run_args(llava: Path, root: Path) -> list[str]:
    return ["run", "-m", f"hf:{llava}", "-t", "easyvqa", "--limit", "12", "-b", "4", "--cache", str(root / "c.sqlite"), "--no-progress"]


@pytest.fixture(scope="module")
def first(llava, tmp_path_factory) -> tuple[dict, Path]:
    """The first, uncached run: the model loads lazily (in the background), once."""
    root = tmp_path_factory.mktemp("lazy")
    return _omnieval(*_run_args(llava, root), "-o", str(root / "first"), cwd=root), root


def test_fully_cached_run_imports_no_backend_and_loads_no_weights(llava, first):
    report, root = first
    assert report["loads"] == 1 and "transformers" in report["imported"]

    cached = _omnieval(*_run_args(llava, root), "-o", str(root / "cached"), cwd=root)
    assert cached["loads"] == 0
    assert not {"transformers", "safetensors", "tokenizers"} & set(cached["imported"]), cached
    assert _predictions(root / "cached", "easyvqa") == _predictions(root / "first", "easyvqa")
    assert "torch" not in cached["imported"], f"torch imported by {cached['torch_importer']}"


def test_lazily_loaded_model_answers_as_an_eagerly_loaded_one(llava, first, tmp_path):
    """The first (uncached) run loads the model in the background and gives the predictions of a model loaded up front."""
    from evals.adapters.base import create_adapter
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions
    from evals.spec.catalog import load_task

    _, root = first
    eager = create_adapter(f"hf:{llava}", {"batch_size": 1})
    assert eager.model_obj is not None and eager.loaded  # loaded before the run, as adapters used to be
    try:
        evaluate_model(eager, [load_task("easyvqa")], tmp_path / "eager" / "run", None, RunOptions(limit=12, batch_size=1))
    finally:
        eager.close()
    lazy = _predictions(root / "first", "easyvqa")
    assert len(lazy) == 12 and lazy == _predictions(tmp_path / "eager", "easyvqa")


def test_creating_adapters_loads_nothing(llava, tmp_path):
    """Creating an adapter and reading its capabilities and fingerprint import no backend (in a fresh process)."""
    code = f'''
import json, sys
from evals.adapters.base import create_adapter
out = {{}}
for name in ("hf:{llava}", "ct2-whisper", "baseline:constant"):
    try:
        a = create_adapter(name, {{}})
    except Exception as e:  # ct2-whisper without its packages
        out[name] = "unavailable: " + str(e)
        continue
    a.capabilities, a.fingerprint_hash(), a.name
    a.close()
    out[name] = [m for m in ("torch", "transformers", "faster_whisper", "ctranslate2") if m in sys.modules]
print(json.dumps(out))
'''
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for name, imported in out.items():
        assert isinstance(imported, str) or imported == [], (name, imported)
