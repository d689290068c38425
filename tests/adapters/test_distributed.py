"""Data parallel with torchrun (gloo, CPU): two ranks give exactly the single-process results."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evals.adapters.base import create_adapter
from evals.run.distributed import dist_context, merge_shards
from evals.results import iter_samples, read_results


def test_dist_context_without_launcher_is_a_world_of_one(monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    ctx = dist_context()
    assert (ctx.rank, ctx.world_size, ctx.shard, ctx.is_main, ctx.initialized) == (0, 1, None, True, False)
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match="RANK=3 WORLD_SIZE=2"):
        dist_context(init=False)


def test_merge_shards_names_a_missing_shard(tmp_path):
    with pytest.raises(FileNotFoundError, match="rank 0"):
        merge_shards([tmp_path / "missing.sqlite"], tmp_path / "main.sqlite")


@pytest.mark.skipif(shutil.which("torchrun", path=str(Path(sys.executable).parent)) is None, reason="torchrun not installed")
def test_two_ranks_with_torchrun_equal_one_process(tiny_model, tmp_path):
    from evals.spec.catalog import load_task
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions

    model = f"hf:{tiny_model('llava')}"
    torchrun = str(Path(sys.executable).parent / "torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.run([torchrun, "--standalone", "--nproc-per-node", "2", "-m", "tests.adapters.dist_worker", model, str(tmp_path / "dist")],
                          capture_output=True, text=True, timeout=240, env=env, cwd=Path(__file__).parents[2])
    assert proc.returncode == 0, proc.stderr[-3000:]

    adapter = create_adapter(model, {"batch_size": 4})
    try:
        evaluate_model(adapter, [load_task("easyvqa")], tmp_path / "single", None, RunOptions(limit=10, batch_size=4))
    finally:
        adapter.close()
    merged, single = read_results(tmp_path / "dist" / "run"), read_results(tmp_path / "single")
    assert merged.tasks["easyvqa"].metrics == single.tasks["easyvqa"].metrics
    assert merged.tasks["easyvqa"].n_samples == 10
    dist_records = list(iter_samples(tmp_path / "dist" / "run", "easyvqa"))
    single_records = list(iter_samples(tmp_path / "single", "easyvqa"))
    assert [(r.index, r.prediction) for r in dist_records] == [(r.index, r.prediction) for r in single_records]
    assert all(r.cached for r in dist_records)  # rank 0 only scored: every response came from a shard
    shards = [{r.index for r in iter_samples(tmp_path / "dist" / "run" / "shards" / f"rank{k}", "easyvqa")} for k in (0, 1)]
    assert shards[0] and shards[1] and not shards[0] & shards[1]
    assert shards[0] | shards[1] == {r.index for r in single_records}
    assert all(i % 2 == k for k in (0, 1) for i in shards[k])
