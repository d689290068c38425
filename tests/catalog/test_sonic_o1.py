"""SONIC-O1's scoring: temporal IoU and recall (with the edge cases the official script trips on), and its answer reading."""

from __future__ import annotations

import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.metrics.sonic import sonic_letter
from evals.scoring.metrics.temporal import TemporalOptions, aggregate_temporal, read_span, score_temporal, temporal_iou


@pytest.mark.parametrize("pred, ref, iou", [
    ((0, 10), (5, 15), 5 / 15), ((5, 15), (5, 15), 1.0), ((0, 4), (5, 9), 0.0), ((2, 3), (0, 10), 0.1),
    ((5, 5), (5, 5), 0.0),  # zero-length spans: an empty union
    ((5, 5), (0, 10), 0.0),  # a point inside the reference overlaps nothing
    ((9, 1), (0, 10), 0.0),  # inverted: not a span
])
def test_temporal_iou(pred, ref, iou):
    assert temporal_iou(pred, ref) == pytest.approx(iou)


@pytest.mark.parametrize("text, span, rule", [
    ('{"start_s": 35.0, "end_s": 36.62, "confidence": 0.9}', (35.0, 36.62), "json"),
    ('```json\n{"questions": [{"question_id": "001", "start_s": "35.0s", "end_s": 40}]}\n```', (35.0, 40.0), "json"),
    ('{"start_s": 35.0s, "end_s": 36.5s}', (35.0, 36.5), "json"),  # a trailing "s" on numbers, as the official cleaner allows
    ("It starts at 1:05 and ends at 1:10.5.", (65.0, 70.5), "times"),
    ("between 12.5s and 20 seconds", (12.5, 20.0), "times"),
    ("I cannot tell from the video.", None, "unparsed"),
])
def test_reading_a_span(text, span, rule):
    assert read_span(text) == (span, rule)


def test_unread_and_inverted_answers_score_zero_and_stay_in_the_denominator():
    refs = ["3.0", "5.0"]
    inputs = [ScoreInput(id=str(i), prediction=p, references=refs, subgroups={"topic": t})
              for i, (p, t) in enumerate([('{"start_s": 3, "end_s": 5}', "a"), ("no idea", "a"), ('{"start_s": 5, "end_s": 3}', "b"),
                                           ('{"start_s": 3.5, "end_s": 5}', "b")])]
    rows = score_temporal(inputs, TemporalOptions(topic_field="topic"))
    assert [r.rule for r in rows] == ["json", "unparsed", "inverted", "json"]
    metrics = aggregate_temporal(stats_table([dict(r.stats) for r in rows]), TemporalOptions(topic_field="topic"))
    assert metrics["r@0.5"] == 0.5 and metrics["unparsed_rate"] == 0.25  # IoU 1 and 0.75 of four
    assert metrics["r@0.5_parsed"] == pytest.approx(2 / 3)  # the official view: the unread answer dropped
    assert metrics["r@0.5_topic_macro"] == 0.5 and metrics["mean_iou"] == pytest.approx(1.75 / 4)
    assert metrics["start_mae_s"] == pytest.approx((0 + 2 + 0.5) / 3)  # read answers only, the inverted one included


@pytest.mark.parametrize("text, letter", [
    ('{"answer_letter": "B", "answer_index": 1, "rationale": "..."}', "B"), ('{"answer_index": 4}', "E"), ('{"answer_letter": "(C)"}', "C"),
    ("E", "E"), ("The answer is (D).", "D"), ("Not enough evidence", "E"), ("hard to say", None),
])
def test_sonic_mcq_reads_the_json_letter_then_the_usual_rules(text, letter):
    options = ["(A) The doctor", "(B) The patient", "(C) A nurse", "(D) Nobody", "(E) Not enough evidence"]
    assert sonic_letter(text, options)[0] == letter


def test_summaries_are_judged_on_a_0_to_10_scale_from_the_judges_json_and_scored_by_rouge_l(fixture_mirror, tmp_path):
    import json

    from helpers import ScriptedJudge, run_cli
    from make_fixtures import SONIC_SUMMARIES

    # Fenced, as models often answer (and so that -a text=... is not read as a JSON argument).
    answer = "```json\n" + json.dumps({"summary_detailed": SONIC_SUMMARIES[0], "summary_short": ["x"], "timeline": [], "glossary": []}) + "\n```"
    # The judge sees the detailed summary read out of the answer's JSON, against each video's reference.
    verdicts = {f"**Correct Answer:** {SONIC_SUMMARIES[0]}": '```json\n{"score": 9, "justification": "Same content."}\n```',
                f"**Correct Answer:** {SONIC_SUMMARIES[1]}": '{"score": 2, "justification": "A different video."}'}
    with ScriptedJudge(verdicts) as judge:
        result, records = run_cli(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", "sonic_o1_summary", answer,
                                  "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
        assert len(judge.prompts) == 2 and all(f"**Predicted Answer:** {SONIC_SUMMARIES[0]}\n" in p for p in judge.prompts)
        assert judge.bodies[0]["messages"][0]["role"] == "system" and "0 (completely incorrect)" in judge.bodies[0]["messages"][0]["content"]
    assert result["metrics"]["score"]["value"] == pytest.approx(5.5)  # (9 + 2) / 2
    assert result["metrics"]["rouge_l"]["value"] < 1.0 and result["metrics"]["rouge_l"]["value"] > 0.5  # 1.0 and a partial overlap
    by_id = {r["id"]: r for r in records}
    assert by_id["01_Patient-Doctor_Consultations/001"]["scores"]["summary_rouge_l"]["rouge_l"] == pytest.approx(1.0)


def test_a_judge_reply_without_a_score_is_a_scoring_error_not_a_zero(fixture_mirror, tmp_path):
    from typer.testing import CliRunner

    from evals.cli.main import app
    from helpers import ScriptedJudge

    with ScriptedJudge({}, default='{"justification": "no score here"}') as judge:
        result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", "text=a summary", "-t", "sonic_o1_summary", "--data-dir",
                                          str(fixture_mirror), "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"), "--no-progress",
                                          "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}"])  # fmt: skip
    assert result.exit_code == 1 and "expected JSON with a number in 'score'" in result.output


def test_a_metric_with_no_value_is_written_read_back_and_shown_as_such(fixture_mirror, tmp_path):
    """No answer parses, so SONIC's accuracy over parsed answers has no value: results.json holds null (JSON has no
    NaN), reading the run back gives NaN, and the leaderboard builds over it. (A null here used to make every reader
    of the run fail: the run could not be opened, rescored or ranked.)"""
    import math

    from typer.testing import CliRunner

    from evals.cli.main import app
    from evals.results import read_results
    from helpers import run_cli

    result, records = run_cli(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", "sonic_o1_mcq", "I cannot tell.")
    assert result["metrics"]["accuracy_parsed"]["value"] is None and result["metrics"]["unparsed_rate"]["value"] == 1.0
    [run] = (tmp_path / "runs").iterdir()
    metrics = read_results(run).tasks["sonic_o1_mcq"].metrics
    assert math.isnan(metrics["accuracy_parsed"].value) and metrics["accuracy"].value == 0.0
    board = CliRunner().invoke(app, ["leaderboard", str(tmp_path / "runs"), "--out", str(tmp_path / "board"), "--index",
                                     str(tmp_path / "i.sqlite"), "--no-plots"])
    assert board.exit_code == 0, board.output
    assert (tmp_path / "board" / "index.html").is_file()
