"""OmniBench's answer reading against the official parser, case by case.

``data/omnibench_parse.json`` holds adversarial answers and what OmniBench's own ``parse_multi_choice_response``
(multimodal-art-projection/OmniBench inference/answer_parsing.py, called as inference/demo_api_call.py calls it) returned
for each when it was run (repository, path, commit and command in the file's header). omnieval's ``parse_omnibench`` must
give the same letter for every case. The one departure: where the official code returns a random letter (nothing
parsed), omnieval leaves the answer unparsed: scored wrong and counted in ``unparsed_rate``, never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.omnibench import parse_omnibench, score_omnibench

DATA = json.loads((Path(__file__).parent / "data" / "omnibench_parse.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "multimodal-art-projection/OmniBench" and official["path"] == "inference/answer_parsing.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 60 and len({(c["prediction"], tuple(c["options"])) for c in CASES}) == len(CASES)
    assert {c["official"] for c in CASES} >= {"A", "B", "C", "D", None}
    assert all((c["official"] is None) == c["official_random"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_omnibench_reads_each_answer_as_the_official_parser_does(case):
    letter, rule = parse_omnibench(case["prediction"], case["options"])
    assert letter == case["official"], (case["prediction"], rule)
    # Deliberate departure: the official code returns random.choice(all_choices) where no rule finds a letter; here
    # the answer is unparsed (wrong, counted in unparsed_rate), so a failure is never scored as an answer.
    assert (rule == "unparsed") == case["official_random"]


def test_an_unparsed_answer_is_wrong_and_counted_never_a_guess():
    four = ["Dog", "Cat", "A bird", "Car horn"]
    items = [ScoreInput(id=str(i), prediction=p, references=[ref], choices=four)
             for i, (p, ref) in enumerate([("(D)", "D"), ("no idea", "A"), ("It sounds like a car horn to me", "D")])]
    scores = score_omnibench(items, NoOptions())
    assert [(s.extracted, s.rule) for s in scores] == [("D", "bracketed"), (None, "unparsed"), ("D", "option_text")]
    assert [s.stats["score"] for s in scores] == [1.0, 0.0, 1.0]
    assert [s.stats["unparsed"] for s in scores] == [0.0, 1.0, 0.0]
