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
