"""The Open ASR Leaderboard suites end to end on their fixture mirrors: the suite figure as the leaderboard makes it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from evals.adapters.base import create_adapter
from evals.cli.main import app
from evals.run.evaluate import evaluate_model
from evals.run.runner import RunOptions
from evals.spec.catalog import load_suite, load_task

OPEN_ASR_SUITES = ("open_asr", "open_asr_esb", "open_asr_multilingual", "open_asr_longform")


def _run_suite(name: str, text: str, data_dir, out):
    suite = load_suite(name)
    adapter = create_adapter("baseline:constant", {"text": text})
    return evaluate_model(adapter, [load_task(n) for n in suite.tasks], out, None, RunOptions(data_dir=str(data_dir), n_resamples=50),
                          suite=suite.name, suite_aggregate=suite.aggregate)


def test_open_asr_mean_is_the_leaderboards_seven_set_mean(fixture_mirror, tmp_path):
    results = _run_suite("open_asr", "the", fixture_mirror, tmp_path / "run")
    # normalizer/eval_utils.py score_results: each set's WER is round(100 * wer, 2); the average is the plain mean of
    # the seven, rounded to 2. "the" against make_fixtures.OPEN_ASR_SETS (see OPEN_ASR_WER in test_catalog_runs.py):
    per_set = {"open_asr_ami": 83.33, "open_asr_earnings22": 77.78, "open_asr_gigaspeech": 40.0, "open_asr_librispeech_clean": 60.0,
               "open_asr_librispeech_other": 71.43, "open_asr_spgispeech": 33.33, "open_asr_voxpopuli": 80.0}
    # (83.33 + 77.78 + 40.00 + 60.00 + 71.43 + 33.33 + 80.00) / 7 = 445.87 / 7 = 63.6957... -> 63.70
    suite = results.suite
    assert suite is not None and suite.metric == "wer" and suite.scale == 100 and suite.decimals == 2
    assert sorted(suite.tasks) == sorted(per_set) and suite.mean == 63.7
    for name, value in per_set.items():
        assert round(100 * results.tasks[name].metrics["wer"].value, 2) == value, name
    # RTFx over all the audio: total audio seconds / total inference seconds, not a mean of the tasks' RTFx.
    audio = sum(r.timing.audio_s or 0.0 for r in results.tasks.values())
    inference = sum(r.timing.inference_s for r in results.tasks.values())
    if suite.rtfx is not None:
        assert suite.rtfx == pytest.approx(audio / inference)


def test_multilingual_and_longform_means(fixture_mirror, tmp_path):
    # "a haustür" in every language against "A 3." (the digit spelled out: "a drei", "a trois"...: one substitution) and
    # "haus tür" (one insertion, "haus tür" = "haustür"): 2 / 4 = 50.00 in each of the thirteen sets; their mean 50.00.
    results = _run_suite("open_asr_multilingual", "a haustür", fixture_mirror, tmp_path / "ml")
    assert results.suite is not None and len(results.suite.tasks) == 13 and results.suite.mean == 50.0
    assert all(r.metrics["wer"].value == 0.5 for r in results.tasks.values())
    # Long-form: "good morning" scores 6 / 8 = 75.00 on both earnings sets and 3 / 5 = 60.00 on TED-LIUM
    # (test_catalog_runs.py); their mean (75 + 75 + 60) / 3 = 70.00, the leaderboard's "Avg (without CORAAL)".
    results = _run_suite("open_asr_longform", "good morning", fixture_mirror, tmp_path / "longform")
    assert results.suite is not None and results.suite.mean == 70.0
    assert sorted(results.suite.tasks) == ["open_asr_longform_earnings21", "open_asr_longform_earnings22", "open_asr_longform_tedlium"]


def test_the_previous_esb_suite_keeps_its_plain_mean(fixture_mirror, tmp_path):
    results = _run_suite("open_asr_esb", "the", fixture_mirror, tmp_path / "esb")
    assert results.suite is not None and results.suite.scale == 1 and results.suite.decimals is None
    assert len(results.suite.tasks) == 8 and results.suite.mean == pytest.approx(5 / 6)


def test_the_esb_sets_drop_ignore_segment_references(tmp_path):
    # The leaderboard has never scored a reference that normalises to "ignore time segment in scoring" (or to nothing):
    # data_utils.is_target_text_in_range since its first script. TED-LIUM's ESB set has such segments: two more rows here.
    from make_fixtures import Part, audio_parts, aud, write_fixtures, write_parquet

    from evals.results import iter_samples

    root = write_fixtures(tmp_path / "mirror", repos={"hf-audio/esb-datasets-test-only-sorted"})
    part = next(p for p in audio_parts() if p.repo == "hf-audio/esb-datasets-test-only-sorted" and p.config == "tedlium")
    extra = [{"audio": aud(330 + i, seconds=0.05), "dataset": "tedlium", "text": text, "id": f"tedlium-ignored-{i}", "audio_length_s": 0.05}
             for i, text in enumerate(["ignore_time_segment_in_scoring", "IGNORE TIME SEGMENT IN SCORING"])]
    write_parquet(root / part.repo / part.relpath, part.rows + extra, part.features)
    spec = load_task("open_asr_esb_tedlium")
    assert spec.scorers[0].options == {"normalizer": "whisper_english", "drop_ignored": True}
    results = evaluate_model(create_adapter("baseline:constant", {"text": "the"}), [spec], tmp_path / "run", None,
                             RunOptions(data_dir=str(root), n_resamples=50))
    result = results.tasks["open_asr_esb_tedlium"]
    # Eight rows answered; the two ignore-segment ones add no words and no edits: still (2 + 3) * 3 / (3 * 6) = 5 / 6, not
    # the 25 / 28 of scoring "the" against them ("the" vs "ignore time segment in scoring": 5 more edits, 5 more words each).
    assert (result.n_samples, result.n_errors) == (8, 0) and result.metrics["wer"].value == pytest.approx(5 / 6)
    records = {r.id: r for r in iter_samples(tmp_path / "run", "open_asr_esb_tedlium")}
    assert all(records[f"tedlium-ignored-{i}"].scores["wer"]["dropped"] == 1.0 for i in range(2))


def test_omnieval_tasks_lists_the_open_asr_tasks_and_suites():
    out = CliRunner().invoke(app, ["tasks"], env={"COLUMNS": "400"})
    assert out.exit_code == 0, out.output
    names = [n for s in OPEN_ASR_SUITES for n in load_suite(s).tasks] + ["open_asr_esb_common_voice"]
    for name in [*names, *OPEN_ASR_SUITES]:
        assert name in out.output, name


def test_omnieval_run_reports_the_suite_aggregate(fixture_mirror, tmp_path):
    out = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", "text=good morning", "-s", "open_asr_longform", "--data-dir",
                                   str(fixture_mirror), "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"), "--no-progress"])
    assert out.exit_code == 0, out.output
    [run] = (tmp_path / "runs").iterdir()
    suite = json.loads((run / "results.json").read_text())["suite"]
    assert suite["mean"] == 70.0 and suite["scale"] == 100 and suite["decimals"] == 2
    assert "suite open_asr_longform: mean wer (x100) 70.0000 over 3 tasks" in " ".join(out.output.split())


def test_a_failed_chunk_makes_its_call_a_scoring_error(tmp_path):
    # Earnings22-Cleaned-AA-chunked fixture (make_fixtures.EARNINGS22_CHUNKS): call 4420696 in chunks 0-2, 4448760 in
    # 0-1. One chunk of 4420696 has no audio: its request fails, so the call cannot be joined whole.
    from make_fixtures import EARNINGS22_CHUNKED, earnings22_chunk_name, write_fixtures

    from evals.results import iter_samples

    root = write_fixtures(tmp_path / "mirror", repos={EARNINGS22_CHUNKED})
    (root / EARNINGS22_CHUNKED / "audio" / earnings22_chunk_name("4420696", 1)).unlink()
    results = evaluate_model(create_adapter("baseline:constant", {"text": "the"}), [load_task("open_asr_earnings22")], tmp_path / "run",
                             None, RunOptions(data_dir=str(root), n_resamples=50))
    result = results.tasks["open_asr_earnings22"]
    # 5 chunks: 1 failed request, its call's 2 answered chunks scoring errors, call 4448760 ("the the" against "a dog
    # ran": 2 substitutions + 1 deletion) the only one scored: 3 / 3.
    assert (result.n_samples, result.n_errors, result.n_scored, result.n_score_errors) == (5, 1, 4, 2)
    assert result.metrics["wer"].value == 1.0
    assert "2 sample(s) could not be scored (see score_error)" in result.notes
    records = {r.id: r for r in iter_samples(tmp_path / "run", "open_asr_earnings22")}
    assert records["4420696_001.flac"].error is not None
    for i in (0, 2):
        assert "parent_id 4420696: 2 of its 3 parts answered" in records[f"4420696_00{i}.flac"].score_error
    assert records["4448760_000.flac"].scores["wer"]["edits"] == 3 and records["4448760_001.flac"].scores["wer"]["edits"] == 0


def test_the_chunked_set_mirrors_both_repos_and_the_chunk_audio():
    from evals.data.loader_files import loader_files
    from evals.data.loaders import parts_of

    spec = load_task("open_asr_earnings22")
    assert parts_of(spec) == [("ArtificialAnalysis/Earnings22-Cleaned-AA-chunked", None, "test"),
                              ("ArtificialAnalysis/Earnings22-Cleaned-AA", None, "test")]
    # The chunk audio is not named by the rows (the card's data files): the mirror fetches audio/ too, the parent's not.
    assert loader_files(spec, "ArtificialAnalysis/Earnings22-Cleaned-AA-chunked") == ["audio/*"]
    assert loader_files(spec, "ArtificialAnalysis/Earnings22-Cleaned-AA") == []
