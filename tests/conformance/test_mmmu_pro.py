"""MMMU-Pro's answer reading against the official evaluator, case by case.

``data/mmmu_pro_parse.json`` holds adversarial answers and what MMMU-Pro's own ``parse_multi_choice_response``
(MMMU-Benchmark/MMMU mmmu-pro/evaluate.py) returned for each when it was run (repository, path, commit and command in
the file's header). omnieval's ``parse_mmmu_pro`` must give the same letter for every case. The one departure: where the
official code returns a random letter (nothing parsed), omnieval leaves the answer unparsed: scored wrong and counted in
``unparsed_rate``, never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mmmu import parse_mmmu_pro, score_mmmu_pro

DATA = json.loads((Path(__file__).parent / "data" / "mmmu_pro_parse.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "MMMU-Benchmark/MMMU" and official["path"] == "mmmu-pro/evaluate.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 60 and len({(c["prediction"], tuple(c["options"])) for c in CASES}) == len(CASES)
    assert {c["official"] for c in CASES} >= {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", None}
    assert all((c["official"] is None) == c["official_random"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_mmmu_pro_reads_each_answer_as_the_official_evaluator_does(case):
    letter, rule = parse_mmmu_pro(case["prediction"], case["options"])
    assert letter == case["official"], (case["prediction"], rule)
    # Deliberate departure: the official code returns random.choice(all_choices) where no rule finds a letter; here
    # the answer is unparsed (wrong, counted in unparsed_rate), so a failure is never scored as an answer.
    assert (rule == "unparsed") == case["official_random"]


def test_an_unparsed_answer_is_wrong_and_counted_never_a_guess():
    ten = [f"option {k}" for k in range(10)]
    items = [ScoreInput(id=str(i), prediction=p, references=[ref], choices=ten)
             for i, (p, ref) in enumerate([("Answer: J", "J"), ("no idea", "A"), ("(B) is wrong, (A) is right", "A")])]
    scores = score_mmmu_pro(items, NoOptions())
    assert [(s.extracted, s.rule) for s in scores] == [("J", "answer_line"), (None, "unparsed"), ("A", "bracketed_last")]
    assert [s.stats["score"] for s in scores] == [1.0, 0.0, 1.0]
    assert [s.stats["unparsed"] for s in scores] == [0.0, 1.0, 0.0]
