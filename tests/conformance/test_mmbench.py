"""MMBench's answer reading against current VLMEvalKit, case by case.

``data/mmbench_can_infer.json`` holds adversarial predictions and what VLMEvalKit's own ``can_infer`` returned
for each when it was run (repository, path, commit and command in the file's header). omnieval's
``mmbench_letter`` must give the same letter for every case, ``Z`` (no option) included, and leave unparsed
exactly the answers ``can_infer`` does not read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput, options_record
from evals.scoring.metrics.mmbench import MMBenchOptions, mmbench_letter, score_mmbench
from evals.scoring.registry import get_scorer

DATA = json.loads((Path(__file__).parent / "data" / "mmbench_can_infer.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
ANIMALS = ["cat", "dog", "bird", "fish"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "open-compass/VLMEvalKit" and official["path"] == "vlmeval/utils/matching_util.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100 and len({(c["prediction"], tuple(c["options"])) for c in CASES}) == len(CASES)
    assert {c["official"] for c in CASES} >= {"A", "B", "C", "D", "Z", None}


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_mmbench_reads_each_answer_as_vlmevalkit_does(case):
    letter, rule = mmbench_letter(case["prediction"], case["options"])
    assert letter == case["official"], (case["prediction"], case["options"], rule)
    if case["official"] is None:
        # Deliberate departure: VLMEvalKit sends what can_infer cannot read to its paid GPT judge (and picks a random
        # letter when that fails), or scores it "Z" without one. Here it is unparsed: the task's optional judge reads
        # it when the run names --judge, else it is wrong and counted in unparsed_rate.
        assert rule == "unparsed"
    elif case["official"] == "Z":
        assert rule == "refused"  # can_infer's "no option": wrong, and (as in VLMEvalKit) never sent to the judge


def test_the_issues_examples_are_read_and_the_judge_is_asked_only_what_the_rules_cannot_read():
    for prediction, letter in (("The answer is A", "A"), ("\\boxed{A}", "A"), ("the answer is b", "B"),
                               ("The correct answer is **B**.", "B")):
        assert mmbench_letter(prediction, ANIMALS)[0] == letter

    def item(prediction: str, judged: str | None = None) -> ScoreInput:
        metadata = {"judge": {"answer": judged}} if judged else {}
        return ScoreInput(id=prediction, prediction=prediction, references=["B"], choices=ANIMALS, metadata=metadata)

    scores = score_mmbench([item("the furry one"), item("the furry one", judged="B"), item("Cannot determine the answer", judged="B"),
                            item("E")], MMBenchOptions())
    assert [(s.extracted, s.rule) for s in scores] == [(None, "unparsed"), ("B", "judge"), ("Z", "refused"), (None, "unparsed")]
    assert [s.stats["score"] for s in scores] == [0.0, 1.0, 0.0, 0.0]
    assert [s.stats["unparsed"] for s in scores] == [1.0, 0.0, 0.0, 1.0]


def test_the_old_opencompass_reading_stays_a_named_option_and_the_default_records_nothing_new():
    scorer = get_scorer("mmbench_match")
    default = scorer.parse_options({})
    assert default.rules == "vlmevalkit" and options_record(default) == {}  # results and hashes as before the option
    old = scorer.parse_options({"rules": "opencompass_v1"})
    assert options_record(old) == {"rules": "opencompass_v1"}
    inputs = [ScoreInput(id=str(i), prediction=p, references=["A"], choices=ANIMALS)
              for i, p in enumerate(["The answer is A", "E", "cat"])]
    assert [s.extracted for s in score_mmbench(inputs, old)] == [None, "E", "A"]
    assert [s.extracted for s in score_mmbench(inputs, default)] == ["A", None, "A"]
    with pytest.raises(ValueError):
        scorer.parse_options({"rules": "lmms_eval"})
