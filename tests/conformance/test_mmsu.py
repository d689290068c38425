"""MMSU's answer reading and prompt against the official code (dingdongwang/MMSU), case by case.

``data/mmsu_official.json`` holds what the official ``mmsu_evaluation.py`` made of each adversarial answer (right, wrong,
or dropped from its total) and the prompt ``mmsu_inference.py`` builds for each fixture row, when they were run
(repository, paths, commit and command in the file's header). omnieval's ``mmsu_letter`` must read every answer as the
official code does and the task must ask the same text. The one departure: an answer the official code drops from its
total ("Wrong format") is wrong and counted in ``accuracy`` here; ``accuracy_official`` leaves it out, as there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mmsu import mmsu_letter, score_mmsu
from evals.scoring.registry import get_scorer

DATA = json.loads((Path(__file__).parent / "data" / "mmsu_official.json").read_text(encoding="utf-8"))
LETTERS = {"Stating": "A", "Asking": "B", "Neither": "C", "Both": "D"}


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"]["repository"] == "dingdongwang/MMSU" and len(DATA["official"]["commit"]) == 40 and DATA["command"]
    assert len(DATA["cases"]) >= 40 and {c["official"] for c in DATA["cases"]} == {"right", "wrong", "dropped"}


@pytest.mark.parametrize("case", DATA["cases"], ids=[f"{i}:{c['response'][:25]!r}" for i, c in enumerate(DATA["cases"])])
def test_mmsu_reads_each_answer_as_the_official_evaluation_does(case):
    letter, rule = mmsu_letter(case["response"])
    if case["official"] == "dropped":
        assert (letter, rule) == (None, "unparsed")
    else:
        assert (letter == LETTERS["Asking"]) == (case["official"] == "right") and rule != "unparsed"


def test_accuracy_counts_a_dropped_answer_and_accuracy_official_leaves_it_out():
    items = [ScoreInput(id=str(i), prediction=p, references=["B"]) for i, p in enumerate(["B", "The answer is B.", "", "answer: B"])]
    scores = score_mmsu(items, NoOptions())
    assert [s.rule for s in scores] == ["first", "second_to_last", "empty", "unparsed"]
    metrics = get_scorer("mmsu_letter").aggregate({k: [s.stats[k] for s in scores] for k in scores[0].stats}, NoOptions())
    assert metrics["accuracy"] == pytest.approx(2 / 4) and metrics["accuracy_official"] == pytest.approx(2 / 3)
    assert metrics["unparsed_rate"] == pytest.approx(2 / 4)
