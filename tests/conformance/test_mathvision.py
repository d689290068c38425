"""MATH-Vision's answer reading and equality against the official evaluator, case by case.

``data/mathvision_evaluate.json`` holds adversarial responses (letters, answer phrases, nested and repeated ``\\boxed{}``,
units, degrees, percentages, tuples, fractions, roots, powers, ratios, empty answers) with each question's answer and
options, and the ``model_answer`` and ``correct`` that MATH-V's own ``evaluation/evaluate.py`` wrote for them when it was
run with ``latex2sympy2`` (repository, commit and command in the file). omnieval's ``read_answer`` must give the same
reading and ``mathvision_correct`` the same verdict for every case. The one departure: LaTeX functions (``\\sin``) are not
read by our numeric LaTeX reader, where latex2sympy2 + ``eval`` reads them; it is pinned below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mathvision import latex_value, mathvision_correct, read_answer, score_mathvision

DATA = json.loads((Path(__file__).parent / "data" / "mathvision_evaluate.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
DEPARTURES = {"\\boxed{\\sin(30)}"}


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "mathllm/MATH-V" and official["path"] == "evaluation/evaluate.py"
    assert len(official["commit"]) == 40 and "latex2sympy2" in DATA["command"]
    assert len(CASES) >= 50 and len({(c["response"], c["answer"], tuple(c["options"])) for c in CASES}) == len(CASES)
    assert 30 <= sum(c["official_correct"] for c in CASES) <= len(CASES) - 30  # both verdicts well represented
    assert set(DATA["departures"]) == DEPARTURES


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['response'][:30]!r}" for i, c in enumerate(CASES)])
def test_mathvision_reads_and_compares_each_answer_as_the_official_evaluator_does(case):
    reading, rule = read_answer(case["response"])
    assert reading == case["official_reading"], rule
    right = mathvision_correct(reading, case["answer"], case["options"])
    if case["response"] in DEPARTURES:
        # Deliberate departure: latex2sympy2 + eval read \sin(30) (radians) as -0.99; our reader reads no functions.
        assert case["official_correct"] and not right and latex_value(reading) is None
    else:
        assert right == case["official_correct"]


def test_an_empty_reading_is_unparsed_and_the_rule_is_recorded():
    items = [ScoreInput(id=str(i), prediction=p, references=[ref], choices=opts)
             for i, (p, ref, opts) in enumerate([("", "6", []), ("The answer is C.", "C", list("ABCDE")), ("\\boxed{25/7}", "\\frac{25}{7}", []),
                                                 ("It must be \\boxed{Friday}", "C", ["Wednesday", "Thursday", "Friday", "Tuesday", "Sunday"])])]
    scores = score_mathvision(items, NoOptions())
    assert [(s.extracted, s.rule, s.stats["score"], s.stats["unparsed"]) for s in scores] == [
        (None, "unparsed", 0.0, 1.0), ("c", "letter", 1.0, 0.0), ("\\frac{25}{7}", "boxed", 1.0, 0.0), ("friday", "boxed", 1.0, 0.0)]


@pytest.mark.parametrize("text, value", [
    ("2^3^2", 64), ("\\frac{7}{2}", 3.5), ("2\\sqrt{3}", 2 * 3 ** 0.5), ("\\sqrt[3]{8}", 2), ("1,000", 1000), ("3!", 6), ("(3)(4)", 12),
    ("1:4", 0.25), ("$4 \\pi$", 4 * 3.141592653589793), ("x+1", None), ("e", None), ("\\infty", None), ("1/0", None), ("2^{100000}", None),
    ("\\sqrt{-1}", None), ("", None), ("3,", None), ("(" * 500, None),
])
def test_the_latex_reader_reads_numbers_and_nothing_else(text, value):
    got = latex_value(text)
    assert got == (pytest.approx(value) if isinstance(value, float) else value)
    if isinstance(value, int):
        assert isinstance(got, int)  # exact integers print as the official eval's would ("3", not "3.0") in tuples
