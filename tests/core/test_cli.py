"""The command line, through typer's runner and as a real process."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from evals.cli.main import app
from tests.cli_process import run_omnieval

runner = CliRunner()


def test_tasks_lists_and_shows():
    result = runner.invoke(app, ["tasks"])
    assert result.exit_code == 0, result.output
    assert "easyvqa" in result.output and "harvard_asr" in result.output and "quickstart" in result.output
    rows = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "(judged)" in rows["mmvet"] and "(circular)" in rows["ai2d_circular"] and "(judged)" not in rows["ai2d"]
    shown = runner.invoke(app, ["tasks", "show", "harvard_asr"])
    assert shown.exit_code == 0 and "spec hash:" in shown.output and "normalizer: whisper_english" in shown.output


def test_models_lists_kinds_with_capabilities():
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0
    assert "baseline" in result.output and "ct2-whisper" in result.output


def test_run_writes_results(tmp_path):
    result = runner.invoke(app, ["run", "-m", "baseline:vqa-prior", "-t", "easyvqa", "--limit", "40", "--output", str(tmp_path), "--no-progress", "--cache", str(tmp_path / "c.sqlite")])
    assert result.exit_code == 0, result.output
    (run_dir,) = tmp_path.glob("*baseline_vqa-prior*")
    res = json.loads((run_dir / "results.json").read_text())
    task = res["tasks"]["easyvqa"]
    assert task["n_samples"] == 40 and task["n_errors"] == 0
    assert 0 < task["metrics"]["exact_match"]["value"] < 1
    assert len((run_dir / "samples" / "easyvqa.jsonl").read_text().splitlines()) == 40


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return run_omnieval(*args, **kw)


def test_unknown_task_fails_with_one_clear_line():
    proc = _cli("run", "--tasks", "nope", "-m", "baseline:constant")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: unknown task 'nope'; `omnieval tasks` lists them"]


def test_bad_model_arg_fails_clearly():
    proc = _cli("run", "--tasks", "easyvqa", "-m", "baseline:constant", "-a", "colour=red")
    assert proc.returncode == 2 and "colour: unknown argument" in proc.stderr and "Traceback" not in proc.stderr


def _cached_rows(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sigkill_midway_then_the_same_command_continues_its_run_directory_doing_only_missing_work(tmp_path):
    common = ["-t", "easyvqa", "--limit", "300", "--batch-size", "10", "--no-progress", "-m", "baseline:vqa-prior"]
    reference = _cli("run", *common, "--output", str(tmp_path / "ref"), "--cache", str(tmp_path / "ref.sqlite"))
    assert reference.returncode == 0, reference.stderr
    cache = tmp_path / "c.sqlite"
    same = [*common, "-a", "delay_s=0.01", "--output", str(tmp_path / "runs"), "--cache", str(cache)]
    # Simulated model time makes the run last ~3 s; kill it hard once some responses are committed.
    proc = subprocess.Popen([sys.executable, "-m", "evals", "run", *same], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while _cached_rows(cache) < 50 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = _cached_rows(cache)
    assert 50 <= done_before < 300
    (killed,) = (tmp_path / "runs").iterdir()
    assert json.loads((killed / "manifest.json").read_text())["finished"] is None
    again = _cli("run", *same)
    assert again.returncode == 0, again.stderr
    assert f"continuing the unfinished run {killed}" in again.stderr.replace("\n", "")
    assert f"300 samples (cached {done_before}, new {300 - done_before}, errors 0;" in again.stderr
    assert list((tmp_path / "runs").iterdir()) == [killed]  # no orphan, no second directory
    assert json.loads((killed / "manifest.json").read_text())["finished"]
    load = lambda d: json.loads((d / "results.json").read_text())["tasks"]["easyvqa"]  # noqa: E731
    assert load(killed)["metrics"] == load(next((tmp_path / "ref").iterdir()))["metrics"]
    assert load(killed)["task_hash"] == load(next((tmp_path / "ref").iterdir()))["task_hash"]
    # A finished run is never continued: the next run gets its own directory.
    assert _cli("run", *same).returncode == 0
    assert len(list((tmp_path / "runs").iterdir())) == 2


def test_score_with_a_tasks_scorers(tmp_path):
    path = tmp_path / "preds.jsonl"
    path.write_text('{"id": "1", "prediction": "The birch canoe slid.", "references": ["the birch canoe slid on the planks"]}\n')
    proc = _cli("score", "--task", "harvard_asr", str(path), "--json", "--resamples", "50")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["task"] == "harvard_asr" and out["scorers"][0]["options"] == {"normalizer": "whisper_english"}
    assert out["scorers"][0]["value"] == 3 / 7  # "on the planks" deleted from 7 reference words
    neither = _cli("score", str(path))
    assert neither.returncode == 2 and "exactly one of --metric" in neither.stderr


def test_suite_headline_is_the_mean_over_its_tasks(tmp_path):
    """Open-ASR-style suites: the plain mean of the tasks' primary metric, RTFx over all audio."""
    suite = tmp_path / "two_asr.yaml"
    suite.write_text("name: two_asr\ntasks: [harvard_asr, " + str(tmp_path / "harvard_copy.yaml") + "]\n")
    from evals.spec.catalog import load_task

    spec = load_task("harvard_asr")
    copy = spec.model_dump(mode="json", exclude={"source_file"}) | {"name": "harvard_copy"}
    copy["dataset"]["data_dir"] = str(spec.base_dir / spec.dataset.data_dir)
    import yaml

    (tmp_path / "harvard_copy.yaml").write_text(yaml.safe_dump(copy))
    proc = _cli("run", "-m", "baseline:constant", "-a", "text=the birch canoe", "--suite", str(suite), "--limit", "10",
                "--output", str(tmp_path / "out"), "--no-cache", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    res = json.loads(next((tmp_path / "out").glob("*/results.json")).read_text())
    wers = [res["tasks"][t]["metrics"]["wer"]["value"] for t in res["tasks"]]
    assert res["suite"]["suite"] == "two_asr" and res["suite"]["metric"] == "wer"
    assert res["suite"]["mean"] == sum(wers) / 2 and res["suite"]["rtfx"] is None  # a baseline has no audio time
    assert "suite two_asr: mean wer" in proc.stderr


def test_ctrl_c_says_what_was_kept_and_exits_130(tmp_path):
    cmd = [sys.executable, "-m", "evals", "run", "-t", "easyvqa", "--limit", "200", "--batch-size", "10", "--no-progress",
           "-m", "baseline:vqa-prior", "-a", "delay_s=0.05", "--output", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite")]
    # Ctrl-C as a terminal delivers it: a suite started in the background of a non-interactive shell inherits
    # SIGINT ignored, and Python then leaves it ignored in the child too.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 60
    while _cached_rows(tmp_path / "c.sqlite") < 20 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    # 200 answers take 10 s of simulated model time: the run is interrupted midway, not raced to its end.
    assert proc.poll() is None, f"the run ended before it could be interrupted: {proc.communicate()[1][-2000:]}"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted: everything answered so far is in the cache; the same command resumes" in err and "Traceback" not in err


def test_a_second_ctrl_c_quits_at_once_while_the_first_one_waits_on_a_shutdown(tmp_path):
    """The first Ctrl-C says what happens; a second one, while shutdown waits on something that cannot be
    interrupted (a model call in C++, a worker), quits with 130 and says so, instead of seconds of silence."""
    script = ("import signal, sys, time\n"
              "from evals.cli import main as cli\n"
              "signal.signal(signal.SIGINT, cli._on_interrupt)\n"
              "try:\n"
              "    print('ready', flush=True)  # inside the try: the first Ctrl-C can only come after it\n"
              "    time.sleep(60)\n"
              "except KeyboardInterrupt:\n"
              "    print('stuck in shutdown', flush=True)\n"
              "    time.sleep(60)  # a shutdown that does not end by itself\n"
              "sys.exit(3)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGINT)
    assert proc.stdout.readline().strip() == "stuck in shutdown"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupting: stopping after the model call in flight (Ctrl-C again to quit at once)" in err
    assert "interrupted twice: quitting now; everything answered so far is in the cache" in err
