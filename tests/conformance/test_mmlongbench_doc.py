"""MMLongBench-Doc's scoring against the official code, case by case.

``data/mmlongbench_doc_official.json`` holds adversarial judge replies, each with its question's answer and answer format,
and what the official pipeline made of it when it was run (repository, path, commit and command in the file's header):
the extraction ``run_lvlm.py`` splits out of the reply, then ``eval/eval_score.py`` ``eval_score``'s score, or
``"Failed to extract"`` with score 0 where either raises; and ``eval_acc_and_f1``'s accuracy and F1 over sets of those
cases. omnieval's ``mmlongbench_doc`` must give the same extraction and score for each, and the same two metrics.
Departures, pinned here: a "Failed to extract" is an unparsed answer (score 0, counted in ``unparsed_rate``, and in the
F1's precision denominator as the official code counts it), and a list is read as a Python literal, never ``eval``'d,
so a list written as an expression (``['a' + 'b']``) is unparsed where the official code evaluates it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput, stats_table
from evals.scoring.metrics.mmlongbench_doc import score_mmlongbench_doc
from evals.scoring.registry import get_scorer

DATA = json.loads((Path(__file__).parent / "data" / "mmlongbench_doc_official.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
FAILED = "Failed to extract"
EVALUATED = {"['a' + 'b']"}
"""Extractions the official code runs through ``eval`` as expressions: unparsed here."""


def _input(i: int, case: dict) -> ScoreInput:
    verdict = {"judge": "j", "judge_hash": "h", "prompt_hash": "p", "raw": case["reply"]}
    return ScoreInput(id=str(i), prediction="(the model's response)", references=[case["answer"]],
                      metadata={"answer_format": case["answer_format"], "judge": verdict})


SCORES = score_mmlongbench_doc([_input(i, c) for i, c in enumerate(CASES)], NoOptions())
CORPORA = [c for c in DATA["corpora"] if not any(CASES[i]["official_pred"] in EVALUATED for i in c["cases"])]
"""The official figures over sets of cases without the pinned ``eval`` departure (the whole set is checked on its own)."""


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "mayubo2333/MMLongBench-Doc" and len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100 and len({(c["answer"], c["answer_format"], c["reply"]) for c in CASES}) == len(CASES)
    assert {c["answer_format"] for c in CASES} == {"Int", "Float", "Str", "None", "List"}
    scores = {c["official_score"] for c in CASES}
    assert {0.0, 1.0} <= scores and any(0 < s < 1 for s in scores)  # ANLS's partial credit
    assert sum(c["official_pred"] == FAILED for c in CASES) >= 8
    assert len(CORPORA) == len(DATA["corpora"]) - 1 and any(c["official_f1"] == 0.0 for c in CORPORA)  # unanswerable only: 0


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{i}:{c['answer_format']}:{c['reply'][18:40]!r}" for i, c in enumerate(CASES)])
def test_each_reply_is_read_and_scored_as_the_official_code_does(i):
    case, got = CASES[i], SCORES[i]
    assert got.error is None
    if case["official_pred"] in EVALUATED:  # departure: never eval'd; unparsed, where the official code scores the expression
        assert got.extracted is None and got.stats["unparsed"] == 1.0 and got.stats["score"] == 0.0
        assert case["official_score"] == 1.0
        return
    if case["official_pred"] == FAILED:  # departure: unparsed (wrong, counted), never an answer
        assert got.extracted is None and got.stats["unparsed"] == 1.0
    else:
        assert got.extracted == case["official_pred"] and got.stats["unparsed"] == 0.0
    assert got.stats["score"] == pytest.approx(case["official_score"], abs=1e-12)
    assert got.rule == "judge"


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda c: f"{len(c['cases'])} cases")
def test_accuracy_and_f1_are_the_official_ones(corpus):
    scorer = get_scorer("mmlongbench_doc")
    metrics = scorer.aggregate(stats_table([SCORES[i] for i in corpus["cases"]]), NoOptions())
    assert metrics["accuracy"] == pytest.approx(corpus["official_acc"], abs=1e-12)
    assert metrics["f1"] == pytest.approx(corpus["official_f1"], abs=1e-12)


def test_the_departure_leaves_the_whole_set_short_by_exactly_the_evaluated_expression():
    scorer = get_scorer("mmlongbench_doc")
    everything = next(c for c in DATA["corpora"] if len(c["cases"]) == len(CASES))
    metrics = scorer.aggregate(stats_table(SCORES), NoOptions())
    assert metrics["accuracy"] == pytest.approx(everything["official_acc"] - 1 / len(CASES), abs=1e-12)
    assert metrics["unparsed_rate"] == pytest.approx(sum(c["official_pred"] in (FAILED, *EVALUATED) for c in CASES) / len(CASES))


def test_an_answer_not_yet_judged_goes_to_the_judge_and_a_failed_judge_call_is_an_error():
    unjudged, failed = score_mmlongbench_doc(
        [ScoreInput(id="0", prediction="The answer is 8.", references=["8"], metadata={"answer_format": "Int"}),
         ScoreInput(id="1", prediction="8", references=["8"], metadata={"answer_format": "Int", "judge": {"error": "judge call failed: HTTP 500"}})],
        NoOptions())
    assert unjudged.extracted is None and unjudged.error is None and unjudged.rule == "unparsed"  # to_judge asks the judge for it
    assert failed.error == "judge call failed: HTTP 500"
