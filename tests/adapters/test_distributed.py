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
def test_two_ranks_with_torchrun_equal_one_process_and_each_launch_writes_its_own_run(tiny_model, tmp_path):
    """``torchrun --nproc-per-node 2 -m evals run``, a tiny LLaVA, two ranks on gloo: disjoint shards, rank 0 scores the
    merged answers, and the results and records equal one process's. A second launch into the same ``--output`` (no
    ``$OMNIEVAL_RUN_ID``) writes a run directory of its own, which rank 0 names for every rank, and leaves the first
    launch's results as they were. (One test for both: each launch starts three Python processes that import torch.)"""
    from evals.spec.catalog import load_task
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions

    model = f"hf:{tiny_model('llava')}"
    torchrun = str(Path(sys.executable).parent / "torchrun")
    args = ["-m", "evals", "run", "-m", model, "-a", "batch_size=4", "-b", "4", "-t", "easyvqa", "--limit", "10", "--no-progress",
            "--output", str(tmp_path / "dist"), "--cache", str(tmp_path / "c.sqlite")]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OMNIEVAL_RUN_ID": "t"}
    proc = subprocess.run([torchrun, "--standalone", "--nproc-per-node", "2", *args], capture_output=True, text=True, timeout=300, env=env,
                          cwd=Path(__file__).parents[2])
    assert proc.returncode == 0, proc.stderr[-3000:]
    [run] = (tmp_path / "dist").glob("dist-t-*")

    adapter = create_adapter(model, {"batch_size": 4})
    try:
        evaluate_model(adapter, [load_task("easyvqa")], tmp_path / "single", None, RunOptions(limit=10, batch_size=4))
    finally:
        adapter.close()
    merged, single = read_results(run), read_results(tmp_path / "single")
    assert merged.tasks["easyvqa"].metrics == single.tasks["easyvqa"].metrics
    assert merged.tasks["easyvqa"].n_samples == 10
    dist_records = list(iter_samples(run, "easyvqa"))
    single_records = list(iter_samples(tmp_path / "single", "easyvqa"))
    assert [(r.index, r.prediction) for r in dist_records] == [(r.index, r.prediction) for r in single_records]
    assert all(r.cached for r in dist_records)  # rank 0 only scored: every response came from a shard
    shards = [{r.index for r in iter_samples(run / "shards" / f"rank{k}", "easyvqa")} for k in (0, 1)]
    assert shards[0] and shards[1] and not shards[0] & shards[1]
    assert shards[0] | shards[1] == {r.index for r in single_records}
    assert all(i % 2 == k for k in (0, 1) for i in shards[k])

    first = (run / "results.json").read_bytes()
    env.pop("OMNIEVAL_RUN_ID")
    again = subprocess.run([torchrun, "--standalone", "--nproc-per-node", "2", *args], capture_output=True, text=True, timeout=300,
                           env=env, cwd=Path(__file__).parents[2])
    assert again.returncode == 0, again.stderr[-2000:]
    [second] = [d for d in (tmp_path / "dist").iterdir() if not d.name.startswith("dist-t-")]
    assert second.name.startswith("dist-2") and sorted(p.name for p in (second / "shards").iterdir()) == ["rank0", "rank1"]
    assert read_results(second).tasks["easyvqa"].metrics == single.tasks["easyvqa"].metrics
    assert (run / "results.json").read_bytes() == first
