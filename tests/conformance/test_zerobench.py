"""ZeroBench's answer reading against the official code's outputs, case by case.

``data/zerobench_official.json`` holds adversarial answers and what the dataset card's evaluation snippet
(jonathan-roberts1/zerobench README) read and scored for each, and what VLMEvalKit's ``ZEROBench.evaluate`` scored, when
they were run (sources, commit and command in the file's header). omnieval's ``zerobench_match`` must read and score every
case as the card does (the default) and as VLMEvalKit does (``rules: vlmevalkit``). One departure: an answer without
braces, where the card leaves ``parsed_answer`` unset, is wrong here and counted in ``unparsed_rate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.zerobench import ZeroBenchOptions, parse_zerobench, score_zerobench

DATA = json.loads((Path(__file__).parent / "data" / "zerobench_official.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    vlmevalkit = DATA["official"]["vlmevalkit"]
    assert "jonathan-roberts1/zerobench" in DATA["official"]["source"] and DATA["command"]
    assert vlmevalkit["repository"] == "open-compass/VLMEvalKit" and vlmevalkit["path"] == "vlmeval/dataset/image_vqa.py"
    assert len(vlmevalkit["commit"]) == 40
    assert len(CASES) >= 50 and len({(c["prediction"], c["ground_truth"]) for c in CASES}) == len(CASES)
    assert sum(c["official_parsed"] is None for c in CASES) >= 5 and sum(c["official_correct"] for c in CASES) >= 10
    assert sum(c["vlmevalkit_correct"] != c["official_correct"] for c in CASES) >= 10  # the two readings differ often


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:24]!r}:{c['ground_truth']!r}" for i, c in enumerate(CASES)])
def test_each_answer_is_read_and_scored_as_the_card_and_vlmevalkit_do(case):
    assert parse_zerobench(case["prediction"]) == case["official_parsed"]
    item = ScoreInput(id="0", prediction=case["prediction"], references=[case["ground_truth"]])
    [official] = score_zerobench([item], ZeroBenchOptions())
    [vlmevalkit] = score_zerobench([item], ZeroBenchOptions(rules="vlmevalkit"))
    assert official.stats["score"] == case["official_correct"] and vlmevalkit.stats["score"] == case["vlmevalkit_correct"]
    assert official.stats["unparsed"] == (1.0 if case["official_parsed"] is None else 0.0)


def test_an_empty_ground_truth_is_an_error_not_a_score():
    [score] = score_zerobench([ScoreInput(id="0", prediction="{}", references=[" "])], ZeroBenchOptions())
    assert score.error
