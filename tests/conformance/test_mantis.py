"""Mantis-Eval's answer reading against the official code, case by case.

``data/mantis_get_prediction.json`` holds adversarial answers and what TIGER-AI-Lab/Mantis's own ``get_prediction``
(mantis/benchmark/eval.py; repository, path, commit and command in the file's header) returned for each when it was run.
``mantis_accuracy`` must score every case as the official code does; for multiple choice, where the official code reads
a letter it must read the same one, and where it falls back to the option's text it must name the option whose text
the answer is (or none).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mantis import mantis_letter, score_mantis

DATA = json.loads((Path(__file__).parent / "data" / "mantis_get_prediction.json").read_text(encoding="utf-8"))
CASES = [c for c in DATA["cases"] if "error" not in c["official"]]
FAILS = [c for c in DATA["cases"] if "error" in c["official"]]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "TIGER-AI-Lab/Mantis" and official["path"] == "mantis/benchmark/eval.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100 and len({(c["question_type"], c["prediction"], c["answer"], tuple(c["options"])) for c in CASES}) == len(CASES)
    assert {c["official"]["correct"] for c in CASES} == {True, False} and {c["question_type"] for c in CASES} == {"multi-choice", "short-answer"}


def _score(case):
    item = ScoreInput(id="1", prediction=case["prediction"], references=[case["answer"]], choices=case["options"] or None)
    [row] = score_mantis([item], NoOptions())
    return row


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['question_type'][:5]}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_each_answer_is_scored_as_the_official_get_prediction_scores_it(case):
    row = _score(case)
    assert row.error is None and row.stats["score"] == float(case["official"]["correct"]), (case, row)
    parsed = case["official"]["parsed_answer"]
    if case["question_type"] == "short-answer":
        assert row.extracted == parsed and row.rule == "short_answer"
        return
    letter, rule = mantis_letter(case["prediction"], case["options"])
    if len(parsed) == 1 and "A" <= parsed < chr(ord("A") + len(case["options"])):  # the official code read a letter
        assert (letter, rule) == (parsed, "letter")
    else:  # its fallback: right only when the answer is the reference option's text
        assert rule in ("option_text", "unparsed") and (letter is None) == (rule == "unparsed")
        assert row.stats["unparsed"] == float(letter is None)


def test_an_answer_the_official_code_fails_on_is_read_as_no_letter():
    """Departure: "ß" upper-cases to "SS", and the official get_option's ord() raises; here that first letter is no
    option, and the answer falls back to the option texts (unparsed here)."""
    [case] = FAILS
    assert case["prediction"] == "ßb" and "ord()" in case["official"]["error"]
    assert mantis_letter(case["prediction"], case["options"]) == (None, "unparsed") and _score(case).stats["score"] == 0.0
