"""MuChoMusic's answer reading against lmms-eval's (lmms_eval/tasks/muchomusic/utils.py), case by case.

``data/muchomusic_lmms_eval.json`` holds the letter lmms-eval's ``parse_multi_choice_response`` read from each answer and
the accuracy its ``muchomusic_process_results`` gave (repository, path, commit and command in the file's header; its
random pick where no rule finds a letter recorded as ``null``). ``parse_muchomusic`` must read the same letter, and the
scorer give the same accuracy, on every case; where lmms-eval guesses, ours is unparsed and wrong (the departure).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.muchomusic import parse_muchomusic, score_muchomusic
from evals.spec.catalog import load_task
from evals.spec.preprocess import muchomusic

DATA = json.loads((Path(__file__).parent / "data" / "muchomusic_lmms_eval.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"] == {"repository": "EvolvingLMMs-Lab/lmms-eval", "path": "lmms_eval/tasks/muchomusic/utils.py",
                                "commit": DATA["official"]["commit"]}
    assert len(DATA["official"]["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100 and {c["official_accuracy"] for c in CASES} == {0.0, 1.0}
    assert any(c["official_letter"] is None for c in CASES)
    assert [s.name for s in load_task("muchomusic").scorers] == ["muchomusic_accuracy"]


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:25]!r}" for i, c in enumerate(CASES)])
def test_muchomusic_answers_are_read_as_lmms_eval_reads_them(case):
    letter, rule = parse_muchomusic(case["prediction"])
    assert letter == case["official_letter"]
    [score] = score_muchomusic([ScoreInput(id="0", prediction=case["prediction"], references=[muchomusic(case)["letter"]])], NoOptions())
    if case["official_letter"] is None:  # the departure: lmms-eval picks a letter at random; here unparsed and wrong
        assert rule == "unparsed" and score.stats == {"score": 0.0, "unparsed": 1.0}
    else:
        assert score.stats == {"score": case["official_accuracy"], "unparsed": 0.0}
