"""ChartQAPro's score against the official evaluator, case by case.

``data/chartqapro_official.json`` holds adversarial (answers, Year flags, question type, prediction) rows and what
vis-nlp/ChartQAPro's own ``evaluate_predictions_chartqapro`` (``evaluate_predictions.py``, with the PyPI ``anls``
package it imports) returned for each when it was run (repository, path, commit and command in the file's header).
``chartqapro_accuracy`` must give the same score for every row. The one departure: where the official code raises
(Year flags that do not cover the answer), omnieval reports a scoring error for that sample, never a score.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.anls import anls_one, anls_package_score
from evals.scoring.metrics.chartqapro import ChartQAProOptions, score_chartqapro
from evals.spec.chartqapro import direct_prompt

DATA = json.loads((Path(__file__).parent / "data" / "chartqapro_official.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def _input(case: dict, i: int = 0) -> ScoreInput:
    return ScoreInput(id=str(i), prediction=case["prediction"], references=case["answers"],
                      subgroups={"question_type": case["question_type"]}, metadata={"year": case["year"]})


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "vis-nlp/ChartQAPro" and official["path"] == "evaluate_predictions.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100
    assert {c["question_type"] for c in CASES} == {"Factoid", "Multi Choice", "Conversational", "Fact Checking", "Hypothetical"}
    scores = {c["official"] for c in CASES}
    assert {0.0, 1.0, 0.5} <= scores and any(s not in (None, 0.0, 0.5, 1.0) for s in scores)  # partial ANLS and list scores


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['answers'][-1][:15]!r}-{c['prediction'][:15]!r}" for i, c in enumerate(CASES)])
def test_chartqapro_scores_each_row_as_the_official_evaluator_does(case):
    [score] = score_chartqapro([_input(case)], ChartQAProOptions())
    if case["official_error"]:
        # Deliberate departure: the official code raises; here the sample is a scoring error, left out and reported.
        assert score.error and not score.stats
    else:
        assert score.error is None and score["score"] == pytest.approx(case["official"], abs=1e-12)


def test_the_official_code_drops_exact_match_for_choices_and_the_option_restores_it():
    tru = {"answers": ["True"], "year": ["NO"], "question_type": "Fact Checking", "prediction": "tru"}
    [official] = score_chartqapro([_input(tru)], ChartQAProOptions())
    [paper] = score_chartqapro([_input(tru)], ChartQAProOptions(exact_match_types=("Fact Checking", "Multi Choice")))
    assert official["score"] == 0.75 and paper["score"] == 0.0


def test_the_anls_package_differs_from_docvqa_anls_at_the_threshold():
    # distance 2 over length 4 is exactly 0.5: the anls package needs nl < 0.5; the DocVQA reading keeps 1 - nl >= 0.5
    assert anls_package_score("abxy", ["abcd"]) == 0.0 and anls_one("abxy", ["abcd"]) == 0.5
    assert anls_package_score("abcx", ["abcd"]) == anls_one("abcx", ["abcd"]) == 0.75


@pytest.mark.parametrize("case", DATA["prompts"], ids=[f"{i}:{c['question_type']}" for i, c in enumerate(DATA["prompts"])])
def test_the_direct_prompt_is_the_official_text_byte_for_byte(case):
    source = DATA["official_prompt"]
    assert source["repository"] == "open-compass/VLMEvalKit" and len(source["commit"]) == 40
    assert direct_prompt(case["questions"], case["answers"], case["question_type"]) == case["official"]
