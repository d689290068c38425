"""MuirBench's answer reading against the official post-processing, case by case.

``data/muirbench_parse.json`` holds adversarial answers and what MuirBench's own ``parse_multi_choice_response``
(muirbench/MuirBench eval/utils/postprocess.py, MMMU's eval_utils.py copied) returned for each when it was run
(repository, path, commit and command in the file's header). omnieval's ``parse_mmmu_multi_choice`` must give the same
letter for every case. The one departure: where the official code returns a random letter (nothing parsed),
omnieval leaves the answer unparsed: scored wrong and counted in ``unparsed_rate``, never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.muirbench import parse_mmmu_multi_choice, score_muirbench

DATA = json.loads((Path(__file__).parent / "data" / "muirbench_parse.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "muirbench/MuirBench" and official["path"] == "eval/utils/postprocess.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 50 and len({(c["prediction"], tuple(c["options"])) for c in CASES}) == len(CASES)
    assert {c["official"] for c in CASES} >= {"A", "B", "C", "D", "E", None}
    assert all((c["official"] is None) == c["official_random"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_muirbench_reads_each_answer_as_the_official_code_does(case):
    letter, rule = parse_mmmu_multi_choice(case["prediction"], case["options"])
    assert letter == case["official"], (case["prediction"], rule)
    # Deliberate departure: the official code returns random.choice(all_choices) where no rule finds a letter; here
    # the answer is unparsed (wrong, counted in unparsed_rate), so a failure is never scored as an answer.
    assert (rule == "unparsed") == case["official_random"]


def test_an_unparsed_answer_is_wrong_and_counted_never_a_guess():
    four = ["<image>", "<image>", "<image>", "None of the choices provided"]
    items = [ScoreInput(id=str(i), prediction=p, references=[ref], choices=four)
             for i, (p, ref) in enumerate([("B", "B"), ("no idea", "A"), ("(B) then (A)", "A"), ("A.B", "A")])]
    scores = score_muirbench(items, NoOptions())
    assert [(s.extracted, s.rule) for s in scores] == [("B", "letter"), (None, "unparsed"), ("A", "bracketed_last"), (None, "unparsed")]
    assert [s.stats["score"] for s in scores] == [1.0, 0.0, 1.0, 0.0]
    assert [s.stats["unparsed"] for s in scores] == [0.0, 1.0, 0.0, 1.0]
