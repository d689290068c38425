"""Ref-L4's IoU, Acc@0.5 and size levels against the official evaluator, case by case.

``data/ref_l4_official.json`` holds adversarial (reference, prediction) box pairs on a 640x480 picture and what JierunChen/Ref-L4's
own ``bbox_overlaps`` and ``RefL4Evaluator`` (``calculate_iou_acc``, ``evaluate``) returned for them when they were run
(repository, path, commit and command in the file's header). omnieval's ``box_iou_accuracy`` with ``iou_rule: over`` (the
task's setting; ``box_format: pixels`` here, to hand it the official code's pixel boxes) must give the same IoU and the same
Acc@0.5 (right only when IoU > 0.5: a box at exactly 0.5 is wrong), and the ``ref_l4`` loader's size levels must be the
evaluator's. Two pinned departures:

- a box with ``x2 < x1`` or ``y2 < y1`` is refused (rule ``inverted``, IoU 0, counted as unparsed): the official IoU is 0 too
  (no overlap), uncounted;
- coordinates outside the picture are clipped: omnieval's IoU is then the official ``bbox_overlaps`` of the clipped box
  (``official_iou_clipped``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.data.loaders import ref_l4_row
from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.grounding import GroundingOptions, score_box_iou

DATA = json.loads((Path(__file__).parent / "data" / "ref_l4_official.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
WIDTH, HEIGHT = DATA["image_size"]
OVER = GroundingOptions(box_format="pixels", iou_rule="over")


def _inverted(box) -> bool:
    return box[2] < box[0] or box[3] < box[1]


def _clipped(box) -> bool:
    return box[0] < 0 or box[1] < 0 or box[2] > WIDTH or box[3] > HEIGHT


def _score(case, options=OVER):
    x, y, w, h = case["bbox"]
    item = ScoreInput(id=str(case["id"]), prediction="[" + ", ".join(str(v) for v in case["pred_bbox"]) + "]",
                      references=[json.dumps([x, y, x + w, y + h])], metadata={"image_width": WIDTH, "image_height": HEIGHT})
    return score_box_iou([item], options)[0]


def test_the_official_outputs_say_where_they_come_from_and_cover_each_rule():
    official = DATA["official"]
    assert official["repository"] == "JierunChen/Ref-L4" and "ref_l4/evaluation.py" in official["path"]
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 40 and len({(tuple(c["bbox"]), tuple(c["pred_bbox"])) for c in CASES}) == len(CASES)
    assert any(c["official_iou"] == 0.5 and not c["official_acc@0.5"] for c in CASES)  # exactly 0.5: not over it
    assert {c["official_acc@0.5"] for c in CASES} == {True, False}
    assert any(_inverted(c["pred_bbox"]) for c in CASES) and any(_clipped(c["pred_bbox"]) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['id']}:{c['note']}" for c in CASES])
def test_iou_and_acc_as_the_official_evaluator(case):
    score = _score(case)
    if _inverted(case["pred_bbox"]):  # departure: refused and counted; the official IoU is no overlap either
        assert case["official_iou"] <= 0.0 and not case["official_acc@0.5"]
        assert score.rule == "inverted" and score.stats == {"correct": 0.0, "iou": 0.0, "unparsed": 1.0}
        return
    expected = case["official_iou_clipped"] if _clipped(case["pred_bbox"]) else case["official_iou"]
    assert score.stats["iou"] == pytest.approx(expected, abs=1e-6)  # the official IoU is float32
    assert score.stats["unparsed"] == 0.0
    if not _clipped(case["pred_bbox"]):
        assert score.stats["correct"] == float(case["official_acc@0.5"])


def test_lmms_eval_s_rule_counts_a_box_at_exactly_one_half_where_ref_l4_s_does_not():
    at_half = [c for c in CASES if c["official_iou"] == 0.5]
    assert at_half and all(_score(c).stats["correct"] == 0.0 for c in at_half)
    assert all(_score(c, GroundingOptions(box_format="pixels")).stats["correct"] == 1.0 for c in at_half)


def test_the_size_levels_and_the_annotation_level_accuracy_are_the_evaluator_s():
    official = DATA["evaluate"]
    right = {c["id"]: c["official_acc@0.5"] for c in CASES}
    assert official["Ann-level acc iou 0.5"] == pytest.approx(100 * sum(right.values()) / len(right))
    levels: dict[str, list[bool]] = {"small": [], "medium": [], "large": []}
    for c in CASES:
        row = ref_l4_row({"id": c["id"], "bbox": c["bbox"], "width": WIDTH, "height": HEIGHT, "file_name": "x.jpg"}, Path("."))
        levels[row["size"]].append(right[c["id"]])
    for level, key in (("small", "Small acc iou 0.5"), ("medium", "Medium acc iou 0.5"), ("large", "Large acc iou 0.5")):
        assert levels[level], level
        assert official[key] == pytest.approx(100 * sum(levels[level]) / len(levels[level])), level
