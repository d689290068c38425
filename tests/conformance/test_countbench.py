"""CountBench's answer reading against the official code, case by case.

``data/countbench_match.json`` holds predictions, each against each answer 2 .. 10, and what VLMEvalKit's
``CountBenchQA.evaluate`` (vlmeval/dataset/image_vqa.py: ``ans in pred``) and lmms-eval's ``countbench_process_results``
(lmms_eval/tasks/countbench/utils.py) said of each (repositories, paths, commits and the command in the file's header).
``countbench_match`` must agree with the first by default and with the second under ``rules: lmms_eval``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.countbench import CountBenchOptions, score_countbench

DATA = json.loads((Path(__file__).parent / "data" / "countbench_match.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert [o["repository"] for o in DATA["official"]] == ["open-compass/VLMEvalKit", "EvolvingLMMs-Lab/lmms-eval"]
    assert all(len(o["commit"]) == 40 for o in DATA["official"]) and DATA["command"]
    assert len(CASES) >= 100 and len({(c["prediction"], c["answer"]) for c in CASES}) == len(CASES)
    assert 15 <= sum(c["vlmevalkit"] for c in CASES) and 15 <= sum(c["lmms_eval"] for c in CASES)
    assert any(c["vlmevalkit"] != c["lmms_eval"] for c in CASES)  # the two readings differ


@pytest.mark.parametrize("rules", ["vlmevalkit", "lmms_eval"])
def test_countbench_reads_each_answer_as_the_official_code_does(rules):
    items = [ScoreInput(id=str(i), prediction=c["prediction"], references=[c["answer"]]) for i, c in enumerate(CASES)]
    scores = score_countbench(items, CountBenchOptions(rules=rules))
    got = [s.stats["score"] == 1.0 for s in scores]
    wrong = [(c["prediction"], c["answer"]) for c, g in zip(CASES, got) if g != c[rules]]
    assert not wrong
