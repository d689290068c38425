"""CRPE's answer reading against the official evaluator's outputs, case by case.

``data/crpe_official.json`` holds adversarial answers and whether the official ``eval_crpe`` (OpenGVLab/all-seeing
all-seeing-v2/llava/eval/eval_crpe.py) scored each right, and whether it called it an "Invalid selected option", when it was
run (repository, path, commit and command in the file's header: each answer as one copy of a four-copy block whose other
copies are right, so the block's printed accuracy is the answer's). ``crpe_match`` must score every case the same. One
departure, in counting only: answers the official code calls invalid (longer than a letter) and the empty answer (which it
compares and finds wrong) are counted in ``unparsed_rate``; they are wrong in both.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.crpe import score_crpe

DATA = json.loads((Path(__file__).parent / "data" / "crpe_official.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "OpenGVLab/all-seeing" and official["path"] == "all-seeing-v2/llava/eval/eval_crpe.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 25 and len({(c["prediction"], c["correct_option"]) for c in CASES}) == len(CASES)
    assert sum(c["official_correct"] for c in CASES) >= 5 and sum(c["official_invalid"] for c in CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:16]!r}:{c['correct_option']}" for i, c in enumerate(CASES)])
def test_each_answer_is_scored_as_eval_crpe_does(case):
    [score] = score_crpe([ScoreInput(id="0", prediction=case["prediction"], references=[case["correct_option"]])], NoOptions())
    assert score.stats["score"] == case["official_correct"]
    assert score.stats["unparsed"] == (1.0 if len(case["prediction"].strip()) != 1 else 0.0)
    if case["official_invalid"]:
        assert score.stats["unparsed"] == 1.0 and score.stats["score"] == 0.0


def test_a_row_without_its_correct_option_is_an_error():
    [score] = score_crpe([ScoreInput(id="0", prediction="A", references=[""])], NoOptions())
    assert score.error
