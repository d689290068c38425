"""VideoMMMU's prompts and answer reading against lmms-eval's own code, case by case.

``data/videommmu_lmms_eval.json`` holds what lmms-eval's videommmu utils (EvolvingLMMs-Lab/lmms-eval; commit, paths and
command in the file's header) gave when run: the prompts of ``videommmu_doc_to_text_perception_comprehension`` and
``videommmu_doc_to_text_adaptation`` for a few documents, and for adversarial answers to multiple-choice (4 and 10
options) and open questions what ``videommmu_process_results`` parsed and whether ``evaluate_videommmu`` called it
correct. omnieval's ``videommmu_accuracy`` must read and score every case the same way. The one departure: an empty
answer (lmms-eval's "API Error", which its aggregate leaves out of the denominator) is wrong and counted here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mmmu import mmmu_open_predictions, score_videommmu

DATA = json.loads((Path(__file__).parent / "data" / "videommmu_lmms_eval.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    source = DATA["source"]
    assert source["repository"] == "EvolvingLMMs-Lab/lmms-eval" and len(source["commit"]) == 40 and source["command"]
    assert len(CASES) >= 100 and {c["question_type"] for c in CASES} == {"multiple-choice", "open"}
    assert {c["correct"] for c in CASES} == {True, False, None}  # None: an empty open answer, dropped there


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['question_type'][:4]}:{c['prediction'][:24]!r}" for i, c in enumerate(CASES)])
def test_videommmu_reads_and_scores_each_answer_as_lmms_eval_does(case):
    item = ScoreInput(id="0", prediction=case["prediction"], references=[case["answer"]], choices=case["options"] or None,
                      metadata={"question_type": case["question_type"]})
    [score] = score_videommmu([item], NoOptions())
    if case["question_type"] == "multiple-choice":
        assert (score.extracted or "No Answer Found.") == case["parsed_pred"], score.rule
    else:
        predictions = mmmu_open_predictions(case["prediction"])
        assert (sorted(map(str, predictions)) if predictions is not None else "API Error") == case["parsed_pred"]
    if case["correct"] is None:  # departure: lmms-eval drops an empty answer from the denominator; here it is wrong, counted
        assert score.stats == {"score": 0.0, "unparsed": 1.0, "open": 1.0}
    else:
        assert score.stats["score"] == float(case["correct"])


@pytest.mark.parametrize("entry", DATA["prompts"], ids=lambda e: f"{e['track']}:{e['doc']['id']}")
def test_the_prompts_are_lmms_evals(entry):
    """The text after the video is lmms-eval's prompt, but for an ``<image N>`` tag in the question, which omnieval
    reads as a media placeholder: with no image to place, the tag is dropped and the text split there (a departure
    the task states)."""
    from evals.run.plan import RequestPlanner
    from evals.spec.catalog import load_task

    spec = load_task(f"videommmu_{entry['track'].lower()}")
    sample = RequestPlanner(spec).plan(0, {**entry["doc"], "video": {"bytes": b"not decoded", "path": "v.mp4"}})
    [message] = sample.request.messages
    assert message.content[0].kind == "video"
    text = "\n".join(part.text for part in message.content[1:])
    assert text == entry["prompt"].replace("<image 1>", "")
