"""A task scored by its benchmark's server (answers withheld) on the leaderboard: its cells say "submitted" in the
Markdown and HTML outputs, never a number, and it is neither ranked nor counted in the overall rank."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from evals.report.build import build_leaderboard, cells_frame, write_reports
from evals.report.index import load_runs
from evals.report.render_html import render_index
from evals.report.render_md import render_markdown
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "catalog"))
from helpers import run_tasks  # noqa: E402
from make_fixtures import write_docvqa_test  # noqa: E402

MODELS = ("12", "zzz")  # baseline:constant's text: ANLS above 0 on docvqa_val's fixture, and 0


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """Two models, each run on docvqa_val (scored here: ANLS) and docvqa_test (scored by the RRC server)."""
    root = tmp_path_factory.mktemp("submitted")
    data = write_docvqa_test(root / "data")
    specs = [load_task("docvqa_val"), load_task("docvqa_test")]
    for text in MODELS:
        run_tasks(specs, data, root / "runs" / f"run-{text}", text)
    return build_leaderboard(load_runs([root / "runs"]), n_resamples=50)


def _md_row(md: str, text: str) -> list[str]:
    """The main table's row of the model answering ``text`` (the first table whose rows have a rank column)."""
    table = md.split("## Per-task ranks", 1)[0]
    line = next(line for line in table.splitlines() if line.startswith("| ") and f"text={text}\\]" in line)
    return [c.strip() for c in line.strip("|").split("|")]


def test_the_submitted_column_has_no_value_and_no_rank(board):
    col = next(c for c in board["columns"] if c["task"] == "docvqa_test")
    assert col["submitted"] and col["metric"] == "submitted" and col["top"] is None and not col["tested"]
    cells = [c for c in board["cells"] if c["task"] == "docvqa_test"]
    assert len(cells) == 2
    for c in cells:
        assert c["submitted"] and c["value"] is None and c["rank"] is None and c["ci_low"] is None and not c["is_top"]
        assert c["submission"]["format"] == "rrc_json" and c["submission"]["path"] == "submissions/docvqa_test.json"
    # Only the scored task is ranked, and only it makes the overall rank.
    assert board["overall"]["columns"] == ["docvqa_val"] and board["overall"]["n_columns"] == 1
    assert all(m["tasks"] == ["docvqa_val"] for m in board["models"])
    ranked = [c for c in board["cells"] if c["task"] == "docvqa_val"]
    assert sorted(c["rank"] for c in ranked) == [1, 2] and sorted(c["value"] > 0 for c in ranked) == [False, True]


def test_markdown_shows_submitted_never_a_number(board):
    md = render_markdown(board)
    header = next(line for line in md.splitlines() if line.startswith("| rank (95% interval)"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    at = next(i for i, c in enumerate(columns) if c.startswith("docvqa\\_test"))
    val = next(i for i, c in enumerate(columns) if c.startswith("docvqa\\_val"))
    for text in MODELS:
        row = _md_row(md, text)
        assert row[at] == "submitted" and not re.search(r"\d", row[at])
        assert re.match(r"^(\*\*)?≈?\d\.\d{3}", row[val])  # the scored task keeps its number
    ranks = md.split("## Per-task ranks", 1)[1].split("##", 1)[0]
    assert ranks.count("submitted (not ranked)") == 2


def test_html_shows_submitted_never_a_number(board):
    html = render_index(board, {})
    cells = re.findall(r'<td [^>]*class="submitted"[^>]*>(.*?)</td>', html)
    assert len(cells) == 2 and all(c == "submitted" for c in cells)
    heat = html.split("<h2>Heatmap</h2>", 1)[1].split("<h2>", 1)[0]
    assert heat.count(">submitted</td>") == 2


def test_the_whole_report_is_written_with_a_submitted_column(board, tmp_path):
    write_reports(board, tmp_path / "out", plots=False, media=False)
    assert (tmp_path / "out" / "leaderboard.md").read_text().count("| submitted |") >= 1
    frame = cells_frame(board)
    submitted = frame[frame.task == "docvqa_test"]
    assert submitted.value.isna().all() and submitted["rank"].isna().all()


def test_a_submitted_tasks_condition_stays_out_of_the_main_table(tmp_path):
    from evals.spec.task import under_condition

    data = write_docvqa_test(tmp_path / "data")
    spec = load_task("docvqa_test")
    run_tasks([spec, under_condition(spec, "jpeg:10")], data, tmp_path / "runs" / "run", "B")
    board = build_leaderboard(load_runs([tmp_path / "runs"]), n_resamples=50)
    assert [c["key"] for c in board["columns"]] == ["docvqa_test"]
    [cond] = board["condition_columns"]
    assert cond["key"] == "docvqa_test.jpeg_10" and cond["submitted"] and cond["condition"] == "jpeg:10"
    assert all(c["value"] is None and c["rank"] is None for c in board["cells"] + board["condition_cells"])
    write_reports(board, tmp_path / "out", plots=False, media=False)
    assert "| submitted |" in (tmp_path / "out" / "leaderboard.md").read_text()


def test_the_leaderboard_command_says_submitted_for_a_model_with_no_rank(tmp_path):
    """A model that ran only a withheld test set has no overall rank; its line names the task as submitted, not ``#None``."""
    from typer.testing import CliRunner

    from evals.cli.main import app

    data = write_docvqa_test(tmp_path / "data")
    run_tasks([load_task("docvqa_test")], data, tmp_path / "runs" / "run-only-test", "12")
    result = CliRunner().invoke(app, ["leaderboard", str(tmp_path / "runs"), "--out", str(tmp_path / "board"),
                                      "--index", str(tmp_path / "runs.sqlite")])
    assert result.exit_code == 0, result.output
    assert "docvqa_test submitted" in result.output and "#None" not in result.output
