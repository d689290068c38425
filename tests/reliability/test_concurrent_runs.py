"""`omnieval run`s of different models on one task and one cache at the same time: every run ends with every sample.

Two processes here (benchmarks/reliability_soak.py runs three, many times over)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.reliability.helpers import child_env, omnieval_cmd, results, samples

MODELS = ["baseline:vqa-prior", "baseline:constant", "baseline:caption"]
IN_TEST = 2
LIMIT = 60


def run_concurrently(tmp_path: Path, cache: Path, limit: int = LIMIT, models: list[str] = MODELS) -> list[Path]:
    """All ``models`` at once as `omnieval run` processes on ``cache``; their run directories."""
    procs = [subprocess.Popen(omnieval_cmd("run", "-m", model, "-a", "delay_s=0.005", "-t", "easyvqa", "--limit", str(limit),
                                           "--batch-size", "4", "--no-progress", "--cache", str(cache), "--output", str(tmp_path / str(k))),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=child_env())
             for k, model in enumerate(models)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    return [next((tmp_path / str(k)).iterdir()) for k in range(len(models))]


def check_every_sample(run_dirs: list[Path], limit: int = LIMIT) -> list[str]:
    ids: list[str] = []
    for run_dir in run_dirs:
        records = samples(run_dir, "easyvqa")
        task = results(run_dir)["tasks"]["easyvqa"]
        assert task["n_samples"] == limit and task["n_errors"] == 0 and len(records) == limit
        assert len({r["id"] for r in records}) == limit  # none twice
        ids = ids or [r["id"] for r in records]
        assert [r["id"] for r in records] == ids  # the same samples, in the same order, for every model
    return ids


def test_concurrent_runs_of_different_models_on_one_cache_lose_no_sample(tmp_path):
    from evals.adapters.base import create_adapter
    from evals.run.cache import ResponseCache
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions
    from evals.spec.catalog import load_task

    cache_path = tmp_path / "shared.sqlite"
    run_dirs = run_concurrently(tmp_path / "first", cache_path, models=MODELS[:IN_TEST])
    ids = check_every_sample(run_dirs)
    # Each model again: its stored plan, published while the other was publishing its own, is whole; nothing runs again.
    cache = ResponseCache(cache_path)
    for model, before in zip(MODELS, run_dirs):
        adapter = create_adapter(model, {})
        again = evaluate_model(adapter, [load_task("easyvqa")], tmp_path / "again" / model.replace(":", "_"), cache,
                               RunOptions(limit=LIMIT)).tasks["easyvqa"]
        assert again.n_samples == LIMIT and again.n_cached == LIMIT and again.dataset.selection == results(before)["tasks"]["easyvqa"]["dataset"]["selection"]
        assert {k: v.model_dump(mode="json") for k, v in again.metrics.items()} == results(before)["tasks"]["easyvqa"]["metrics"]
        assert [r["id"] for r in samples(tmp_path / "again" / model.replace(":", "_"), "easyvqa")] == ids
