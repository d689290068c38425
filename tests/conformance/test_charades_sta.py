"""Charades-STA's answer reading and scores against lmms-eval's own code, case by case.

``data/charades_sta_lmms_eval.json`` holds adversarial answers and what lmms-eval's ``extract_time`` and ``iou``
(EvolvingLMMs-Lab/lmms-eval, lmms_eval/tasks/charades_sta/utils.py; commit and command in the file's header) gave for
each when run, the aggregate its ``_temporal_grounding_compute_metrics`` gave over all of them, and the prompt of
``temporal_grounding_doc_to_text`` with charades.yaml's default arguments. omnieval's ``charades_sta_iou`` must read
the same span, give the same IoU and the same aggregate (here fractions, there percentages).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.temporal import TemporalOptions, aggregate_charades, read_span_lmms_eval, score_charades
from evals.spec.catalog import load_task

DATA = json.loads((Path(__file__).parent / "data" / "charades_sta_lmms_eval.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    source = DATA["source"]
    assert source["repository"] == "EvolvingLMMs-Lab/lmms-eval" and len(source["commit"]) == 40 and source["command"]
    assert len(CASES) >= 60 and sum(not c["extract_time"] for c in CASES) >= 5  # unread answers are among them
    assert any(c["extract_time"] and c["extract_time"][0][0] > 0 and c["iou"] == 0 for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_charades_sta_reads_each_answer_and_scores_it_as_lmms_eval_does(case):
    span, rule = read_span_lmms_eval(case["prediction"])
    assert (list(span) if span else None) == (case["extract_time"][0] if case["extract_time"] else None), rule
    [score] = score_charades([ScoreInput(id="0", prediction=case["prediction"], references=[str(x) for x in case["reference"]])],
                             TemporalOptions())
    assert score.stats["iou"] == pytest.approx(case["iou"], abs=1e-12)
    assert score.stats["unparsed"] == float(not case["extract_time"])  # unread: IoU 0 and counted, as there


def test_the_aggregate_is_lmms_evals_in_fractions():
    inputs = [ScoreInput(id=str(i), prediction=c["prediction"], references=[str(x) for x in c["reference"]]) for i, c in enumerate(CASES)]
    scores = score_charades(inputs, TemporalOptions())
    table = {k: [s.stats[k] for s in scores] for k in scores[0].stats}
    out = aggregate_charades(table, TemporalOptions())
    official = DATA["aggregate"]
    assert out["r@0.3"] * 100 == pytest.approx(official["IOU@3"])
    assert out["r@0.5"] * 100 == pytest.approx(official["IOU@5"])
    assert out["r@0.7"] * 100 == pytest.approx(official["IOU@7"])
    assert out["mean_iou"] * 100 == pytest.approx(official["mIOU"])


def test_the_prompt_is_lmms_evals():
    spec = load_task("charades_sta")
    doc = DATA["prompt"]["doc"]
    assert spec.prompt.user.replace("<video>\n", "").replace("{{ caption }}", doc["caption"]) == DATA["prompt"]["prompt"]
