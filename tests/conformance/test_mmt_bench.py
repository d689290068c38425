"""MMT-Bench's answer reading against current VLMEvalKit, for questions of five to nine options.

MMT-Bench val is scored by VLMEvalKit's ``mcq_vanilla_eval`` with the same ``can_infer`` as MMBench
(tests/conformance/test_mmbench.py checks ``mmbench_letter`` on questions of two to four options). MMT-Bench's questions
have up to nine (A-I), so ``data/mmt_bench_can_infer.json`` holds adversarial answers to such questions and what
VLMEvalKit's own ``can_infer`` returned for each when it was run (repository, path, commit and command in its header):
letters past D as words, their option texts, "answer is X" (which can_infer reads for A-D only), letters a question
does not have. ``mmbench_letter`` must give the same letter for every case and leave unparsed exactly what
``can_infer`` does not read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.metrics.mmbench import mmbench_letter

DATA = json.loads((Path(__file__).parent / "data" / "mmt_bench_can_infer.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_cover_letters_past_d():
    official = DATA["official"]
    assert official["repository"] == "open-compass/VLMEvalKit" and official["path"] == "vlmeval/utils/matching_util.py"
    assert official["commit"] == "e8e78f05f3080fe28154f2130321f17951c3be94" and DATA["command"]
    assert len(CASES) >= 80 and len({(c["prediction"], tuple(c["options"])) for c in CASES}) == len(CASES)
    assert {c["official"] for c in CASES} >= {"E", "F", "G", "H", "I", "Z", None}
    assert {len(c["options"]) for c in CASES} == {5, 6, 7, 8, 9}


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_mmt_bench_reads_each_answer_as_vlmevalkit_does(case):
    letter, rule = mmbench_letter(case["prediction"], case["options"])
    assert letter == case["official"], (case["prediction"], case["options"], rule)
    if case["official"] is None:
        # Deliberate departure: VLMEvalKit scores what can_infer cannot read "Z" without a judge and asks its GPT judge
        # with one (a random letter when that fails three times). Here it is unparsed: the task's optional judge reads it
        # when the run names --judge, else it is wrong and counted in unparsed_rate.
        assert rule == "unparsed"
    elif case["official"] == "Z":
        assert rule == "refused"
