"""Robustness conditions on the leaderboard: condition columns (``asr.white_noise_20``) belong to the robustness view,
mildest first, and are neither columns of the main table nor part of the overall rank; JSON, CSV, Markdown and HTML agree."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from evals.report.build import build_leaderboard, write_reports
from evals.report.index import load_runs
from evals.report.synth import SynthTask, accuracy_stats, make_run, wer_stats
from evals.results import ConditionComparison, Manifest, read_manifest, read_results, write_json
from evals.spec.conditions import CONDITIONS, order_conditions, severity, split_condition_task

N = 40
NOISE = ["white_noise:20", "white_noise:10", "white_noise:0"]
CLEAN_FIRST = ["clean", *NOISE]


def _asr(edits: int, task_hash: str) -> SynthTask:
    return SynthTask(stats=wer_stats([edits] * N, [10] * N), scorer="wer", modality="audio", kind="asr", task_hash=task_hash)


def _column(condition: str) -> str:
    name, value = condition.split(":")
    return f"asr.{name}_{value}"


def _conditions_run(root: Path, run_id: str, model: str, vqa: float, clean: int, noisy: dict[str, int],
                    record: str = "robustness") -> Path:
    """A run of ``vqa`` and ``asr`` clean and under each of ``noisy`` (in the order given, as --conditions lists them).

    ``record``: how the run says which tasks are conditions: ``robustness`` (its paired comparisons), ``manifest`` (only
    the recorded spec source), ``name`` (neither: an old run, read by the task's name).
    """
    tasks = {"vqa": SynthTask(stats=accuracy_stats([1] * int(vqa * N) + [0] * (N - int(vqa * N)))), "asr": _asr(clean, "c" * 16)}
    for cond, edits in noisy.items():
        tasks[_column(cond)] = _asr(edits, f"{NOISE.index(cond) + 1}" * 16)  # a condition's hash: the same in every run
    run = make_run(root, run_id, model, tasks)
    if record == "robustness":
        res = read_results(run)
        res.robustness = [ConditionComparison(
            task="asr", condition=cond, condition_task=_column(cond), metric="wer", direction="lower", clean=clean / 10,
            value=edits / 10, diff=(edits - clean) / 10, ci_low=(edits - clean) / 10, ci_high=(edits - clean) / 10,
            p_value=0.0 if edits != clean else 1.0, n=N, relative_degradation=(edits - clean) / clean) for cond, edits in noisy.items()]
        write_json(run / "results.json", res)
    if record in ("robustness", "manifest"):
        m = read_manifest(run)
        condition = {_column(c): c for c in noisy}
        tasks_entry = {k: {**v, "spec_source": {"task": "vqa" if k == "vqa" else "asr", "file": None,
                                                **({"condition": condition[k]} if k in condition else {})}}
                       for k, v in m.tasks.items()}
        write_json(run / "manifest.json", Manifest.model_validate({**m.model_dump(), "tasks": tasks_entry}))
    return run


@pytest.fixture(scope="module")
def board_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """A is best clean (vqa and asr) but worst in noise: counting the noise columns would rank B first overall.

    A listed its conditions as text sorts them (0, 10, 20), B in no order; C's run recorded only its manifest, D's is an
    old run (its task names only).
    """
    root = tmp_path_factory.mktemp("cond") / "runs"
    _conditions_run(root, "a", "baseline:a", 0.8, 3, {"white_noise:0": 9, "white_noise:10": 8, "white_noise:20": 7})
    _conditions_run(root, "b", "baseline:b", 0.6, 4, {"white_noise:0": 6, "white_noise:20": 4, "white_noise:10": 5})
    _conditions_run(root, "c", "baseline:c", 0.5, 5, {"white_noise:10": 6}, record="manifest")
    _conditions_run(root, "d", "baseline:d", 0.4, 6, {"white_noise:0": 9}, record="name")
    board = build_leaderboard(load_runs([root]), n_resamples=100)
    out = root.parent / "out"
    write_reports(board, out, plots=False)
    return board, out


def test_severity_follows_each_condition_s_declared_direction() -> None:
    assert order_conditions(["white_noise:0", "clean", "white_noise:20", "white_noise:10"]) == CLEAN_FIRST
    assert order_conditions(["jpeg:10", "jpeg:50", "gaussian_blur:4", "gaussian_blur:1", "speed:0.5", "speed:1.1"]) == [
        "jpeg:50", "jpeg:10", "gaussian_blur:1", "gaussian_blur:4", "speed:1.1", "speed:0.5"]
    assert severity("clean") < severity("white_noise:20") < severity("white_noise:0")
    assert severity("brightness:0.9") < severity("brightness:1.5") < severity("brightness:0.25")
    assert {c.harder for c in CONDITIONS.values()} <= {"higher", "lower", "away_from_1"}
    assert split_condition_task("harvard_asr.white_noise_20") == ("harvard_asr", "white_noise:20")
    assert split_condition_task("mmau.reverb_0.5") == ("mmau", "reverb:0.5")
    assert split_condition_task("open_asr_esb.ami") is None and split_condition_task("x.not_a_condition_3") is None


def test_condition_columns_are_not_in_the_main_table_nor_the_overall_rank(board_dir) -> None:
    board, _ = board_dir
    assert [c["key"] for c in board["columns"]] == ["asr", "vqa"]
    assert {c["column"] for c in board["cells"]} == {"asr", "vqa"}
    assert board["overall"]["columns"] == ["asr", "vqa"] and board["overall"]["n_columns"] == 2
    models = {m["model"]: m for m in board["models"]}
    # Clean, A is best on both tasks: rank 1, mean rank 1.0 (the noise columns, where A is worst, would make B first).
    assert models["baseline:a"]["rank"] == 1 and models["baseline:a"]["mean_rank"] == 1.0
    assert all(m["n_tasks"] == 2 and m["tasks"] == ["asr", "vqa"] for m in board["models"])
    # Condition columns, each marked with its condition and clean task, mildest first; C's and D's too.
    cond = board["condition_columns"]
    assert [c["key"] for c in cond] == ["asr.white_noise_20", "asr.white_noise_10", "asr.white_noise_0"]
    assert [(c["clean_task"], c["condition"]) for c in cond] == [("asr", c) for c in NOISE]
    assert {(c["model"], c["column"]) for c in board["condition_cells"]} >= {("baseline:c", "asr.white_noise_10"),
                                                                            ("baseline:d", "asr.white_noise_0")}
    # The fairness view takes no condition column either.
    assert all(v["task"] in ("asr", "vqa") for v in board["fairness"])


def test_the_robustness_view_orders_conditions_by_severity_whatever_the_run_listed(board_dir) -> None:
    board, _ = board_dir
    [view] = board["robustness"]
    assert view["conditions"] == CLEAN_FIRST
    assert view["columns"] == ["asr", *[_column(c) for c in NOISE]]
    rows = {r["model"]: r for r in view["rows"]}
    assert [p["condition"] for p in rows["baseline:b"]["points"]] == CLEAN_FIRST
    assert [p["value"] for p in rows["baseline:b"]["points"]] == pytest.approx([0.4, 0.4, 0.5, 0.6])
    assert rows["baseline:b"]["points"][3]["diff"] == pytest.approx(0.2)  # from B's own paired comparison
    # C's condition, known from its manifest only, and D's, from its name only: shown, but not paired.
    assert [p["condition"] for p in rows["baseline:c"]["points"]] == ["clean", "white_noise:10"]
    assert [p["condition"] for p in rows["baseline:d"]["points"]] == ["clean", "white_noise:0"]
    assert rows["baseline:d"]["points"][1]["diff"] is None


def test_markdown_csv_and_html_agree_with_the_json(board_dir) -> None:
    board, out = board_dir
    md = (out / "leaderboard.md").read_text()
    main_head = next(line for line in md.splitlines() if line.startswith("| rank (95% interval)"))
    assert "white" not in main_head and "asr<br>wer ↓" in main_head and "vqa<br>" in main_head
    ranks_head = md.split("## Per-task ranks")[1].split("\n\n")[1].splitlines()[0]
    assert ranks_head == "| model | asr | vqa |"
    assert "| model | clean | white\\_noise:20 | white\\_noise:10 | white\\_noise:0 | mean degradation |" in md
    tasks = md.split("## Tasks")[1].split("## Models")[0]
    assert re.findall(r"^\| (\S+) \| `", tasks, re.M) == ["asr", "vqa", "asr.white\\_noise\\_20", "asr.white\\_noise\\_10",
                                                          "asr.white\\_noise\\_0"]
    with open(out / "leaderboard.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["column"] for r in rows if not r["condition"]} == {"asr", "vqa"}
    assert [r["condition"] for r in rows if r["model"] == "baseline:a" and r["condition"]] == NOISE
    data = json.loads((out / "leaderboard.json").read_text())
    assert data["schema_version"] == 4 and [c["key"] for c in data["columns"]] == ["asr", "vqa"]
    html = (out / "index.html").read_text()
    lead = html.split('<table id="leaderboard">')[1].split("</table>")[0]
    heat = html.split('<table class="heat">')[1].split("</table>")[0]
    charts = html.split('<div class="charts">')[1].split('<section id="robustness">')[0]
    for part in (lead, heat, charts):
        assert "white_noise" not in part
    robust = html.split('<table class="robustness">')[1].split("</thead>")[0]
    assert re.findall(r"<th[^>]*>(?:<a[^>]*>)?([^<]+)", robust) == ["model", *CLEAN_FIRST, "mean degradation"]
    # Each condition heading links to its task's page, which exists and shows the condition column's chart.
    assert 'href="tasks/asr.white_noise_0.html"' in robust
    page = (out / "tasks" / "asr.white_noise_0.html").read_text()
    assert '<div class="bars"' in page
