"""Run directories: one writer each, read back without trusting them, and leaderboards switched in whole (issue #27).

Each test here failed on the code before the fix it covers: two runs continued one unfinished directory together
(invalid JSON lines, duplicate ids), concurrent rescores shared a temporary file, a task key ``../x`` or a symbolic
link led rescore and the leaderboard out of the run, one crafted run broke ``runs list`` for every run, a killed or
failed leaderboard build left a mix of old and new files, and unfinished runs were ranked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.cli.main import app
from evals.report.synth import SynthTask, accuracy_stats, make_run
from tests.cli_process import run_omnieval
from tests.reliability.helpers import child_env, omnieval_cmd

RUN = ["run", "-m", "baseline:vqa-prior", "-t", "easyvqa", "--limit", "40", "--no-progress"]


def _unfinished_run(tmp_path: Path) -> Path:
    """A finished run made to look killed part-way (its manifest not finished, its records cut short)."""
    res = CliRunner().invoke(app, [*RUN, "--output", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite")])
    assert res.exit_code == 0, res.output
    [run] = list((tmp_path / "runs").iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["finished"] = None
    (run / "manifest.json").write_text(json.dumps(manifest))
    records = run / "samples" / "easyvqa.jsonl"
    records.write_text("".join(records.read_text().splitlines(keepends=True)[:10]))
    return run


def _holder(run_dir: Path) -> subprocess.Popen:
    """Another process that holds ``run_dir`` as its writer until killed."""
    code = ("import sys, time; from pathlib import Path; from evals.run import rundir; rundir.hold(Path(sys.argv[1])); "
            "print('held', flush=True); time.sleep(120)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(run_dir)], stdout=subprocess.PIPE, text=True, env=child_env(),
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.readline().strip() == "held"
    return proc


def _whole(run_dir: Path) -> list[str]:
    """The run's record ids, after checking every line is one JSON record and the manifest says finished."""
    lines = (run_dir / "samples" / "easyvqa.jsonl").read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) and json.loads((run_dir / "manifest.json").read_text())["finished"]
    return ids


def test_a_run_directory_being_written_is_never_continued_by_another_run(tmp_path):
    from evals.adapters.base import create_adapter
    from evals.run.evaluate import evaluate_model
    from evals.run.rundir import RunDirBusy
    from evals.run.runner import RunOptions
    from evals.spec.catalog import load_task

    run = _unfinished_run(tmp_path)
    before = (run / "samples" / "easyvqa.jsonl").read_bytes()
    holder = _holder(run)
    try:
        res = CliRunner().invoke(app, [*RUN, "--output", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite")])
        assert res.exit_code == 0, res.output
        assert "continuing" not in res.output  # the run being written is passed over: this command starts its own
        [own] = [d for d in (tmp_path / "runs").iterdir() if d != run]
        assert len(_whole(own)) == 40 and (run / "samples" / "easyvqa.jsonl").read_bytes() == before
        with pytest.raises(RunDirBusy, match=rf"run directory .*{run.name} is being written by process {holder.pid}: wait"):
            evaluate_model(create_adapter("baseline:vqa-prior", {}), [load_task("easyvqa")], run, None, RunOptions(limit=40))
        assert (run / "samples" / "easyvqa.jsonl").read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    res = CliRunner().invoke(app, [*RUN, "--output", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite")])
    assert res.exit_code == 0 and "continuing the unfinished run" in res.output  # let go (even by a kill): continued
    assert len(_whole(run)) == 40


def test_two_runs_started_together_into_one_output_each_write_a_whole_run(tmp_path):
    _unfinished_run(tmp_path)
    cmd = omnieval_cmd(*RUN, "--output", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"))
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env()) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum("continuing the unfinished run" in out for out, _ in outs) <= 1
    runs = sorted(d for d in (tmp_path / "runs").iterdir() if d.is_dir())
    assert len(runs) >= 2 and all(len(_whole(d)) == 40 for d in runs)
    assert not list((tmp_path / "runs").rglob("*.tmp"))


def _two_task_runs(root: Path, tasks=("vqa_a", "vqa_b")) -> None:
    for i, model in enumerate(("baseline:one", "baseline:two")):
        make_run(root, f"r{i}", model, {t: SynthTask(stats=accuracy_stats([k % (i + 2) == 0 for k in range(30)]), task_hash=f"{j:016x}")
                                        for j, t in enumerate(tasks)})


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_leaderboard_build_is_switched_in_whole_or_not_at_all(tmp_path, monkeypatch):
    from evals.report import render_html
    from evals.report.build import build_leaderboard, write_reports
    from evals.report.index import load_runs

    _two_task_runs(tmp_path / "runs")
    out = tmp_path / "board"
    board = build_leaderboard(load_runs([tmp_path / "runs"]), n_resamples=20)
    write_reports(board, out, media=False)
    first = _tree(out)
    assert {"leaderboard.json", "index.html", "tasks/vqa_a.html", "tasks/vqa_b.html"} <= set(first)

    # A disk that fills up part-way through the next build: the error comes through, the earlier build stays whole.
    real = render_html.render_task_page
    calls = []

    def full_disk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(render_html, "render_task_page", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_reports(build_leaderboard(load_runs([tmp_path / "runs"]), n_resamples=50), out, media=False)
    monkeypatch.setattr(render_html, "render_task_page", real)
    assert _tree(out) == first and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    # A build killed part-way leaves its staging folder and nothing else: `out` is untouched, the next build removes it.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".board.building-{dead}-0123abcd"
    (stale / "tasks").mkdir(parents=True)
    (stale / "index.html").write_text("<html>half")
    assert _tree(out) == first
    # A new build over fewer tasks: no page of the earlier build survives.
    _two_task_runs(tmp_path / "fewer", tasks=("vqa_a",))
    write_reports(build_leaderboard(load_runs([tmp_path / "fewer"]), n_resamples=20), out, media=False)
    assert "tasks/vqa_b.html" not in _tree(out) and "tasks/vqa_a.html" in _tree(out)
    assert not stale.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # A folder that is not a leaderboard is never replaced.
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    res = run_omnieval("leaderboard", str(tmp_path / "runs"), "--out", str(tmp_path / "mine"), "--resamples", "0", "--index",
                       str(tmp_path / "i.sqlite"), env=child_env())
    assert res.returncode == 2 and "is not a leaderboard folder" in res.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_unfinished_runs_are_left_out_of_a_leaderboard_unless_asked(tmp_path):
    _two_task_runs(tmp_path / "runs")
    make_run(tmp_path / "runs", "killed", "baseline:three", {"vqa_a": SynthTask(stats=accuracy_stats([True] * 30), task_hash=f"{0:016x}")},
             overrides={"finished": None})
    args = ["leaderboard", str(tmp_path / "runs"), "--resamples", "0", "--index", str(tmp_path / "i.sqlite"), "--no-media"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "killed: unfinished" in res.stderr and "--unfinished" in res.stderr
    models = [m["model"] for m in json.loads((tmp_path / "a" / "leaderboard.json").read_text())["models"]]
    assert sorted(models) == ["baseline:one", "baseline:two"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b"), "--unfinished"])
    assert res.exit_code == 0 and "baseline:three" in [m["model"] for m in json.loads((tmp_path / "b" / "leaderboard.json").read_text())["models"]]


def test_two_rescores_of_one_run_at_once_both_finish_with_one_whole_result(tmp_path):
    res = CliRunner().invoke(app, [*RUN, "--output", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite")])
    assert res.exit_code == 0
    [run] = list((tmp_path / "runs").iterdir())
    cmd = omnieval_cmd("rescore", str(run))
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env()) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    [rescored] = [d for d in (tmp_path / "runs").iterdir() if d != run]
    assert len(_whole(rescored)) == 40 and not [p for p in rescored.rglob("*") if p.name.endswith(".tmp")]


def _tamper(run: Path, edit) -> None:
    data = json.loads((run / "results.json").read_text())
    edit(data)
    (run / "results.json").write_text(json.dumps(data))


def test_names_read_back_from_a_run_never_lead_out_of_it(tmp_path):
    outside = tmp_path / "secret.jsonl"
    outside.write_text('{"task":"x","index":0,"id":"s","prediction":"the secret","scores":{"exact_match":{"score":1.0}}}\n')
    _two_task_runs(tmp_path / "runs")
    # A task key that climbs out, a run id that does, a records file that is a link out of the run.
    _tamper(tmp_path / "runs" / "r0", lambda d: d["tasks"].update({"../../secret": d["tasks"]["vqa_a"]}))
    make_run(tmp_path / "runs", "r2", "baseline:linked", {"vqa_a": SynthTask(stats=accuracy_stats([True] * 30), task_hash=f"{0:016x}")})
    (tmp_path / "runs" / "r2" / "samples" / "vqa_a.jsonl").unlink()
    (tmp_path / "runs" / "r2" / "samples" / "vqa_a.jsonl").symlink_to(outside)
    make_run(tmp_path / "runs", "r3", "baseline:climber", {"vqa_a": SynthTask(stats=accuracy_stats([True] * 30), task_hash=f"{0:016x}")})
    manifest = json.loads((tmp_path / "runs" / "r3" / "manifest.json").read_text())
    (tmp_path / "runs" / "r3" / "manifest.json").write_text(json.dumps({**manifest, "run_id": "../../escaped"}))
    res = CliRunner().invoke(app, ["leaderboard", str(tmp_path / "runs"), "--out", str(tmp_path / "board"), "--resamples", "0",
                                   "--index", str(tmp_path / "i.sqlite")])
    assert res.exit_code == 0, res.output
    for run, why in (("r0", "task name '../../secret'"), ("r2", "leads out of"), ("r3", "run id '../../escaped'")):
        assert any(run in line and why in line for line in res.stderr.splitlines() if line.startswith("skipped:")), res.stderr
    pages = {str(p): p.read_text() for p in (tmp_path / "board").rglob("*.html")}
    assert not [p for p, text in pages.items() if "the secret" in text] and "baseline:two" in pages[str(tmp_path / "board" / "index.html")]
    for run, why in (("r0", "task name '../../secret'"), ("r3", "run id '../../escaped'")):
        res = run_omnieval("rescore", str(tmp_path / "runs" / run), env=child_env())
        assert res.returncode == 2 and why in res.stderr, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board", "i.sqlite", "runs", "secret.jsonl"]


def test_one_crafted_run_is_skipped_by_file_and_the_listing_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    root = tmp_path / "runs"
    _two_task_runs(root)
    crafted = {
        "huge": lambda d: d["tasks"]["vqa_a"].update({"n_samples": 2**64}),
        "nan": lambda d: d["tasks"]["vqa_a"]["metrics"]["exact_match"].update({"value": float("nan")}),
        "typed": lambda d: d["tasks"]["vqa_a"].update({"n_errors": "many"}),
    }
    for name, edit in crafted.items():
        make_run(root, name, f"baseline:{name}", {"vqa_a": SynthTask(stats=accuracy_stats([True] * 30), task_hash=f"{0:016x}")})
        _tamper(root / name, edit)
    make_run(root, "garbage", "baseline:garbage", {"vqa_a": SynthTask(stats=accuracy_stats([True] * 30))})
    (root / "garbage" / "results.json").write_text('{"schema_version": 1,\n oops')
    make_run(root, "markup", "x[/bold]\x1b[31m", {"vqa_a": SynthTask(stats=accuracy_stats([True] * 30), task_hash=f"{0:016x}")})
    for _ in range(2):  # the index kept the good runs, and the second listing reads them back
        res = CliRunner().invoke(app, ["runs", "list", str(root), "--index", str(tmp_path / "i.sqlite")])
        assert res.exit_code == 0, res.output
        skipped = [line for line in res.stderr.splitlines() if line.startswith("skipped:")]
        assert len(skipped) == 4
        for name, why in (("huge", "out of range"), ("nan", "NaN"), ("typed", "n_errors"), ("garbage", "results.json")):
            assert any(f"{name}/results.json" in line and why in line for line in skipped), (name, skipped)
        assert "r0" in res.stdout and "r1" in res.stdout and "x[/bold]\\x1b[31m" in res.stdout and "\x1b" not in res.stdout
    res = CliRunner().invoke(app, ["leaderboard", str(root), "--out", str(tmp_path / "board"), "--resamples", "0",
                                   "--index", str(tmp_path / "i.sqlite"), "--no-media"])
    assert res.exit_code == 0, res.output
    assert len([line for line in res.stderr.splitlines() if line.startswith("skipped:")]) == 4


def test_a_leaderboard_build_killed_part_way_leaves_the_previous_one_whole(tmp_path):
    import signal
    import time

    root = tmp_path / "runs"
    for m in range(12):
        make_run(root, f"r{m:02d}", f"baseline:m{m:02d}",
                 {f"vqa_{t}": SynthTask(stats=accuracy_stats([(k * (m + 3) + t) % 5 < 3 for k in range(150)]), task_hash=f"{t:016x}")
                  for t in range(8)})
    out = tmp_path / "board"
    cmd = omnieval_cmd("leaderboard", str(root), "--out", str(out), "--resamples", "200", "--index", str(tmp_path / "i.sqlite"), "--no-media")
    assert subprocess.run(cmd, capture_output=True, env=child_env()).returncode == 0
    first = _tree(out)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not any(tmp_path.glob(".board.building-*/tasks/*.html")):
        time.sleep(0.005)
    assert proc.poll() is None, "the build ended before it could be killed part-way"
    workers = _children(proc.pid)
    assert workers  # the pages are being written by forked workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _tree(out) == first  # the killed build's pages are in its own folder, never in `out`
    deadline = time.monotonic() + 60  # a bound on waiting, not a speed: a worker notices within half a second
    while time.monotonic() < deadline and [pid for pid in workers if _alive(pid)]:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)], "the killed build's workers outlived it"
    assert subprocess.run(cmd, capture_output=True, env=child_env()).returncode == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # the next build removed what it left


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, read from each ``/proc/<pid>/stat`` (its fourth field)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid):
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
