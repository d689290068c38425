"""Robustness conditions end to end: a real speech recogniser clean and in noise, each condition against clean, paired.

Whisper runs with the quickstart's 10 s window (``-a window_s=10``; the clips are 2-3.3 s): a third of the encoder's
work of its own 30 s window, and still a real recogniser that noise makes worse."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from evals.cli.main import app
from evals.results import iter_samples


def _run(tmp_path, out, cache, *extra):
    result = CliRunner().invoke(app, ["run", "-m", "ct2-whisper", "-a", "window_s=10", "-t", "harvard_asr", "--limit", "6", "-o", str(tmp_path / out),
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
        assert row["n"] == 6 and row["metric"] == "wer" and row["direction"] == "lower"
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
    assert result.exit_code == 2 and "--conditions: unknown condition 'fog:3'; known: clean, babble, brightness" in result.output
    assert not (tmp_path / "runs").exists()


def test_a_conditions_run_killed_midway_resumes_to_the_same_results(tmp_path):
    """SIGKILL once some answers are committed, then the same command: seeded noise, so the same records and comparisons."""
    import os
    import signal
    import subprocess
    import time

    from tests.reliability.helpers import cached_rows, child_env, omnieval_cmd

    def cmd(out: str, cache: str) -> list[str]:
        return omnieval_cmd("run", "-m", "ct2-whisper", "-a", "window_s=10", "-t", "harvard_asr", "--limit", "4", "-b", "1", "--conditions", "clean,white_noise:5",
                            "--no-progress", "--output", str(tmp_path / out), "--cache", str(tmp_path / cache))

    proc = subprocess.Popen(cmd("runs", "c.sqlite"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None and cached_rows(tmp_path / "c.sqlite") < 5:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < cached_rows(tmp_path / "c.sqlite") < 8  # killed in the second condition's task, or before
    assert subprocess.run(cmd("runs", "c.sqlite"), capture_output=True, env=child_env(), timeout=300).returncode == 0
    assert subprocess.run(cmd("ref", "ref.sqlite"), capture_output=True, env=child_env(), timeout=300).returncode == 0
    [resumed] = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    [ref] = [p for p in (tmp_path / "ref").iterdir() if p.is_dir()]
    for task in ("harvard_asr", "harvard_asr.white_noise_5"):
        assert [(r.id, r.prediction) for r in iter_samples(resumed, task)] == [(r.id, r.prediction) for r in iter_samples(ref, task)]
    got, want = (json.loads((d / "results.json").read_text())["robustness"] for d in (resumed, ref))
    assert got == want and len(got) == 1


def test_babble_mixes_in_the_split_s_first_clips_never_the_clip_itself_whatever_the_limit(tmp_path):
    from evals.data.open import open_dataset
    from evals.run.plan import RequestPlanner, mix_pool
    from evals.spec.catalog import load_task
    from evals.spec.task import under_condition

    clean = load_task("harvard_asr")
    spec = under_condition(clean, "babble:5")
    source = open_dataset(clean, None)
    first = [RequestPlanner(clean, source.columns).plan(i, row).request.audios[0].sha for i, row in source.rows][:5]
    pool = mix_pool(spec, None)
    assert [p.sha for p in pool] == first  # four talkers for a clip among them, four for the others
    assert mix_pool(clean, None) == ()  # clean mixes nothing
    planner = RequestPlanner(spec, source.columns)
    planner.mix = pool
    keys = {}
    for i, row in open_dataset(clean, None).rows:
        audio = planner.plan(i, row).request.audios[0]
        mixed = [q.sha for q in audio.mix]
        assert len(mixed) == 4 and audio.sha not in mixed and audio.condition == "babble:5"
        assert mixed == ([s for s in first if s != audio.sha])[:4]
        keys[i] = planner.plan(i, row).request.key
    noisy = RequestPlanner(under_condition(clean, "white_noise:5"), source.columns)
    assert all(noisy.plan(i, row).request.key != keys[i] for i, row in open_dataset(clean, None).rows)
    # End to end: the crowd raises Whisper's WER, and a fresh cache hears the same crowd (seeded per clip).
    results, run, _ = _run(tmp_path, "runs", "c.sqlite", "--conditions", "clean,babble:0")
    [row] = results["robustness"]
    assert row["condition"] == "babble:0" and row["n"] == 6 and row["diff"] > 0
    _, run2, _ = _run(tmp_path, "again", "fresh.sqlite", "--conditions", "clean,babble:0")
    assert [r.prediction for r in iter_samples(run, "harvard_asr.babble_0")] == [r.prediction for r in iter_samples(run2, "harvard_asr.babble_0")]
