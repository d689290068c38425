"""DynaMath's answer reading against VLMEvalKit's, case by case.

``data/dynamath_vlmevalkit.json`` holds adversarial responses (JSON with and without fences, broken JSON, backslashes,
braces in the solution, numbers as JSON numbers, π, units, words around a number, several letters, letters in the first
three characters, empty answers, substrings of the answer) for the three answer types, with what VLMEvalKit's own
``DynaMath_auxeval`` (vlmeval/dataset/dynamath.py; repository, commit and command in the file) returned for each when its
GPT judge answers nothing, and the prompts its ``build_prompt`` wrote. ``dynamath_match`` must give the same verdict and
the same reading for every case; the one departure (an empty text answer, which VLMEvalKit's substring test counts right)
is pinned below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.dynamath import score_dynamath
from evals.spec.catalog import load_task
from evals.spec.templates import compile_prompt

DATA = json.loads((Path(__file__).parent / "data" / "dynamath_vlmevalkit.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def _departure(case) -> bool:
    off = case["official"]
    return case["answer_type"] == "text" and off["parse"] and off["extracted"] == "" and off["correct"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "open-compass/VLMEvalKit" and official["path"] == "vlmeval/dataset/dynamath.py"
    assert len(official["commit"]) == 40 and "DynaMath_auxeval" in DATA["command"]
    assert len(CASES) >= 100 and len({(c["response"], c["answer"], c["answer_type"]) for c in CASES}) == len(CASES)
    assert {c["answer_type"] for c in CASES} == {"float", "multiple choice", "text"}
    assert 40 <= sum(bool(c["official"]["correct"]) for c in CASES) <= len(CASES) - 40
    assert sum(c["official"]["judge_called"] for c in CASES) >= 20  # the reading without a judge is well covered
    assert all(c["official"]["error"] is None for c in CASES)
    assert sum(map(_departure, CASES)) == 2 and set(DATA["departures"]) == {"empty_text_reading"}


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['answer_type'][:5]}:{c['response'][:30]!r}" for i, c in enumerate(CASES)])
def test_dynamath_reads_and_judges_each_answer_as_vlmevalkit_does(case):
    item = ScoreInput(id="x", prediction=case["response"], references=[case["answer"]], metadata={"answer_type": case["answer_type"]})
    [score] = score_dynamath([item], NoOptions())
    off = case["official"]
    if _departure(case):
        # Deliberate departure: an empty reading is unparsed and wrong ("" is a substring of every answer).
        assert (score.extracted, score.rule, score.stats["score"]) == (None, "unparsed", 0.0)
        return
    assert score.stats["score"] == float(off["correct"])
    if off["parse"]:
        assert score.extracted == str(off["extracted"]) and score.rule in ("json", "direct") and score.stats["unparsed"] == 0.0
    else:
        # Nothing read: right only by VLMEvalKit's look at the first three characters (multiple choice), else unparsed.
        assert score.extracted is None and score.rule == ("first_chars" if off["correct"] else "unparsed")


QUESTIONS = {"float": "What is the period of this function? Answer the question with a floating-point number.",
             "multiple choice": "Is Dark Magenta greater than Rosy Brown? Choices: (A) yes (B) no",
             "text": "Use the graph to answer the question below. Which month is the hottest on average in Cape Town?"}


@pytest.mark.parametrize("answer_type", sorted(QUESTIONS))
def test_the_task_renders_vlmevalkits_prompt_for_each_answer_type(answer_type):
    user, _ = compile_prompt(load_task("dynamath"))
    assert user.render(question=QUESTIONS[answer_type], answer_type=answer_type) == DATA["prompts"][answer_type]
