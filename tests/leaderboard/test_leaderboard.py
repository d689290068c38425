"""Leaderboard tables, ranks, statistics, comparability, outputs and the runs index."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from evals.report.build import build_leaderboard, write_reports
from evals.report.compare import competition_ranks, joint_bootstrap, lower_is_better
from evals.report.index import LeaderboardError, RunsIndex, find_run_dirs, load_runs
from evals.report.synth import SynthTask, accuracy_stats, make_run, wer_stats
from evals.results import read_results


def _outcomes(rate: float, n: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    k = int(round(rate * n))
    out = np.zeros(n, dtype=int)
    out[rng.permutation(n)[:k]] = 1
    return out.tolist()


@pytest.fixture()
def three_models(tmp_path: Path) -> Path:
    """A strong (0.90), a close second (0.88) and a weak (0.50) model on an accuracy task; WER ordered the other way."""
    root = tmp_path / "runs"
    n = 200
    words = [10] * n
    specs = {"strong": (0.90, 6), "close": (0.88, 5), "weak": (0.50, 1)}
    for i, (name, (acc, errs)) in enumerate(specs.items()):
        edits = [errs] * n
        make_run(root, f"2025010{i}-run-{name}", f"baseline:{name}", {
            "vqa": SynthTask(stats=accuracy_stats(_outcomes(acc, n, i))),
            "asr": SynthTask(stats=wer_stats(edits, words), scorer="wer", modality="audio", kind="asr",
                             task_hash="cccccccccccccccc"),
        })
    return root


def _cells(board: dict) -> dict[tuple[str, str], dict]:
    return {(c["model"], c["column"]): c for c in board["cells"]}


def test_direction_is_decided_by_metric_name() -> None:
    assert lower_is_better("wer") and lower_is_better("cer") and lower_is_better("char_error_rate")
    assert lower_is_better("substitution_rate") and lower_is_better("wer.deletion_rate")
    assert not lower_is_better("exact_match") and not lower_is_better("vqa_accuracy") and not lower_is_better("cider")


def test_ranks_ties_and_wer_ascending(three_models: Path) -> None:
    board = build_leaderboard(load_runs([three_models]), n_resamples=500)
    cells = _cells(board)
    vqa = {m: cells[(f"baseline:{m}", "vqa")] for m in ("strong", "close", "weak")}
    assert vqa["strong"]["rank"] == 1 and vqa["strong"]["is_top"]
    assert vqa["close"]["rank"] == 2 and vqa["weak"]["rank"] == 3
    # 0.90 vs 0.88 on 200 samples is not significant; 0.90 vs 0.50 is.
    assert vqa["close"]["tied_with_top"] and vqa["close"]["p_vs_top"] > 0.05
    assert not vqa["weak"]["tied_with_top"] and vqa["weak"]["p_vs_top"] < 0.05
    assert vqa["close"]["rank_low"] == 1 and vqa["close"]["rank_high"] == 2
    assert vqa["weak"]["rank_low"] == vqa["weak"]["rank_high"] == 3
    assert vqa["strong"]["value"] == pytest.approx(0.90)
    asr = {m: cells[(f"baseline:{m}", "asr")] for m in ("strong", "close", "weak")}
    # WER: fewer edits is better, so the weak VQA model (1 edit per 10 words) ranks first.
    assert asr["weak"]["rank"] == 1 and asr["weak"]["value"] == pytest.approx(0.1)
    assert asr["strong"]["rank"] == 3
    cols = {c["key"]: c for c in board["columns"]}
    assert cols["asr"]["lower_is_better"] and not cols["vqa"]["lower_is_better"]
    assert cols["vqa"]["n_shared_samples"] == 200


def test_joint_bootstrap_equals_evals_stats(three_models: Path) -> None:
    """The vectorised joint resampling reproduces evals.scoring.stats.bootstrap_distribution and paired_comparison."""
    from evals.report.compare import paired_p_value
    from evals.scoring.contract import stats_table
    from evals.scoring.registry import get_scorer
    from evals.results import iter_samples
    from evals.scoring.stats import bootstrap_distribution, paired_comparison

    for task, scorer_name, metric in (("vqa", "exact_match", "exact_match"), ("asr", "wer", "wer")):
        scorer = get_scorer(scorer_name)
        opts = scorer.parse_options({})
        tables = [stats_table([r.scores[scorer_name] for r in iter_samples(d, task)]) for d in find_run_dirs([three_models])]
        dist = joint_bootstrap(scorer, tables, opts, metric, 300, seed=7)
        for row, table in zip(dist, tables):
            np.testing.assert_allclose(row, bootstrap_distribution(scorer, table, opts, 300, seed=7)[metric])
        ref = paired_comparison(scorer, tables[0], tables[2], opts, metric, n_resamples=300, seed=7)
        diff = scorer.aggregate(tables[0], opts)[metric] - scorer.aggregate(tables[2], opts)[metric]
        assert paired_p_value(diff, dist[0] - dist[2]) == pytest.approx(ref["p_value"])


def test_competition_ranks_handle_ties_and_nan() -> None:
    assert competition_ranks(np.array([0.5, 0.9, 0.5, np.nan]), lower=False).tolist() == [2, 1, 2, 4]
    assert competition_ranks(np.array([0.5, 0.9, 0.1]), lower=True).tolist() == [2, 3, 1]


def test_outputs_csv_json_md(three_models: Path, tmp_path: Path) -> None:
    entries = load_runs([three_models])
    board = build_leaderboard(entries, n_resamples=200)
    out = tmp_path / "report"
    write_reports(board, out, plots=True)
    for name in ("leaderboard.md", "leaderboard.csv", "leaderboard.json", "index.html", "tasks/vqa.html", "plots/vqa.png", "plots/heatmap.png"):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader((out / "leaderboard.csv").open()))
    assert len(rows) == 6
    by_key = {(r["model"], r["task"]): r for r in rows}
    for e in entries:
        for task, t in e.results.tasks.items():
            r = by_key[(e.results.model, task)]
            m = t.metrics[t.primary_metric]
            assert float(r["value"]) == pytest.approx(m.value)
            assert float(r["ci_low"]) == pytest.approx(m.ci_low) and float(r["ci_high"]) == pytest.approx(m.ci_high)
            assert r["task_hash"] == t.task_hash
    data = json.loads((out / "leaderboard.json").read_text())
    assert [m["model"] for m in data["models"]][0] in {"baseline:strong", "baseline:close", "baseline:weak"}
    assert {"rank", "rank_low", "rank_high", "ci_low", "ci_high", "flags", "task_hash", "p_vs_top"} <= set(data["cells"][0])
    assert {c["key"]: c["task_hash"] for c in data["columns"]} == {"asr": "cccccccccccccccc", "vqa": "aaaaaaaaaaaaaaaa"}
    md = (out / "leaderboard.md").read_text()
    line = next(x for x in md.splitlines() if x.startswith("|") and "baseline:weak" in x)
    assert "0.500 [" in line and "**0.100**" in line  # weak model: VQA 0.5, best WER 0.1 in bold


def test_mixed_task_hashes_are_refused_then_shown_apart(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_run(root, "r1", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats([1, 0, 1, 1]), task_hash="1111111111111111")})
    make_run(root, "r2", "baseline:b", {"vqa": SynthTask(stats=accuracy_stats([1, 0, 0, 1]), task_hash="1111111111111111")})
    make_run(root, "r3", "baseline:c", {"vqa": SynthTask(stats=accuracy_stats([1, 1, 1, 1]), task_hash="2222222222222222",
                                                        spec_hash="9999999999999999", options={"ignore_case": False})})
    entries = load_runs([root])
    with pytest.raises(LeaderboardError) as err:
        build_leaderboard(entries, n_resamples=50)
    msg = str(err.value)
    assert "task 'vqa'" in msg and "1111111111111111" in msg and "2222222222222222" in msg
    assert "baseline:a, baseline:b" in msg and "baseline:c" in msg
    assert "spec hash" in msg and "metric options" in msg and "ignore_case" in msg and "--allow-mixed" in msg

    board = build_leaderboard(entries, allow_mixed=True, n_resamples=50)
    cols = {c["key"]: c for c in board["columns"]}
    assert set(cols) == {"vqa", "vqa@22222222"} and cols["vqa@22222222"]["variant"]
    cells = _cells(board)
    assert cells[("baseline:c", "vqa@22222222")]["rank"] == 1  # ranked only among its own kind
    assert ("baseline:c", "vqa") not in cells
    assert cells[("baseline:a", "vqa")]["rank"] == 1 and cells[("baseline:b", "vqa")]["rank"] == 2
    html = (write_reports(board, tmp_path / "out", plots=False), (tmp_path / "out" / "index.html").read_text())[1]
    assert "not comparable" in html and "vqa@22222222" in html

    # The CLI says the same, on one line per cause, and exits non-zero.
    from evals.cli.main import app

    res = CliRunner().invoke(app, ["leaderboard", str(root), "--out", str(tmp_path / "cli"), "--index", str(tmp_path / "i.sqlite"),
                                   "--resamples", "20", "--no-plots"])
    assert res.exit_code != 0 and isinstance(res.exception, LeaderboardError)
    assert "not comparable" in str(res.exception)
    res = CliRunner().invoke(app, ["leaderboard", str(root), "--out", str(tmp_path / "cli"), "--index", str(tmp_path / "i.sqlite"),
                                   "--resamples", "20", "--no-plots", "--allow-mixed"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cli" / "leaderboard.json").is_file()


def test_most_complete_run_wins_over_a_newer_smoke_run(tmp_path: Path) -> None:
    """Issue #13: a --limit 5 smoke run replaced a 200-sample run and was ranked first "on 5 shared samples"."""
    root = tmp_path / "runs"
    make_run(root, "full-a", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats(_outcomes(0.6, 200, 1)))},
             started="2025-01-01T00:00:00+00:00")
    make_run(root, "smoke-a", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats([1, 1, 1, 1, 1]), limit=5,
                                                               ids=[f"s{i}" for i in range(0, 200, 40)])},
             started="2025-02-01T00:00:00+00:00")
    make_run(root, "full-b", "baseline:b", {"vqa": SynthTask(stats=accuracy_stats(_outcomes(0.7, 200, 2)))},
             started="2025-01-02T00:00:00+00:00")
    board = build_leaderboard(load_runs([root]), n_resamples=200)
    cells = _cells(board)
    assert cells[("baseline:a", "vqa")]["run_id"] == "full-a" and cells[("baseline:a", "vqa")]["flags"] == []
    assert cells[("baseline:b", "vqa")]["is_top"]
    (gone,) = board["superseded"]
    assert gone["run_id"] == "smoke-a" and gone["by"] == "full-a" and "less complete" in gone["reason"]
    assert board["columns"][0]["n_shared_samples"] == 200

    # Only a smoke run for model a: it is used, flagged partial, and no paired test runs on 5 shared samples.
    root2 = tmp_path / "runs2"
    for name in ("smoke-a", "full-b"):
        shutil.copytree(root / name, root2 / name)
    board = build_leaderboard(load_runs([root2]), n_resamples=200)
    cells = _cells(board)
    a, b = cells[("baseline:a", "vqa")], cells[("baseline:b", "vqa")]
    assert a["flags"] == ["partial"] and a["is_top"]
    assert b["p_vs_top"] is None and not b["tied_with_top"] and not b["tested"]
    (col,) = board["columns"]
    assert col["n_shared_samples"] == 5 and not col["tested"]
    assert any("fewer than the minimum of 30" in n for n in col["notes"])
    md = write_reports(board, tmp_path / "out", plots=False) and (tmp_path / "out" / "leaderboard.md").read_text()
    assert "p=" not in md.split("## Per-task ranks")[1].split("## Flags")[0] and "not tested" in md
    # With a lower stated minimum the test runs.
    board = build_leaderboard(load_runs([root2]), n_resamples=200, min_shared=5)
    assert _cells(board)[("baseline:b", "vqa")]["p_vs_top"] is not None


def test_equally_complete_runs_newest_wins_and_flags(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_run(root, "old", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats([0, 0, 0, 0]), limit=4)}, started="2025-01-01T00:00:00+00:00")
    make_run(root, "new", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats([1, 1, 0, 0]), limit=4, prompt_override=True)},
             started="2025-02-01T00:00:00+00:00")
    board = build_leaderboard(load_runs([root]), n_resamples=20)
    (cell,) = board["cells"]
    assert cell["run_id"] == "new" and cell["value"] == pytest.approx(0.5)
    assert cell["flags"] == ["partial", "prompt_override"]
    assert board["superseded"] == [{"model": "baseline:a", "task": "vqa", "run_id": "old", "run_dir": str(root / "old"), "by": "new",
                                    "reason": "older than run new, which is as complete"}]


def test_fewer_failed_requests_is_more_complete(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_run(root, "good", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats([1, 0, 1, 1]))}, started="2025-01-01T00:00:00+00:00")
    make_run(root, "flaky", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats([1, 0, 1, 1]), errors=[None, "timeout", "timeout", None])},
             started="2025-02-01T00:00:00+00:00")
    board = build_leaderboard(load_runs([root]), n_resamples=20)
    assert board["cells"][0]["run_id"] == "good" and "2 failed" in board["superseded"][0]["reason"]


def test_same_model_name_with_different_args_are_separate_rows(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_run(root, "r1", "baseline:caption", {"vqa": SynthTask(stats=accuracy_stats([1, 0]))}, model_args={"text": "a red circle"})
    make_run(root, "r2", "baseline:caption", {"vqa": SynthTask(stats=accuracy_stats([0, 0]))}, model_args={"text": "a shape"})
    board = build_leaderboard(load_runs([root]), n_resamples=20)
    assert sorted(m["model"] for m in board["models"]) == ["baseline:caption (text=a red circle)", "baseline:caption (text=a shape)"]


def test_errors_are_excluded_from_shared_samples(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_run(root, "r1", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats([1, 1, 1, 0]), errors=[None, None, None, "timeout"])})
    make_run(root, "r2", "baseline:b", {"vqa": SynthTask(stats=accuracy_stats([1, 0, 1, 1]))})
    board = build_leaderboard(load_runs([root]), n_resamples=50)
    (col,) = board["columns"]
    assert col["n_shared_samples"] == 3 and any("3 samples" in n for n in col["notes"])
    assert _cells(board)[("baseline:a", "vqa")]["flags"] == ["errors"]


def test_runs_index_cli(three_models: Path, tmp_path: Path) -> None:
    from evals.cli.main import app

    index = tmp_path / "runs.sqlite"
    res = CliRunner().invoke(app, ["runs", "list", str(three_models), "--index", str(index), "--json"])
    assert res.exit_code == 0, res.output
    listed = json.loads(res.stdout)
    assert sorted(r["model"] for r in listed) == ["baseline:close", "baseline:strong", "baseline:weak"]
    res = CliRunner().invoke(app, ["runs", "show", "20250100-run-strong", "--index", str(index), "--json"])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    assert {t["task"] for t in shown["tasks"]} == {"vqa", "asr"}
    res = CliRunner().invoke(app, ["runs", "show", "20250100-run-str", "--index", str(index)])
    assert res.exit_code == 0 and "vqa" in res.stdout
    with RunsIndex(index) as idx, pytest.raises(LeaderboardError, match="ambiguous"):
        idx.show("2025010")
    with RunsIndex(index) as idx, pytest.raises(LeaderboardError, match="not in the runs index"):
        idx.show("nope")


def test_bad_paths_say_where(tmp_path: Path) -> None:
    with pytest.raises(LeaderboardError, match="no such run directory"):
        find_run_dirs([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(LeaderboardError, match="contains none"):
        find_run_dirs([tmp_path / "empty"])


def test_real_run_report(real_runs: Path, real_report: Path) -> None:
    """A real `omnieval run` of baselines, then `omnieval leaderboard`: values match results.json, media extracted."""
    data = json.loads((real_report / "leaderboard.json").read_text())
    cells = {(c["model"], c["task"]): c for c in data["cells"]}
    for run_dir in find_run_dirs([real_runs]):
        res = read_results(run_dir)
        for task, t in res.tasks.items():
            c = cells[(res.model, task)]
            assert c["value"] == pytest.approx(t.metrics[t.primary_metric].value)
            assert c["flags"] == ["partial"] and c["task_hash"] == t.task_hash
    cols = {c["key"]: c for c in data["columns"]}
    assert cols["harvard_asr"]["lower_is_better"] and cols["harvard_asr"]["metric"] == "wer"
    media = list((real_report / "tasks" / "media").iterdir())
    assert any(p.suffix == ".png" for p in media) and any(p.suffix == ".flac" for p in media)
    assert len(media) == 12  # 6 images + 6 clips: only the samples shown
    assert "Media not shown" not in (real_report / "tasks" / "easyvqa.html").read_text()


def test_the_records_reader_agrees_with_the_record_schema(tmp_path) -> None:
    """The reports decode only the fields they read (msgspec); on awkward records they must read what the schema does."""
    from evals.report.compare import read_sample_stats
    from evals.report.records import PageFields, ScoreFields, read_records
    from evals.results import SampleRecord

    recs = [
        SampleRecord(task="t", index=0, id='we"ird\\id', cluster='c"1', prediction='"scores":{"x":{"score":0.0}}', references=['"id":"no"'],
                     subgroups={"scores": "}}", "id": "x"}, scores={"wer": {"score": 0.5, "edits": 1.0}, "b": {"score": 1.0}}),
        SampleRecord(task="t", index=1, id="e", prediction=None, references=[], error='failed: "scores":{}} }}'),
        SampleRecord(task="t", index=2, id="ok", prediction="x\u2028</script>", references=["x"], scores={"wer": {"score": float("nan")}}),
    ]
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    path = run / "samples" / "t.jsonl"
    path.write_text("\n".join(r.model_dump_json(exclude_none=True) for r in recs) + "\n\n")
    pages = read_records(path, PageFields)
    assert [(p.id, p.index, p.prediction, p.references, p.error) for p in pages] == [(r.id, r.index, r.prediction, r.references, r.error) for r in recs]
    assert [s.cluster for s in read_records(path, ScoreFields)] == ['c"1', None, None]
    stats, kept = read_sample_stats(str(run), "t", "wer", keep=1)
    assert dict(stats) == {'we"ird\\id': {"score": 0.5, "edits": 1.0}, "ok": {"score": None}}  # the failed sample is not scored
    assert stats.clusters == {'we"ird\\id': 'c"1'} and kept == [json.loads(recs[0].model_dump_json(exclude_none=True))]
    # NaN, no id, a wrong type, not JSON: each named by file and line
    for bad in ('{"id": "x", "scores": {"wer": {"score": NaN}}}', '{"index": 3}', '{"id": "x", "scores": {"wer": {"score": "high"}}}', "not json"):
        path.write_text(recs[2].model_dump_json() + "\n" + bad + "\n")
        with pytest.raises(ValueError, match=rf"t\.jsonl:2: not a sample record"):
            read_records(path, ScoreFields)


def test_task_pages_written_in_parallel_are_the_pages_written_one_by_one(tmp_path, monkeypatch) -> None:
    from evals.report import build

    root = tmp_path / "runs"
    shas = [f"{i:064x}" for i in range(6)]
    tasks = {f"vqa_{t}": SynthTask(stats=accuracy_stats(_outcomes(0.5 + t / 40, 6, t)), task_hash=f"{t:016x}", image_shas=shas)
             for t in range(8)}
    make_run(root, "r1", "baseline:a", tasks)
    make_run(root, "r2", "baseline:b", {k: SynthTask(stats=accuracy_stats(_outcomes(0.4, 6, 9)), task_hash=v.task_hash, image_shas=shas)
                                        for k, v in tasks.items()})
    board = build_leaderboard(load_runs([root]), n_resamples=20)
    trees = []
    for workers in (1, 2):
        monkeypatch.setattr(build, "page_workers", lambda n, w=workers: w)
        out = tmp_path / f"out{workers}"
        write_reports(board, out, plots=False, media=False)
        trees.append({str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1] and len([k for k in trees[0] if k.startswith("tasks/")]) == 8


def test_the_run_s_closing_lines_give_each_paired_test(three_models: Path) -> None:
    """``omnieval run`` ends with each model against each task's best on the same samples: the leaderboard's paired test,
    its difference and p in the leaderboard's own words (``p=0.28``)."""
    from evals.cli.console import comparison_lines
    from evals.report.render_md import p_text, signed

    entries = load_runs([three_models])
    board = build_leaderboard(entries, n_resamples=500)
    lines = comparison_lines([e.results for e in entries], board)
    cells = _cells(board)
    top = cells[("baseline:strong", "vqa")]
    for model in ("baseline:close", "baseline:weak"):
        c = cells[(model, "vqa")]
        assert c["p_vs_top"] is not None
        want = (f"paired: vqa exact_match: {model} {c['value']:.4f} against baseline:strong {top['value']:.4f}: "
                f"{signed(-c['diff_vs_top'], 4)} from the best, {p_text(c['p_vs_top'])}, n=200")
        assert want in lines, (want, lines)
    assert not any("baseline:strong 0.9000 against" in line for line in lines)  # the best is not tested against itself
