"""CV-Bench's answer reading and overall figure against the official code, case by case.

``data/cv_bench_can_infer.json``: adversarial answers to CV-Bench-like questions (2, 4 and 5 options) and what VLMEvalKit's
``can_infer`` (vlmeval/utils/matching_util.py, the reading its ``CVBench`` evaluation applies before asking a judge) returned
for each. omnieval's ``cv_bench_accuracy`` reads through ``mmbench_letter`` and must read the same letter (``Z``: no option).
Departure: where VLMEvalKit reads nothing it asks its GPT judge, or without one scores ``Z``; here the answer is unparsed
(the task's optional extraction judge, else wrong and counted in ``unparsed_rate``).

``data/cv_bench_formula.json``: sets of per-source results and what lmms-eval's ``cv_bench_default_aggregate_results`` (the
card's formula, "original formula") and ``cv_bench_aggregate_results`` (the plain share) returned for them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput, stats_table
from evals.scoring.metrics.cv_bench import score_cv_bench
from evals.scoring.registry import get_scorer

DATA = Path(__file__).parent / "data"
READING = json.loads((DATA / "cv_bench_can_infer.json").read_text(encoding="utf-8"))
FORMULA = json.loads((DATA / "cv_bench_formula.json").read_text(encoding="utf-8"))


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    for data, repo in ((READING, "open-compass/VLMEvalKit"), (FORMULA, "EvolvingLMMs-Lab/lmms-eval")):
        assert data["official"]["repository"] == repo and len(data["official"]["commit"]) == 40 and data["command"]
    cases = READING["cases"]
    assert len(cases) >= 50 and len({(c["prediction"], tuple(c["choices"])) for c in cases}) == len(cases)
    assert {c["official"] for c in cases} >= {"A", "B", "C", "D", "Z", None}
    assert len(FORMULA["cases"]) >= 5


@pytest.mark.parametrize("case", READING["cases"], ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(READING["cases"])])
def test_cv_bench_reads_each_answer_as_vlmevalkit_does(case):
    [score] = score_cv_bench([ScoreInput(id="0", prediction=case["prediction"], references=["A"], choices=case["choices"],
                                         metadata={"source": "COCO"})], NoOptions())
    assert score.error is None
    assert score.extracted == case["official"], (case["prediction"], score.rule)
    # Deliberate departure: VLMEvalKit asks its judge (or scores Z) where can_infer reads nothing; here: unparsed.
    assert (score.rule == "unparsed") == (case["official"] is None)
    assert score.stats["score"] == (1.0 if case["official"] == "A" else 0.0)


@pytest.mark.parametrize("k", range(len(FORMULA["cases"])))
def test_the_figure_is_the_official_formula(k):
    case = FORMULA["cases"][k]
    items = [ScoreInput(id=str(i), prediction="A" if right else "B", references=["A"], choices=["x", "y"], metadata={"source": s})
             for i, (s, right) in enumerate(zip(case["sources"], case["correct"]))]
    metrics = get_scorer("cv_bench_accuracy").aggregate(stats_table(score_cv_bench(items, NoOptions())), NoOptions())
    assert metrics["accuracy"] == pytest.approx(case["official"], abs=1e-12)
    assert metrics["sample_accuracy"] == pytest.approx(case["official_sample_accuracy"], abs=1e-12)


def test_a_sample_of_another_source_is_a_scoring_error():
    [score] = score_cv_bench([ScoreInput(id="0", prediction="A", references=["A"], choices=["x", "y"], metadata={"source": "KITTI"})],
                             NoOptions())
    assert score.error and "KITTI" in score.error
