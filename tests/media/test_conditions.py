"""Robustness conditions end to end: a real speech recogniser clean and in noise, each condition against clean, paired."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from evals.cli.main import app
from evals.results import iter_samples


def _run(tmp_path, out, cache, *extra):
    result = CliRunner().invoke(app, ["run", "-m", "ct2-whisper", "-t", "harvard_asr", "--limit", "8", "-o", str(tmp_path / out),
                                      "--cache", str(tmp_path / cache), "--no-progress", *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    run = next((tmp_path / out).iterdir())
    return json.loads((run / "results.json").read_text()), run, result.output


def test_noise_raises_whispers_wer_and_each_condition_is_compared_with_clean_on_the_same_samples(tmp_path):
    results, run, output = _run(tmp_path, "runs", "c.sqlite", "--conditions", "clean,white_noise:10,white_noise:0,jpeg:10")
    tasks = results["tasks"]
    assert sorted(tasks) == ["harvard_asr", "harvard_asr.white_noise_0", "harvard_asr.white_noise_10"]  # jpeg: not a sound condition
    wer = [tasks[t]["metrics"]["wer"]["value"] for t in ("harvard_asr", "harvard_asr.white_noise_10", "harvard_asr.white_noise_0")]
    assert wer == sorted(wer) and wer[2] > wer[0]  # more noise, more errors
    rows = {r["condition"]: r for r in results["robustness"]}
    assert sorted(rows) == ["white_noise:0", "white_noise:10"]
    for condition, row in rows.items():
        assert row["n"] == 8 and row["metric"] == "wer" and row["direction"] == "lower"
        assert row["clean"] == pytest.approx(wer[0]) and row["diff"] == pytest.approx(row["value"] - row["clean"])
        assert row["ci_low"] <= row["diff"] <= row["ci_high"] and row["relative_degradation"] == pytest.approx(row["diff"] / row["clean"])
    assert "harvard_asr under white_noise:0: wer" in output
    # The condition is in every request key and record; the same noise comes back on a fresh cache (seeded per clip).
    again, run2, _ = _run(tmp_path, "again", "fresh.sqlite", "--conditions", "clean,white_noise:0")
    first = [(r.id, r.prediction) for r in iter_samples(run, "harvard_asr.white_noise_0")]
    assert first == [(r.id, r.prediction) for r in iter_samples(run2, "harvard_asr.white_noise_0")]
    assert again["tasks"]["harvard_asr.white_noise_0"]["task_hash"] == tasks["harvard_asr.white_noise_0"]["task_hash"]
    assert tasks["harvard_asr.white_noise_0"]["task_hash"] != tasks["harvard_asr"]["task_hash"]


def test_an_unknown_condition_stops_before_anything_runs(tmp_path):
    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-t", "harvard_asr", "--conditions", "clean,fog:3",
                                      "-o", str(tmp_path / "runs"), "--no-progress"])
    assert result.exit_code == 2 and "--conditions: unknown condition 'fog:3'; known: clean, brightness" in result.output
    assert not (tmp_path / "runs").exists()


def test_a_conditions_run_killed_midway_resumes_to_the_same_results(tmp_path):
    """SIGKILL once some answers are committed, then the same command: seeded noise, so the same records and comparisons."""
    import os
    import signal
    import subprocess
    import time

    from tests.reliability.helpers import cached_rows, child_env, omnieval_cmd

    def cmd(out: str, cache: str) -> list[str]:
        return omnieval_cmd("run", "-m", "ct2-whisper", "-t", "harvard_asr", "--limit", "10", "-b", "1", "--conditions", "clean,white_noise:5",
                            "--no-progress", "--output", str(tmp_path / out), "--cache", str(tmp_path / cache))

    proc = subprocess.Popen(cmd("runs", "c.sqlite"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None and cached_rows(tmp_path / "c.sqlite") < 13:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < cached_rows(tmp_path / "c.sqlite") < 20  # killed in the second condition's task, or before
    assert subprocess.run(cmd("runs", "c.sqlite"), capture_output=True, env=child_env(), timeout=300).returncode == 0
    assert subprocess.run(cmd("ref", "ref.sqlite"), capture_output=True, env=child_env(), timeout=300).returncode == 0
    [resumed] = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    [ref] = [p for p in (tmp_path / "ref").iterdir() if p.is_dir()]
    for task in ("harvard_asr", "harvard_asr.white_noise_5"):
        assert [(r.id, r.prediction) for r in iter_samples(resumed, task)] == [(r.id, r.prediction) for r in iter_samples(ref, task)]
    got, want = (json.loads((d / "results.json").read_text())["robustness"] for d in (resumed, ref))
    assert got == want and len(got) == 1
