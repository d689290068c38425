"""RefCOCO's box reading and IoU against lmms-eval's refcoco*_bbox_rec code, case by case.

``data/refcoco_lmms_eval.json`` holds adversarial answers, each against three reference boxes (whole-pixel and COCO's
fractional ones), and what lmms-eval's own ``parse_float_sequence_within``, ``compute_iou`` and ``compute_accuracy``
(EvolvingLMMs-Lab/lmms-eval lmms_eval/tasks/refcoco/utils_rec.py; RefCOCO+ and RefCOCOg use the same file) returned for
each when they were run (repository, path, commit and command in the file's header). omnieval's ``box_iou_accuracy`` with
``box_format: norm1`` (the tasks' setting) must read the same four numbers and give the same IoU and Acc@0.5, with three
pinned departures:

- an answer with no box is *unparsed* (IoU 0, wrong, counted in ``unparsed_rate``) where lmms-eval reads ``[0, 0, 0, 0]``
  (the same score, uncounted);
- a box with ``x2 < x1`` or ``y2 < y1`` is refused (rule ``inverted``, IoU 0, counted as unparsed) where lmms-eval
  computes with a negative area (a positive IoU for a box inverted on both axes, or a ZeroDivisionError);
- coordinates outside [0, 1] are clipped to the image: omnieval's IoU is then lmms-eval's own ``compute_iou`` on the
  clipped box (``official_iou_clipped``), not on the box as written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.grounding import GroundingOptions, find_box, score_box_iou

DATA = json.loads((Path(__file__).parent / "data" / "refcoco_lmms_eval.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
NORM1 = GroundingOptions(box_format="norm1")


def _inverted(numbers) -> bool:
    return numbers[2] < numbers[0] or numbers[3] < numbers[1]


def _outside(numbers) -> bool:
    return any(not 0.0 <= v <= 1.0 for v in numbers)


def test_the_official_outputs_say_where_they_come_from_and_cover_each_departure():
    official = DATA["official"]
    assert official["repository"] == "EvolvingLMMs-Lab/lmms-eval" and official["path"] == "lmms_eval/tasks/refcoco/utils_rec.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100 and len({(c["prediction"], tuple(c["bbox"])) for c in CASES}) == len(CASES)
    parsed = [c for c in CASES if c["official_parse"] is not None]
    assert any(c["official_parse"] is None for c in CASES)
    assert any(_inverted(c["official_parse"]) for c in parsed) and any(c["official_error"] for c in CASES)
    assert any(_outside(c["official_parse"]) and c["official_iou"] != c["official_iou_clipped"] for c in parsed)
    assert {c["official_acc@0.5"] for c in parsed if not _inverted(c["official_parse"])} == {True, False}


def _score(case):
    x, y, w, h = case["bbox"]
    item = ScoreInput(id="x", prediction=case["prediction"], references=[json.dumps([x, y, x + w, y + h])],
                      metadata={"image_width": case["image_width"], "image_height": case["image_height"]})
    return score_box_iou([item], NORM1)[0]


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:24]!r}:{c['image_width']}" for i, c in enumerate(CASES)])
def test_box_iou_accuracy_reads_and_scores_each_answer_as_lmms_eval_does(case):
    numbers, rule = find_box(case["prediction"], "norm1")
    official = case["official_parse"]
    assert (list(numbers) if numbers is not None else None) == official
    score = _score(case)
    if official is None:  # departure: unparsed and counted, where lmms-eval scores [0, 0, 0, 0] (IoU 0) uncounted
        assert score.rule == "unparsed" and score.stats == {"correct": 0.0, "iou": 0.0, "unparsed": 1.0}
        assert case["official_iou"] == 0.0 and case["official_acc@0.5"] is False
    elif _inverted(official):  # departure: refused, where lmms-eval computes with a negative area (or divides by zero)
        assert score.rule == "inverted" and score.stats == {"correct": 0.0, "iou": 0.0, "unparsed": 1.0}
    else:  # the same IoU (in pixels here, 0-1 there) and verdict; past the image's edge, lmms-eval's on the clipped box
        assert score.rule == "bracket" and score.stats["unparsed"] == 0.0
        assert score.stats["iou"] == pytest.approx(case["official_iou_clipped"], abs=1e-9)
        assert score.stats["correct"] == float(case["official_acc@0.5_clipped"])
        if not _outside(official):
            assert case["official_iou_clipped"] == case["official_iou"]
