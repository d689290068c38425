"""VisuLogic's answer reading against its official evaluator (VisuLogic-Eval), case by case.

``data/visulogic_extract_answer_v1.json`` holds adversarial predictions and what VisuLogic-Eval's own
``extract_answer_v1`` returned for each when it was run, its GPT step replaced by a marker (repository, path,
commit and command in the file's header). omnieval's ``visulogic_letter`` must give the same letter by the
same rule (``box`` or ``lang``) for every case, and leave unparsed exactly the answers the official code sends to GPT.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.visulogic import score_visulogic, visulogic_letter

DATA = json.loads((Path(__file__).parent / "data" / "visulogic_extract_answer_v1.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "VisuLogic-Benchmark/VisuLogic-Eval" and official["path"] == "evaluation/eval_model.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100 and len({c["prediction"] for c in CASES}) == len(CASES)
    assert {c["extractor"] for c in CASES} == {"box", "lang", "gpt"}


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_visulogic_reads_each_answer_as_its_official_evaluator_does(case):
    letter, rule = visulogic_letter(case["prediction"])
    if case["extractor"] == "gpt":
        # Deliberate departure: where the official code asks its paid GPT judge, the answer is unparsed here; the
        # task's optional judge (official prompt) reads it when the run names --judge, else it is wrong and counted.
        assert (letter, rule) == (None, "unparsed"), case["prediction"]
    else:
        assert (letter, rule) == (case["official"], case["extractor"]), case["prediction"]


def test_a_bare_letter_counts_as_the_official_code_counts_it():
    """Under three characters the official extract_last_boxed_content returns the answer itself: ``B`` is B."""
    inputs = [ScoreInput(id=p, prediction=p, references=["B"]) for p in ("B", " B", "b", "B.")]
    scores = score_visulogic(inputs, NoOptions())
    assert [(s.extracted, s.rule) for s in scores] == [("B", "box"), ("B", "box"), (None, "unparsed"), (None, "unparsed")]
    assert [s.stats["score"] for s in scores] == [1.0, 1.0, 0.0, 0.0]
