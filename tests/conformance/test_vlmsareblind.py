"""VLMs Are Blind's answer reading against lmms-eval's code, case by case.

``data/vlmsareblind_parse.json`` holds adversarial answers for each of the nine task values and what lmms-eval's vlmsareblind
``parse_response`` read and ``vlmsareblind_process_results`` scored for each when they were run (repository, path, commit and
command in the file's header). omnieval's ``parse_vlmsareblind`` and ``vlmsareblind_match`` must read and score every case
the same; there is no departure (what lmms-eval cannot read it scores wrong, as here, where it is also counted unparsed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.vlmsareblind import parse_vlmsareblind, score_vlmsareblind

DATA = json.loads((Path(__file__).parent / "data" / "vlmsareblind_parse.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
TASKS = {"Line Plot Intersections", "Touching Circles", "Circled Letter", "Olympic Counting - Circles", "Olympic Counting - Pentagons",
         "Nested Squares", "Counting Grid - Blank Grids", "Counting Grid - Word Grids", "Subway Connections"}


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "EvolvingLMMs-Lab/lmms-eval" and official["path"] == "lmms_eval/tasks/vlmsareblind/utils.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 50 and len({(c["task"], c["prediction"], c["groundtruth"]) for c in CASES}) == len(CASES)
    assert {c["task"] for c in CASES} == TASKS
    assert 15 <= sum(c["official_parsed"] is None for c in CASES) and 10 <= sum(not c["official_correct"] for c in CASES
                                                                             if c["official_parsed"] is not None)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['task'][:12]}:{c['prediction'][:24]!r}" for i, c in enumerate(CASES)])
def test_each_answer_is_read_and_scored_as_lmms_eval_does(case):
    answer, rule = parse_vlmsareblind(case["prediction"], case["task"])
    assert answer == case["official_parsed"], (case["prediction"], rule)
    [score] = score_vlmsareblind([ScoreInput(id="0", prediction=case["prediction"], references=[case["groundtruth"]],
                                             metadata={"task": case["task"]})], NoOptions())
    assert score.stats["score"] == case["official_correct"]
    assert score.stats["unparsed"] == (1.0 if case["official_parsed"] is None else 0.0)


def test_a_sample_without_its_task_is_an_error_not_a_wrong_answer():
    [score] = score_vlmsareblind([ScoreInput(id="0", prediction="{2}", references=["2"])], NoOptions())
    assert score.error and "task" in score.error
