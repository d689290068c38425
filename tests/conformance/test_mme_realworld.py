"""MME-RealWorld's answer reading against the official code, case by case.

``data/mme_realworld_extract.json`` holds adversarial answers and what MME-RealWorld's own ``extract_characters_regex``
(yfzhang114/MME-RealWorld evaluation/eval_your_results.py) returned for each when it was run (repository, path, commit and
command in the file's header; its ``""``, no letter, written null). omnieval's ``parse_mme_realworld`` must read the same
letter for every case but one kind: an answer that is empty once stripped and rid of the official answer phrases is
contained in every option, and the official code reads it as the first option's letter ``A``; omnieval leaves it unparsed
(wrong, counted in ``unparsed_rate``): a failure is never scored as an answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mme_realworld import MME_REALWORLD_PREFIXES, parse_mme_realworld, score_mme_realworld

DATA = json.loads((Path(__file__).parent / "data" / "mme_realworld_extract.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def _empty_once_read(prediction: str) -> bool:
    s = prediction.strip()
    for prefix in MME_REALWORLD_PREFIXES:
        s = s.replace(prefix, "")
    return s == ""


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "yfzhang114/MME-RealWorld" and official["path"] == "evaluation/eval_your_results.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 50 and len({(c["prediction"], tuple(c["choices"])) for c in CASES}) == len(CASES)
    assert {c["official"] for c in CASES} >= {"A", "B", "C", "D", "E", None}
    assert 5 <= sum(_empty_once_read(c["prediction"]) for c in CASES) <= 10  # the departure, pinned below
    assert sum(c["official"] is None for c in CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_mme_realworld_reads_each_answer_as_the_official_code_does(case):
    letter, rule = parse_mme_realworld(case["prediction"], case["choices"])
    if _empty_once_read(case["prediction"]):
        # Deliberate departure: the official code reads an empty answer as the first option (A); here it is unparsed.
        assert case["official"] == "A" and (letter, rule) == (None, "unparsed")
    else:
        assert letter == case["official"], (case["prediction"], rule)
        assert (rule == "unparsed") == (letter is None)


def test_an_unparsed_answer_is_wrong_and_counted():
    five = ["(A) red", "(B) blue", "(C) white", "(D) black", "(E) The image does not feature the object"]
    items = [ScoreInput(id="0", prediction="The best answer is (B)", references=["B"], choices=five),
             ScoreInput(id="1", prediction="", references=["A"], choices=five),
             ScoreInput(id="2", prediction="white", references=["C"], choices=five),
             ScoreInput(id="3", prediction="Based on the image, C", references=["C"], choices=five),
             ScoreInput(id="4", prediction="green", references=["A"], choices=five)]
    scores = score_mme_realworld(items, NoOptions())
    assert [(s.extracted, s.rule) for s in scores] == [("B", "letter"), (None, "unparsed"), ("C", "option_text"),
                                                       ("B", "letter"), (None, "unparsed")]
    assert [s.stats["score"] for s in scores] == [1.0, 0.0, 1.0, 0.0, 0.0]
    assert [s.stats["unparsed"] for s in scores] == [0.0, 1.0, 0.0, 0.0, 1.0]
