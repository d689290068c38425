"""tests/cli_process.py's forked commands are the commands a fresh ``python -m evals`` runs: the tests that use it
rely on the same output, files and exit code, in the environment and directory they give."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.cli_process import run_omnieval


def _fresh(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evals", *args], capture_output=True, text=True, timeout=300, **kw)


@pytest.mark.parametrize("args", [("--version",), ("run", "--tasks", "nope", "-m", "baseline:constant"), ("run", "-m"),
                                  ("conditions",), ("cache", "--help")])
def test_a_forked_command_prints_and_exits_as_a_fresh_one(args):
    env = {**os.environ, "COLUMNS": "100"}
    forked, fresh = run_omnieval(*args, env=env), _fresh(*args, env=env)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


def test_a_forked_run_takes_its_environment_and_directory_and_writes_what_a_fresh_one_writes(tmp_path):
    results = {}
    for how, run in (("forked", run_omnieval), ("fresh", _fresh)):
        (tmp_path / how).mkdir()
        env = {**os.environ, "OMNIEVAL_CACHE_DIR": str(tmp_path / how / "cache")}
        out = run("run", "-m", "baseline:constant", "-t", "easyvqa", "--limit", "3", "-o", "runs", "--no-progress",
                  env=env, cwd=tmp_path / how)
        assert out.returncode == 0, out.stderr
        [run_dir] = (tmp_path / how / "runs").iterdir()  # -o relative to the command's directory
        assert (tmp_path / how / "cache").is_dir()  # the cache where its environment says
        data = json.loads((run_dir / "results.json").read_text())
        data.pop("run_id")  # its start time
        for task in data["tasks"].values():
            task.pop("timing")
        records = [json.loads(line) for line in (run_dir / "samples" / "easyvqa.jsonl").read_text().splitlines()]
        results[how] = (data, [{k: v for k, v in r.items() if k != "latency_s"} for r in records])
    assert results["forked"] == results["fresh"]


def test_a_forked_command_past_its_timeout_is_killed_and_says_so(tmp_path):
    with pytest.raises(subprocess.TimeoutExpired):
        run_omnieval("run", "-m", "baseline:constant", "-a", "delay_s=5", "-t", "easyvqa", "--limit", "50", "-o", str(tmp_path),
                     "--no-progress", "-b", "1", timeout=1)
    # the next command runs as usual
    assert run_omnieval("--version").returncode == 0
