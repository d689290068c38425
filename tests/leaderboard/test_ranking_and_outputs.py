"""Issue #13: which run a cell uses, who is ranked overall, rank intervals, run provenance, CSV safety, `runs list DIR`."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from evals.report.build import build_leaderboard, cells_frame, csv_safe, run_provenance, write_reports
from evals.report.compare import overall_block
from evals.report.index import RunEntry, load_run, load_runs
from evals.report.render_md import render_markdown
from evals.report.synth import SynthTask, accuracy_stats, make_run, wer_stats
from evals.results import Rescored, read_results, write_json


def _acc(rate: float, n: int, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return accuracy_stats((rng.random(n) < rate).astype(int).tolist())


def _models(board: dict) -> dict[str, dict]:
    return {m["model"]: m for m in board["models"]}


def test_models_that_share_no_task_are_not_ranked_against_each_other(tmp_path: Path) -> None:
    """The quickstart: three tasks, two models on each, no model on two tasks. It used to rank them 1,1,1,4,4,4."""
    root = tmp_path / "runs"
    for i, (task, kind) in enumerate((("easyvqa", "vqa"), ("easyvqa_caption", "caption"), ("harvard_asr", "asr"))):
        for j in range(2):
            stats = (wer_stats([1 + 4 * j] * 30, [10] * 30) if kind == "asr" else _acc(0.8 - 0.4 * j, 60, 10 * i + j))
            make_run(root, f"r{i}{j}", f"baseline:m{i}{j}", {task: SynthTask(stats=stats, scorer="wer" if kind == "asr" else "exact_match",
                                                                            kind=kind, task_hash=f"{i:016d}")})
    board = build_leaderboard(load_runs([root]), n_resamples=100)
    assert all(m["rank"] is None and m["mean_rank"] is None and not m["in_overall"] for m in board["models"])
    assert all(m["n_tasks"] == 1 for m in board["models"])
    assert "no overall rank" in board["overall"]["note"]
    # Per-task ranks remain, each with its interval.
    assert sorted(c["rank"] for c in board["cells"]) == [1, 1, 1, 2, 2, 2]
    assert all(c["rank_low"] is not None for c in board["cells"])
    md = render_markdown(board)
    rows = [line for line in md.splitlines() if line.startswith("| –") or line.startswith("| 1")]
    assert len(rows) == 6 and all(r.startswith("| – | ") and "| 1 of 3 |" in r for r in rows)
    assert "no overall rank" in md
    # The models are listed task by task, best first.
    assert [m["model"] for m in board["models"]][:2] == ["baseline:m00", "baseline:m01"]


def test_overall_rank_covers_only_models_with_the_same_tasks_and_shows_intervals(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    for i, name in enumerate(("strong", "mid", "weak")):
        make_run(root, f"r{i}", f"baseline:{name}", {
            "t1": SynthTask(stats=_acc(0.9 - 0.3 * i, 200, i)),
            "t2": SynthTask(stats=_acc(0.85 - 0.3 * i, 200, 10 + i), task_hash="2" * 16),
        })
    make_run(root, "r9", "baseline:t1-only", {"t1": SynthTask(stats=_acc(0.95, 200, 99))})
    board = build_leaderboard(load_runs([root]), n_resamples=200)
    models = _models(board)
    assert models["baseline:t1-only"]["rank"] is None and models["baseline:t1-only"]["n_tasks"] == 1
    # Ranked among themselves: 1, 2, 3 (the t1-only model, best on t1, does not push them down).
    assert [models[f"baseline:{n}"]["rank"] for n in ("strong", "mid", "weak")] == [1, 2, 3]
    assert models["baseline:strong"]["mean_rank"] == pytest.approx(1.0)
    assert board["overall"]["models"] == ["baseline:mid", "baseline:strong", "baseline:weak"]
    assert board["overall"]["columns"] == ["t1", "t2"]
    # Intervals exist and are shown, even when they are a single rank.
    for n in ("strong", "mid", "weak"):
        assert models[f"baseline:{n}"]["rank_low"] is not None and models[f"baseline:{n}"]["rank_high"] is not None
    md = render_markdown(board)
    line = next(x for x in md.splitlines() if "baseline:strong" in x and x.startswith("| 1"))
    assert line.startswith("| 1 (1–1) | baseline:strong | 2 of 2 |")
    html = (write_reports(board, tmp_path / "out", plots=False), (tmp_path / "out" / "index.html").read_text())[1]
    assert '<span class="rk">(1–1)</span>' in html


def test_overall_block_choice() -> None:
    assert overall_block({"a": {"t1", "t2"}, "b": {"t1", "t2"}, "c": {"t1"}})[:2] == (["a", "b"], ["t1", "t2"])
    assert overall_block({"a": {"t1"}, "b": {"t1"}, "c": {"t1"}, "d": {"t2"}})[:2] == (["a", "b", "c"], ["t1"])
    assert overall_block({"a": {"t1"}, "b": {"t1"}, "c": {"t2"}, "d": {"t2"}})[:2] == ([], [])  # two equal groups
    assert overall_block({"a": {"t1"}})[:2] == ([], [])
    # The block need not be any one model's own task set.
    assert overall_block({"a": {"t1", "t2", "t3"}, "b": {"t1", "t2", "t4"}, "c": {"t1", "t2"}})[:2] == (["a", "b", "c"], ["t1", "t2"])


def test_a_rescored_run_replaces_its_original_even_under_a_new_task_hash(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_run(root, "r1", "baseline:a", {"vqa": SynthTask(stats=_acc(0.5, 50, 0))}, started="2025-01-01T00:00:00+00:00")
    make_run(root, "r2", "baseline:b", {"vqa": SynthTask(stats=_acc(0.6, 50, 1), task_hash="9" * 16)}, started="2025-01-01T00:00:00+00:00")
    re_dir = make_run(root, "r1-rescored-x", "baseline:a", {"vqa": SynthTask(stats=_acc(0.5, 50, 0), task_hash="9" * 16)},
                      started="2025-03-01T00:00:00+00:00")
    res = read_results(re_dir)
    t = res.tasks["vqa"]
    res.tasks["vqa"] = t.model_copy(update={"rescored": Rescored(from_run="r1", from_dir=str(root / "r1"), from_spec_hash=t.spec_hash,
                                                                  spec_hash=t.spec_hash, at="2025-03-01T00:00:00+00:00")})
    write_json(re_dir / "results.json", res)
    board = build_leaderboard(load_runs([root]), n_resamples=50)  # no conflict: r1's old hash is gone
    cells = {c["model"]: c for c in board["cells"]}
    assert cells["baseline:a"]["run_id"] == "r1-rescored-x"
    (gone,) = board["superseded"]
    assert gone["run_id"] == "r1" and gone["reason"] == "rescored as run r1-rescored-x"
    assert _models(board)["baseline:a"]["runs"][0]["rescored_from"] == ["r1"]


def test_provenance_per_model(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    fields = {"git_commit": "f" * 40, "command": ["omnieval", "run", "--api-key", "***"], "finished": "2025-01-01T02:00:00+00:00",
              "host": {"platform": "Linux", "gpu": "H200"}, "packages": {"torch": "2.4.0"}}
    make_run(root, "r1", "baseline:a", {"vqa": SynthTask(stats=_acc(0.5, 40, 0))}, overrides=fields)
    make_run(root, "r2", "baseline:b", {"vqa": SynthTask(stats=_acc(0.6, 40, 1))})
    board = build_leaderboard(load_runs([root]), n_resamples=50)
    (run,) = _models(board)["baseline:a"]["runs"]
    assert run["started"] == "2025-01-01T00:00:00+00:00" and run["finished"] == "2025-01-01T02:00:00+00:00"
    assert run["omnieval_version"] == "0.1.0" and run["git_commit"] == "f" * 40 and run["command"] == fields["command"]
    assert run["host"] == fields["host"] and run["packages"] == fields["packages"] and run["judges"] == {}
    md = render_markdown(board)
    assert "## Models and runs" in md and "omnieval run --api-key \\*\\*\\*" in md and "gpu: H200" in md and "ffffffffffff" in md
    assert json.loads(json.dumps(board["models"]))  # JSON-able, written to leaderboard.json


def test_a_judge_is_shown_when_the_run_recorded_one(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "runs", "r1", "baseline:a", {"vqa": SynthTask(stats=_acc(0.5, 10, 0))})
    entry = load_run(run_dir)
    judge = {"model": "openai:gpt-4o-mini", "fingerprint": "abcd1234", "prompt_hash": "99"}
    manifest = SimpleNamespace(**{k: getattr(entry.manifest, k) for k in type(entry.manifest).model_fields}, judge=judge)
    prov = run_provenance(RunEntry(entry.path, entry.results, manifest), ["vqa"])  # type: ignore[arg-type]
    assert prov["judges"] == {"vqa": judge}
    make_run(tmp_path / "runs", "r2", "baseline:b", {"vqa": SynthTask(stats=_acc(0.6, 10, 1))})
    board = build_leaderboard(load_runs([tmp_path / "runs"]), n_resamples=20)
    assert "judge" not in render_markdown(board).split("## Models and runs")[1].splitlines()[2]  # no judge: no column
    _models(board)["baseline:a"]["runs"][0]["judges"] = {"vqa": judge}
    assert "openai:gpt-4o-mini" in render_markdown(board).split("## Models and runs")[1]
    write_reports(board, tmp_path / "out", plots=False)
    html = (tmp_path / "out" / "index.html").read_text()
    assert "<th>judge</th>" in html and "openai:gpt-4o-mini" in html.split('id="provenance"')[1]


def test_csv_neutralises_formula_text(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    # Task names are held to the task-name rule even when read back (a run with "@SUM(A1)" as a task is skipped); the
    # model name and the revision are anything a run says.
    make_run(root, "r1", "=cmd|' /C calc'!A0", {"sum_a1": SynthTask(stats=_acc(0.5, 40, 0), revision="-2+3")})
    make_run(root, "r2", "+model", {"sum_a1": SynthTask(stats=_acc(0.6, 40, 1), revision="-2+3")})
    board = build_leaderboard(load_runs([root]), n_resamples=50)
    board["cells"][0]["value"] = -0.25  # a negative number stays a number
    frame = cells_frame(board)
    frame.to_csv(tmp_path / "l.csv", index=False)
    rows = list(csv.DictReader((tmp_path / "l.csv").open()))
    for row in rows:
        for key, value in row.items():
            if value.startswith(("=", "+", "@", "\t", "\r")) or (value.startswith("-") and not _is_number(value)):
                raise AssertionError(f"{key}={value!r} is a formula")
    assert {r["model"] for r in rows} == {"'=cmd|' /C calc'!A0", "'+model"}
    assert {r["task"] for r in rows} == {"sum_a1"} and {r["revision"] for r in rows} == {"'-2+3"}
    assert "-0.25" in {r["value"] for r in rows}
    assert csv_safe(-1.5) == -1.5 and csv_safe("plain") == "plain" and csv_safe("-x") == "'-x" and csv_safe("@SUM(A1)") == "'@SUM(A1)"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_runs_list_scans_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evals.cli.main import app

    index = tmp_path / "runs.sqlite"
    make_run(tmp_path / "elsewhere", "old", "baseline:old", {"vqa": SynthTask(stats=_acc(0.5, 5, 0))})
    CliRunner().invoke(app, ["runs", "list", str(tmp_path / "elsewhere"), "--index", str(index)])
    runs = tmp_path / "work" / "runs"
    make_run(runs / "quick", "r1", "baseline:a", {"vqa": SynthTask(stats=_acc(0.5, 5, 0))})
    make_run(runs, "r2", "baseline:b", {"vqa": SynthTask(stats=_acc(0.5, 5, 0))})
    (runs / "broken").mkdir()
    (runs / "broken" / "results.json").write_text("{not json")
    # A directory is scanned (any depth) without a leaderboard: its runs, and only those; a broken run is skipped.
    res = CliRunner().invoke(app, ["runs", "list", str(runs), "--index", str(index), "--json"])
    assert res.exit_code == 0, res.output
    assert sorted(r["run_id"] for r in json.loads(res.stdout)) == ["r1", "r2"]
    assert "skipped:" in res.stderr and "broken" in res.stderr
    res = CliRunner().invoke(app, ["runs", "list", str(runs), "--all", "--index", str(index), "--json"])
    assert sorted(r["run_id"] for r in json.loads(res.stdout)) == ["old", "r1", "r2"]
    # With no directory, ./runs (where `omnieval run` writes) is scanned first.
    make_run(runs, "r3", "baseline:c", {"vqa": SynthTask(stats=_acc(0.5, 5, 0))})
    monkeypatch.chdir(tmp_path / "work")
    res = CliRunner().invoke(app, ["runs", "list", "--index", str(index), "--json"])
    assert res.exit_code == 0, res.output
    assert sorted(r["run_id"] for r in json.loads(res.stdout)) == ["old", "r1", "r2", "r3"]


def test_html_heatmap_colours_follow_direction_and_a_lone_cell_is_neutral(tmp_path: Path) -> None:
    from evals.report.render_html import NEUTRAL, heat_position

    root = tmp_path / "runs"
    make_run(root, "r1", "baseline:a", {"asr": SynthTask(stats=wer_stats([3] * 30, [10] * 30), scorer="wer", kind="asr", task_hash="c" * 16),
                                        "asr2": SynthTask(stats=wer_stats([1] * 30, [10] * 30), scorer="wer", kind="asr", task_hash="d" * 16)})
    make_run(root, "r2", "baseline:b", {"asr2": SynthTask(stats=wer_stats([5] * 30, [10] * 30), scorer="wer", kind="asr", task_hash="d" * 16)})
    board = build_leaderboard(load_runs([root]), n_resamples=50)
    write_reports(board, tmp_path / "out", plots=False)
    heat = (tmp_path / "out" / "index.html").read_text().split('<table class="heat">')[1].split("</table>")[0]
    # A row's heading is the model's name, with <wbr> after its separators (it wraps only there).
    rows = {re.sub(r"<[^>]*>", "", r.split("</th>")[0]): r for r in heat.split("<tr>")[2:]}
    assert f"background:{NEUTRAL}\">0.300" in rows["baseline:a"]  # one WER: nothing to compare, not red
    assert "background:hsl(130," in rows["baseline:a"].split("0.300")[1]  # WER 0.1 < 0.5: best, green
    assert "background:hsl(5," in rows["baseline:b"]  # WER 0.5: worst, red
    assert heat_position(0.3, [0.3], True) is None and heat_position(0.1, [0.1, 0.5], True) == 1.0


def test_task_pages_hold_every_sample_at_a_reasonable_size(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    n = 3000
    for i in range(3):
        make_run(root, f"r{i}", f"hf:org/model-{i}", {"vqa": SynthTask(stats=_acc(0.5 + 0.1 * i, n, i),
                                                                         predictions=[f"answer number {k}" for k in range(n)])})
    board = build_leaderboard(load_runs([root]), n_resamples=20)
    write_reports(board, tmp_path / "out", plots=False)
    page = (tmp_path / "out" / "tasks" / "vqa.html").read_text()
    data = json.loads(page.split('id="viewer-data">')[1].split("</script>")[0])
    assert len(data["samples"]) == n and data["n_samples"] == n
    assert [s["id"] for s in data["samples"][-2:]] == [f"s{n - 2}", f"s{n - 1}"]
    assert len(page.encode()) < 2_000_000, len(page.encode())


def test_runs_list_and_show_fit_80_columns_and_print_names_as_plain_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evals.cli.main import app

    monkeypatch.setenv("COLUMNS", "80")
    index = tmp_path / "runs.sqlite"
    runs = tmp_path / "runs_of_a_long_directory_name" / "nested_further_down"
    make_run(runs, "20261207-113000-hf_org_a_very_long_model_name_v2", "hf:org/a-very-long-model-name-v2",
             {"harvard_asr.white_noise_20": SynthTask(stats=_acc(0.5, 5, 0)), "easyvqa_grouped_variants": SynthTask(stats=_acc(0.5, 5, 0))})
    make_run(runs, "crafted", "x[/bold]\x1b[2J\x1b]0;owned\x07", {"vqa": SynthTask(stats=_acc(0.5, 5, 0))})
    for args in (["runs", "list", str(runs)], ["runs", "list", str(runs)], ["runs", "show", "20261207"], ["runs", "show", "crafted"]):
        res = CliRunner().invoke(app, [*args, "--index", str(index)])
        assert res.exit_code == 0, res.output
        lines = res.stdout.splitlines()
        assert lines and max(len(line) for line in lines) <= 80, res.stdout
        assert "\x1b" not in res.stdout and "\x07" not in res.stdout  # escape sequences are shown, never sent
        if "crafted" in args or "list" in args:  # the markup is printed as written, not read (it broke every later listing)
            assert "x[/" in res.stdout and "\\x1b[2J\\x1b]0;owned\\x07" in res.stdout


def test_json_in_a_page_cannot_close_its_script_and_writes_nan_as_null() -> None:
    from evals.report.render_html import script_json

    text = script_json({"a": float("nan"), 1: [float("inf"), 0.5], "s": "</script><b>&", "t": ("x",)})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": None, "1": [None, 0.5], "s": "</script><b>&", "t": ["x"]}
    assert json.loads(script_json({"s": "\u2028"})) == {"s": "\u2028"} and "\u2028" not in script_json({"s": "\u2028"})
