"""The quickstart's comparison end to end: two real recognisers clean and in noise, the voices' gender as groups,
the run's closing comparisons, and the leaderboard's robustness and fairness views (JSON, Markdown, HTML in Chromium).

The views re-arrange the runs' own statistics, so each figure they show is checked against the run's results.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.report.views_html import fairness_html, robustness_html
from evals.results import read_results
from tests.cli_process import run_omnieval


REPO = Path(__file__).resolve().parents[2]
# The quickstart suite runs both recognisers with faster settings, named in the models' names (tasks/suites/quickstart.yaml).
SPEECH = ["ct2-whisper:tiny.en[window_s=10]", "pocketsphinx:en-us[preset=fast]", "baseline:constant[text=the]"]
CONDITIONS = ["clean", "white_noise:20", "white_noise:10", "white_noise:0"]
N = 8
"""Samples per task: the 8 clips ``--limit 8`` picks (evenly over the 30) are 5 male and 3 female voices."""


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """``omnieval run`` with no arguments (the quickstart suite) on 8 samples per task (clips of both
    genders), then its leaderboard. The whole quickstart is timed in benchmarks/bench_quickstart.py; here 8 clips under
    four conditions exercise every view at about a quarter of its cost."""
    root = tmp_path_factory.mktemp("quick")
    run = run_omnieval("run", "--limit", str(N), "--output", str(root / "runs"), "--cache", str(root / "cache.sqlite"), "--no-progress",
                       cwd=REPO, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    board = run_omnieval("leaderboard", str(root / "runs"), "--out", str(root / "board"), "--index", str(root / "runs.sqlite"), cwd=REPO,
                         timeout=600)
    assert board.returncode == 0, board.stderr[-3000:]
    return root / "runs", root / "board", run.stderr


def _runs(runs: Path) -> dict[str, tuple[Path, object]]:
    out = {}
    for d in sorted(p for p in runs.iterdir() if (p / "results.json").is_file()):
        res = read_results(d)
        out[res.model] = (d, res)
    return out


def test_the_quickstart_runs_both_recognisers_under_every_noise_level_and_the_images_clean(quickstart) -> None:
    runs, _, _ = quickstart
    by_model = _runs(runs)
    for model in SPEECH:
        _, res = by_model[model]
        assert list(res.tasks) == ["harvard_asr", "harvard_asr.white_noise_20", "harvard_asr.white_noise_10", "harvard_asr.white_noise_0"]
        assert [c.condition for c in res.robustness] == CONDITIONS[1:]
        assert [r.field for r in res.tasks["harvard_asr"].subgroups] == ["gender"]
    _, easy = by_model["baseline:vqa-prior[answer=circle]"]
    assert list(easy.tasks) == ["easyvqa"] and not easy.robustness
    # The caption baselines, with every caption metric the task names: METEOR's JVM ran in the run's process.
    _, caption = by_model["baseline:caption[text=a red circle]"]
    assert {"bleu_4", "meteor", "rouge_l", "cider"} <= set(caption.tasks["easyvqa_caption"].metrics)
    assert 0 < caption.tasks["easyvqa_caption"].metrics["meteor"].value < 1


def test_the_run_ends_with_the_paired_test_between_models_and_each_gender_gap(quickstart) -> None:
    runs, board_dir, stderr = quickstart
    board = json.loads((board_dir / "leaderboard.json").read_text())
    lines = [" ".join(x.split()) for x in stderr.replace("\n", " \n").split(" \n")]
    cells = {(c["model"], c["column"]): c for c in board["cells"]}
    top = next(c for c in board["cells"] if c["column"] == "harvard_asr" and c["is_top"])
    for model in SPEECH:
        c = cells[(model, "harvard_asr")]
        if c["is_top"]:
            continue
        # 8 shared samples, under the 30 a paired test needs: the line says so (the tested line's format:
        # tests/leaderboard/test_leaderboard.py::test_the_run_s_closing_lines_give_each_paired_test)
        assert c["p_vs_top"] is None
        want = (f"paired: harvard_asr wer: {model} {c['value']:.4f} against {top['model']} {top['value']:.4f}: "
                f"not tested (too few shared samples), n={N}")
        assert want in lines, (want, lines[-20:])
    for model in SPEECH:
        _, res = _runs(runs)[model]
        g = res.tasks["harvard_asr"].subgroups[0].gap
        assert any(x.startswith(f"groups: {model} harvard_asr by gender: wer worst {g.worst} ") and f"gap {g.gap:.4f} [" in x
                   for x in lines), model


def test_the_robustness_view_carries_each_run_s_paired_comparisons(quickstart) -> None:
    runs, board_dir, _ = quickstart
    board = json.loads((board_dir / "leaderboard.json").read_text())
    assert board["schema_version"] == 4
    [view] = board["robustness"]
    assert view["task"] == "harvard_asr" and view["metric"] == "wer" and view["lower_is_better"]
    assert view["conditions"] == CONDITIONS
    assert sorted(r["model"] for r in view["rows"]) == sorted(SPEECH)
    # The noise columns are the robustness view's, mildest first: not columns of the table, not in the overall rank.
    noisy = ["harvard_asr.white_noise_20", "harvard_asr.white_noise_10", "harvard_asr.white_noise_0"]
    assert [c["key"] for c in board["condition_columns"]] == noisy and view["columns"] == ["harvard_asr", *noisy]
    assert not any("white_noise" in c["key"] for c in board["columns"]) and board["overall"]["columns"] == ["harvard_asr"]
    cells = {(c["model"], c["column"]): c for c in board["cells"] + board["condition_cells"]}
    alpha = board["settings"]["alpha"]
    for row in view["rows"]:
        _, res = _runs(runs)[row["model"]]
        clean, *under = row["points"]
        assert clean["condition"] == "clean" and clean["diff"] is None
        assert clean["value"] == cells[(row["model"], "harvard_asr")]["value"]
        for point, rec in zip(under, res.robustness, strict=True):
            assert point["condition"] == rec.condition and point["column"] == rec.condition_task
            assert point["value"] == pytest.approx(rec.value) and point["value"] == cells[(row["model"], rec.condition_task)]["value"]
            assert (point["diff"], point["diff_ci_low"], point["diff_ci_high"], point["p_value"]) == (rec.diff, rec.ci_low, rec.ci_high, rec.p_value)
            assert point["significant"] == (rec.p_value < alpha)
        degr = [r.relative_degradation for r in res.robustness]
        assert row["mean_relative_degradation"] == pytest.approx(sum(degr) / len(degr))
    constant = next(r for r in view["rows"] if r["model"] == "baseline:constant[text=the]")
    assert all(p["diff"] == 0 and not p["significant"] for p in constant["points"][1:])  # a constant cannot hear the noise
    md = (board_dir / "leaderboard.md").read_text()
    assert "## Robustness" in md and "| model | clean | white\\_noise:20 | white\\_noise:10 | white\\_noise:0 | mean degradation |" in md
    assert '<svg class="curve"' in (board_dir / "index.html").read_text()  # the page draws the curves itself
    assert not (board_dir / "plots").exists()  # PNGs only with --plots (tests/leaderboard/test_plots.py)


def test_the_fairness_view_carries_each_run_s_group_gap(quickstart) -> None:
    runs, board_dir, _ = quickstart
    board = json.loads((board_dir / "leaderboard.json").read_text())
    [view] = [v for v in board["fairness"] if v["task"] == "harvard_asr"]  # condition columns are not repeated here
    assert view["field"] == "gender" and view["groups"] == ["female", "male"]
    for row in view["rows"]:
        _, res = _runs(runs)[row["model"]]
        report = res.tasks["harvard_asr"].subgroups[0]
        g = report.gap
        assert (row["worst"], row["best"], row["gap"], row["ci_low"], row["ci_high"], row["p_value"]) == (g.worst, g.best, g.gap, g.ci_low, g.ci_high, g.p_value)
        assert row["significant"] == (g.p_value < board["settings"]["alpha"])
        assert {k: v["n"] for k, v in row["groups"].items()} == g.sizes and sum(g.sizes.values()) == N
        assert all(v["small"] for v in row["groups"].values())  # 3 and 5 clips: both groups are under 30
        assert {k: v["value"] for k, v in row["groups"].items()} == {k: m["wer"].value for k, m in report.groups.items()}
    md = (board_dir / "leaderboard.md").read_text()
    assert "## Fairness" in md and "### harvard\\_asr by gender: wer ↓" in md


def test_the_views_render_in_chromium(browser, quickstart) -> None:
    from test_browser import Page

    _, board_dir, _ = quickstart
    board = json.loads((board_dir / "leaderboard.json").read_text())
    p = Page(browser, (board_dir / "index.html").as_uri())
    page = p.page
    assert page.locator("#robustness h2").inner_text() == "Robustness"
    curve = page.locator("#robustness svg.curve")
    assert curve.count() == 1 and curve.is_visible()
    assert page.locator("#robustness svg.curve g.series").count() == len(SPEECH)
    assert page.locator("#robustness svg.curve circle.point").count() == len(SPEECH) * len(CONDITIONS)
    heads = page.eval_on_selector_all("#robustness table.robustness thead th", "hs => hs.map(h => h.textContent)")
    assert heads == ["model", *CONDITIONS, "mean degradation"]
    assert page.locator("#robustness table.robustness tbody tr").count() == len(SPEECH)
    n_sig = sum(bool(pt["significant"]) for r in board["robustness"][0]["rows"] for pt in r["points"])
    assert page.locator("#robustness .delta.sig").count() == n_sig
    fair = page.locator("#fairness .fairness-field[data-task='harvard_asr'][data-field='gender'] table tbody tr")
    assert fair.count() == len(SPEECH)
    assert page.locator("#fairness td.worst").count() == len(SPEECH)
    # The sections fit the page: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # The example leaderboard at desktop widths: no scrollbar, every table's last column in view, names whole.
    from test_layout_browser import FITS_JS, _assert_names_break_between_tokens

    for width in (1400, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), width
        for t in page.evaluate(FITS_JS, "#leaderboard, table.heat, table.robustness, table.fairness"):
            assert t["lastRight"] <= width and t["visible"] and not t["boxScrolls"], (width, t)
        _assert_names_break_between_tokens(page)
    p.check_clean()


def test_run_text_in_the_views_is_escaped(quickstart) -> None:
    _, board_dir, _ = quickstart
    board = json.loads((board_dir / "leaderboard.json").read_text())
    hostile = "<img src=x onerror=alert(1)>"
    for view in board["robustness"] + board["fairness"]:
        for row in view["rows"]:
            row["model"] = hostile
    html = robustness_html(board["robustness"], 0.05) + fairness_html(board["fairness"], 0.05)
    assert hostile not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# ---- the conditions machinery on the quickstart's own Whisper runs (tests/media/test_conditions.py has the rest) ----

WHISPER = "ct2-whisper:tiny.en[window_s=10]"


def test_noise_raises_whispers_wer_and_each_condition_is_compared_with_clean_on_the_same_samples(quickstart) -> None:
    runs, _, stderr = quickstart
    _, res = _runs(runs)[WHISPER]
    wer = [res.tasks[t].metrics["wer"].value for t in ("harvard_asr", "harvard_asr.white_noise_20", "harvard_asr.white_noise_10",
                                                         "harvard_asr.white_noise_0")]
    assert wer[3] > wer[0] and wer[3] >= wer[2]  # more noise, more errors (8 clips: 20 dB may tie with clean)
    for row in res.robustness:
        assert row.n == N and row.metric == "wer" and row.direction == "lower" and row.task == "harvard_asr"
        assert row.clean == pytest.approx(wer[0]) and row.diff == pytest.approx(row.value - row.clean)
        assert row.ci_low <= row.diff <= row.ci_high and row.relative_degradation == pytest.approx(row.diff / row.clean)
    assert f"{WHISPER} harvard_asr under white_noise:0: wer" in " ".join(stderr.split())
    hashes = {t: r.task_hash for t, r in res.tasks.items()}
    assert len(set(hashes.values())) == len(hashes)  # the condition is part of each task's identity


def test_a_run_resumed_from_part_of_the_quickstarts_cache_answers_the_rest_as_the_quickstart_did(quickstart, tmp_path) -> None:
    """A third of Whisper's answers taken out of a copy of the quickstart's cache, then the same model and conditions in
    this process: only the missing requests are asked again, and they come back as the quickstart's own process answered
    them (the same request keys, and the same noise, seeded per clip). ``jpeg`` is not a sound condition: dropped.
    (SIGKILL part way through a run: tests/reliability/test_kill_resume.py.)"""
    import shutil
    import sqlite3

    from typer.testing import CliRunner

    from evals.cli.main import app
    from evals.results import iter_samples

    runs, _, _ = quickstart
    shutil.copy(runs.parent / "cache.sqlite", tmp_path / "c.sqlite")
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        dropped = db.execute("DELETE FROM responses WHERE model = ? AND rowid % 3 = 0", (WHISPER,)).rowcount
    assert dropped
    result = CliRunner().invoke(app, ["run", "-m", "ct2-whisper", "-a", "window_s=10", "-t", "harvard_asr", "--limit", str(N),
                                      "--conditions", "clean,white_noise:0,jpeg:10", "-o", str(tmp_path / "runs"),
                                      "--cache", str(tmp_path / "c.sqlite"), "--no-progress"])  # fmt: skip
    assert result.exit_code == 0, result.output
    [again] = [d for d in (tmp_path / "runs").iterdir() if d.is_dir()]
    first = _runs(runs)[WHISPER][0]
    resumed = read_results(again)
    assert list(resumed.tasks) == ["harvard_asr", "harvard_asr.white_noise_0"]
    asked = 0
    for task in resumed.tasks:
        keep = ("id", "prediction", "scores", "error")
        got = list(iter_samples(again, task))
        assert [[getattr(r, k) for k in keep] for r in got] == [[getattr(r, k) for k in keep] for r in iter_samples(first, task)]
        asked += sum(not r.cached for r in got)
        assert resumed.tasks[task].metrics == read_results(first).tasks[task].metrics
    assert 0 < asked < 2 * N
    [row] = resumed.robustness
    want = next(r for r in read_results(first).robustness if r.condition == "white_noise:0")
    assert row.model_dump() == want.model_dump()


def test_babble_raises_whispers_wer_over_the_quickstarts_clean_answers(quickstart, tmp_path) -> None:
    """Babble at 0 dB on the quickstart's clips (the clean answers come from its cache): the crowd makes Whisper worse.
    How the crowd is drawn: tests/media/test_conditions.py."""
    import shutil

    from typer.testing import CliRunner

    from evals.cli.main import app

    runs, _, _ = quickstart
    shutil.copy(runs.parent / "cache.sqlite", tmp_path / "c.sqlite")
    result = CliRunner().invoke(app, ["run", "-m", "ct2-whisper", "-a", "window_s=10", "-t", "harvard_asr", "--limit", str(N),
                                      "--conditions", "clean,babble:0", "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"),
                                      "--no-progress"])  # fmt: skip
    assert result.exit_code == 0, result.output
    [run] = [d for d in (tmp_path / "runs").iterdir() if d.is_dir()]
    res = read_results(run)
    assert res.tasks["harvard_asr"].metrics == read_results(_runs(runs)[WHISPER][0]).tasks["harvard_asr"].metrics
    [row] = res.robustness
    assert row.condition == "babble:0" and row.n == N and row.diff > 0
