"""`omnieval run` killed with SIGKILL again and again at seeded random points, then resumed: the same results as a run never
interrupted, with no sample lost or counted twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from tests.reliability.helpers import cached_rows, child_env, omnieval_cmd, samples

N = 240
_COMPARED = ("id", "index", "prediction", "references", "scores", "error", "cluster")


def kill_at_random_points(tmp_path: Path, cache: Path, kills: int, seed: int, n: int = N) -> list[int]:
    """Start `omnieval run` ``kills`` times and SIGKILL it each time: once the cache holds a seeded random number of new
    responses or, one time in four, after a seeded random delay (which may fall in start-up). The cache's row count after each kill."""
    rng = random.Random(seed)
    counts = []
    for k in range(kills):
        before = cached_rows(cache)
        proc = subprocess.Popen(omnieval_cmd("run", "-m", "baseline:vqa-prior", "-a", "delay_s=0.004", "-t", "easyvqa", "--limit", str(n),
                                             "--batch-size", "8", "--no-progress", "--output", str(tmp_path / f"killed{k}"), "--cache", str(cache)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
        halfway = before + max(1, (n - before) // 2)  # never later: every run is killed before it can finish
        if rng.random() < 0.25:
            deadline, target = time.monotonic() + rng.uniform(0.0, 2.0), halfway
        else:
            deadline, target = time.monotonic() + 60, before + rng.randint(1, halfway - before)
        while time.monotonic() < deadline and proc.poll() is None and cached_rows(cache) < target:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        counts.append(cached_rows(cache))
    return counts


def run_in_process(tmp_path: Path, name: str, cache_path: Path | None, n: int = N):
    """The run `omnieval run -m baseline:vqa-prior -t easyvqa --limit n` does, in this process."""
    from evals.adapters.base import create_adapter
    from evals.run.cache import ResponseCache
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions
    from evals.spec.catalog import load_task

    cache = ResponseCache(cache_path) if cache_path else None
    result = evaluate_model(create_adapter("baseline:vqa-prior", {}), [load_task("easyvqa")], tmp_path / name, cache,
                            RunOptions(limit=n, batch_size=8)).tasks["easyvqa"]
    return result, samples(tmp_path / name, "easyvqa")


def check_resume_equals_reference(tmp_path: Path, cache: Path, counts: list[int], n: int = N) -> None:
    assert counts == sorted(counts) and counts[-1] < n  # committed responses are never lost; the run never finished
    ref_task, ref = run_in_process(tmp_path, "ref", None, n)
    res_task, res = run_in_process(tmp_path, "resumed", cache, n)
    assert res_task.n_cached == counts[-1] and res_task.n_samples == n and res_task.n_errors == 0
    assert cached_rows(cache) == n
    assert len(res) == n and len({r["id"] for r in res}) == n
    assert [{k: r.get(k) for k in _COMPARED} for r in res] == [{k: r.get(k) for k in _COMPARED} for r in ref]
    assert res_task.metrics == ref_task.metrics and res_task.task_hash == ref_task.task_hash and res_task.n_scored == ref_task.n_scored


def test_repeated_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path):
    cache = tmp_path / "c.sqlite"
    counts = kill_at_random_points(tmp_path, cache, kills=5, seed=12)
    check_resume_equals_reference(tmp_path, cache, counts)
