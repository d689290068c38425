"""Bring your own dataset: a folder of images and a JSONL of questions, run with --task-file, never read stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from evals.cli.main import app
from evals.results import iter_samples, read_results
from tests.cli_process import run_omnieval

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "own_dataset"


def _run(task_file: Path, out: Path, answer: str):
    res = CliRunner().invoke(app, ["run", "--task-file", str(task_file), "-m", "baseline:constant", "-a", f"text={answer}",
                                   "--output", str(out), "--no-progress", "--no-cache"])
    assert res.exit_code == 0, res.output
    (run_dir,) = [d for d in out.iterdir() if d.is_dir()]
    return read_results(run_dir).tasks["my_shapes"], run_dir


def test_the_shipped_example_runs_with_task_file(tmp_path):
    task, run_dir = _run(EXAMPLE / "shapes.yaml", tmp_path / "runs", "circle")
    # Two of six images are circles; each image has a shape and a colour question.
    assert task.n_samples == 12 and task.metrics["exact_match"].value == 2 / 12
    assert task.metrics["exact_match"].ci_method == "cluster_bootstrap" and task.metrics["exact_match"].n_clusters == 6
    groups = {s.field: s for s in task.subgroups}["kind"].groups
    assert groups["shape"]["exact_match"].value == 2 / 6 and groups["color"]["exact_match"].value == 0.0
    assert task.dataset.origin.startswith("local:")
    record = next(iter_samples(run_dir, "my_shapes"))
    assert record.prompt[0]["content"][0]["type"] == "image"


def test_edited_files_are_never_read_stale_and_bad_paths_name_the_resolved_file(tmp_path):
    copy = tmp_path / "own"
    shutil.copytree(EXAMPLE, copy)
    first, _ = _run(copy / "shapes.yaml", tmp_path / "r1", "circle")
    rows = [json.loads(line) for line in (copy / "data" / "questions.jsonl").read_text().splitlines()]
    for r in rows:
        r["answer"] = "circle"  # same folder, same file name, new content
    rows[0]["image"] = "images/missing.png"
    (copy / "data" / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = CliRunner().invoke(app, ["run", "--task-file", str(copy / "shapes.yaml"), "-m", "baseline:constant", "-a", "text=circle",
                                   "--output", str(tmp_path / "r2"), "--no-progress", "--no-cache", "--max-error-rate", "0.1"])
    assert res.exit_code == 0, res.output
    (run_dir,) = list((tmp_path / "r2").iterdir())
    second = read_results(run_dir).tasks["my_shapes"]
    assert second.dataset.fingerprint != first.dataset.fingerprint
    assert second.metrics["exact_match"].value == 1.0 and second.n_errors == 1
    error = next(iter_samples(run_dir, "my_shapes")).error
    assert str(copy / "data" / "images" / "missing.png") in error


def test_a_wrong_split_is_a_bad_task_file_exit_2_naming_file_key_and_the_splits(tmp_path):
    copy = tmp_path / "own"
    shutil.copytree(EXAMPLE, copy)
    (copy / "shapes.yaml").write_text((copy / "shapes.yaml").read_text().replace("split: test", "split: tset"))
    out = run_omnieval("run", "--task-file", str(copy / "shapes.yaml"), "-m", "baseline:constant", "--output", str(tmp_path / "r"),
                       "--no-progress", timeout=120)
    assert out.returncode == 2, out.stderr  # README: 2 for a bad task file
    assert out.stderr.strip() == (f"error: task my_shapes ({copy / 'shapes.yaml'}): dataset.split 'tset' is not a split of json "
                                  "(did you mean test?); its splits: test")


def test_the_leaderboard_shows_the_media_of_your_own_task(tmp_path):
    _run(EXAMPLE / "shapes.yaml", tmp_path / "runs", "circle")
    res = CliRunner().invoke(app, ["leaderboard", str(tmp_path / "runs"), "--out", str(tmp_path / "board"), "--no-plots"])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "board" / "tasks" / "my_shapes.html").read_text()
    assert "Media not shown" not in page
    assert len(list((tmp_path / "board" / "tasks" / "media").glob("*.png"))) == 6
