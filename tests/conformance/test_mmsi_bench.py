"""MMSI-Bench's answer reading against the official code, case by case.

``data/mmsi_bench_extract.json`` holds adversarial answers and what MMSI-Bench's own ``extract_single_choice_with_word_boundary``
(InternRobotics/MMSI-Bench README, "Answer Extraction") returned for each against each answer A .. D when it was run
(repository, path, commit and command in the file's header). omnieval's ``parse_mmsi_bench`` must read the letter the
official code scores right for every case. The one departure: where the official code finds no letter (it returns None) the
official evaluation asks VLMEvalKit's default LLM; omnieval leaves the answer unparsed, wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mmsi_bench import parse_mmsi_bench, score_mmsi_bench

DATA = json.loads((Path(__file__).parent / "data" / "mmsi_bench_extract.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "InternRobotics/MMSI-Bench" and official["path"] == "README.md"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 50 and len({c["prediction"] for c in CASES}) == len(CASES)
    assert {c["official"] for c in CASES} == {"A", "B", "C", "D", None}
    assert 20 <= sum(c["official"] is None for c in CASES) <= len(CASES) - 30  # both paths well covered
    for c in CASES:  # one answer right, the others wrong, or None for all
        scores = c["official_scores"]
        assert scores == ({g: None for g in "ABCD"} if c["official"] is None else {g: float(g == c["official"]) for g in "ABCD"})


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_mmsi_bench_reads_each_answer_as_the_official_code_does(case):
    letter, rule = parse_mmsi_bench(case["prediction"])
    assert letter == case["official"], (case["prediction"], rule)
    # Deliberate departure: where the official code returns None its evaluation asks an LLM; here the answer is unparsed.
    assert (rule == "unparsed") == (case["official"] is None)


def test_an_unparsed_answer_is_wrong_and_counted():
    abcd = list("ABCD")
    items = [ScoreInput(id="0", prediction="The answer is ``C``.", references=["C"], choices=abcd),
             ScoreInput(id="1", prediction="A dog", references=["A"], choices=abcd),
             ScoreInput(id="2", prediction="B is correct", references=["B"], choices=abcd),
             ScoreInput(id="3", prediction="{D}", references=["A"], choices=abcd)]
    scores = score_mmsi_bench(items, NoOptions())
    assert [(s.extracted, s.rule) for s in scores] == [("C", "double_backticks"), (None, "unparsed"), (None, "unparsed"),
                                                       ("D", "braces")]
    assert [s.stats["score"] for s in scores] == [1.0, 0.0, 0.0, 0.0]
    assert [s.stats["unparsed"] for s in scores] == [0.0, 1.0, 1.0, 0.0]
