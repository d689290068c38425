"""box_iou_accuracy (evals/scoring/metrics/grounding.py): boxes read as each model family writes them, mapped to the
image's pixels, and scored by IoU against the reference; hand-computed values throughout.

The image is 200 x 100 pixels; the reference box is [50, 20, 150, 80] (100 x 60 = 6000 px). A box one half to the right,
[100, 20, 200, 80], overlaps it by 50 x 60 = 3000 px: IoU 3000 / (6000 + 6000 - 3000) = 1/3.
"""

from __future__ import annotations

import io
import json

import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.metrics.grounding import GroundingOptions, box_iou, find_box, read_box, score_box_iou, smart_resize
from evals.scoring.registry import get_scorer

W, H = 200, 100
REF = [50, 20, 150, 80]


def score(prediction: str, box_format: str = "norm1", **meta):
    item = ScoreInput(id="s", prediction=prediction, references=[json.dumps(REF)],
                      metadata={"image_width": W, "image_height": H, **meta})
    return score_box_iou([item], GroundingOptions(box_format=box_format))[0]


@pytest.mark.parametrize("box_format, prediction, rule, iou", [
    # lmms-eval's prompt: 0-1 corners
    ("norm1", "[0.25, 0.2, 0.75, 0.8]", "bracket", 1.0),
    ("norm1", "The region is [0.5, 0.2, 1.0, 0.8].", "bracket", 1 / 3),
    # the image's own pixels
    ("pixels", "[50, 20, 150, 80]", "bracket", 1.0),
    ("pixels", "[100, 20, 200, 80]", "bracket", 1 / 3),
    ("norm1000", "[250, 200, 750, 800]", "bracket", 1.0),
    # Qwen2-VL: <|box_start|>(x1,y1),(x2,y2)<|box_end|> on 0-1000, with or without its special tokens
    ("qwen2", "<|object_ref_start|>the dog<|object_ref_end|><|box_start|>(250,200),(750,800)<|box_end|>", "qwen2_box", 1.0),
    ("qwen2", "the dog(500,200),(1000,800)", "qwen2_box", 1 / 3),
    # InternVL: <box>[[x1, y1, x2, y2]]</box> on 0-1000; of several boxes the first ([0, 0, 50, 20]: touches a corner only)
    ("internvl", "<ref>the dog</ref><box>[[250, 200, 750, 800]]</box>", "internvl_box", 1.0),
    ("internvl", "<box>[[0, 0, 250, 200], [250, 200, 750, 800]]</box>", "internvl_box", 0.0),
    # Qwen3-VL: JSON bbox_2d on 0-1000 (a fenced list of objects, as its cookbooks show); a bare list too
    ("qwen3", '```json\n[\n\t{"bbox_2d": [250, 200, 750, 800], "label": "the dog"}\n]\n```', "bbox_2d", 1.0),
    ("qwen3", "[500, 200, 1000, 800]", "bracket", 1 / 3),
    # Qwen2.5-VL: pixels of the image as its processor resized it: 200 x 100 -> 196 x 112 (multiples of 28). [49, 22, 147, 90]
    # there is [50, 19.64, 150, 80.36] here: it holds the reference, 60 px of its 60.71 px height: IoU 60 * 112 / 6800.
    ("qwen25", '{"bbox_2d": [49, 22, 147, 90], "label": "the dog"}', "bbox_2d", 6720 / 6800),
])
def test_each_family_format_is_read_and_mapped_to_the_images_pixels(box_format, prediction, rule, iou):
    s = score(prediction, box_format)
    assert s.rule == rule and s.stats["unparsed"] == 0.0
    assert s.stats["iou"] == pytest.approx(iou, abs=1e-9)
    assert s.stats["correct"] == float(iou >= 0.5)


def test_qwen25_numbers_read_as_the_original_pixels_would_score_otherwise():
    # [49, 22, 147, 90] as pixels of the original: overlap 97 x 58 = 5626, union 6000 + 98 x 68 - 5626 = 7038.
    assert score('{"bbox_2d": [49, 22, 147, 90]}', "pixels").stats["iou"] == pytest.approx(5626 / 7038)


@pytest.mark.parametrize("prediction, rule, iou", [
    ("[0.25, 0.2, 0.75, 0.8]", "bracket", 1.0),  # all within [0, 1]: 0-1 of the image
    ("[50, 20, 150, 80]", "bracket", 1.0),  # else the image's pixels
    ('{"bbox_2d": [100, 20, 200, 80]}', "bbox_2d", 1 / 3),
    ("<|box_start|>(250,200),(750,800)<|box_end|>", "qwen2_box", 1.0),  # 0-1000
    ("<box>[[500, 200, 1000, 800]]</box>", "internvl_box", 1 / 3),
    ("(250,200),(750,800) or maybe [0.0, 0.0, 0.1, 0.1]", "qwen2_box", 1.0),  # whichever box comes first
    ("[0.0, 0.0, 0.1, 0.1] or maybe (250,200),(750,800)", "bracket", 0.0),
])
def test_auto_reads_whichever_family_syntax_comes_first(prediction, rule, iou):
    s = score(prediction, "auto")
    assert (s.rule, s.stats["iou"]) == (rule, pytest.approx(iou))


def test_no_box_is_unparsed_wrong_and_counted():
    for prediction in ("the dog on the left", "", "(0.25, 0.2, 0.75, 0.8)", "[0.25, 0.2, 0.75]"):
        s = score(prediction)
        assert (s.rule, s.extracted) == ("unparsed", None) and s.stats == {"correct": 0.0, "iou": 0.0, "unparsed": 1.0}
    # a family's syntax is read only where the format says so: a Qwen2 box is no box to norm1
    assert score("<|box_start|>(250,200),(750,800)<|box_end|>", "norm1").rule == "unparsed"


def test_of_several_boxes_the_first_is_read():
    assert score("[50, 20, 150, 80] or [0, 0, 10, 10]", "pixels").stats["iou"] == 1.0
    assert score("[0, 0, 10, 10] or [50, 20, 150, 80]", "pixels").stats["iou"] == 0.0


def test_coordinates_outside_the_image_are_clipped_to_it():
    # [-50, 20, 150, 130] -> [0, 20, 150, 100]: 150 x 80 = 12000 px holding the reference: IoU 0.5 exactly, right (>=)
    s = score("[-50, 20, 150, 130]", "pixels")
    assert s.extracted == "[0.0, 20.0, 150.0, 100.0]" and s.stats == {"correct": 1.0, "iou": 0.5, "unparsed": 0.0}
    assert score("[-0.25, 0.2, 0.75, 1.3]").stats["iou"] == pytest.approx(0.5)  # the same box written 0-1 (0.2 * 100 is not 20 in floats)
    # a box wholly outside is clipped to a line on the edge: read, IoU 0
    assert score("[300, 200, 400, 300]", "pixels").stats == {"correct": 0.0, "iou": 0.0, "unparsed": 0.0}


def test_an_inverted_box_is_refused_not_swapped():
    for prediction in ("[150, 20, 50, 80]", "[50, 80, 150, 20]", "[0.75, 0.8, 0.25, 0.2]"):
        s = score(prediction, "auto")
        assert (s.rule, s.extracted) == ("inverted", None) and s.stats == {"correct": 0.0, "iou": 0.0, "unparsed": 1.0}
    assert read_box("(750,800),(250,200)", W, H, GroundingOptions(box_format="qwen2")) == (None, "inverted")


def test_a_box_of_no_area_is_read_and_scores_zero():
    assert score("[50, 20, 50, 80]", "pixels").stats == {"correct": 0.0, "iou": 0.0, "unparsed": 0.0}
    assert box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0  # an empty union


def test_find_box_gives_the_numbers_as_written():
    assert find_box("[ 0.1, 0.2, 0.3, 0.4 ]", "norm1") == ((0.1, 0.2, 0.3, 0.4), "bracket")
    assert find_box("[0.1 ,0.2, 0.3, 0.4]", "norm1") == (None, "unparsed")  # lmms-eval's regex: no space before a comma
    assert find_box("[0.1 ,0.2, 0.3, 0.4]", "pixels") == ((0.1, 0.2, 0.3, 0.4), "bracket")
    assert find_box("{'bbox_2d': [1, 2, 3, 4]}", "qwen3") == ((1.0, 2.0, 3.0, 4.0), "bbox_2d")


@pytest.mark.parametrize("height, width", [(100, 200), (480, 640), (20, 30), (6000, 8000), (28, 5000), (333, 500)])
def test_smart_resize_is_qwens(height, width):
    qwen = pytest.importorskip("transformers.models.qwen2_vl.image_processing_qwen2_vl")
    assert smart_resize(height, width, 28, 56 * 56, 28 * 28 * 16384) == qwen.smart_resize(height, width, 28, 56 * 56, 28 * 28 * 16384)


def test_the_scorer_aggregates_acc_miou_and_unparsed_rate():
    scorer = get_scorer("box_iou_accuracy")
    assert scorer.primary == "acc@0.5" and scorer.direction_of("unparsed_rate") == "lower"
    rows = [score("[0.25, 0.2, 0.75, 0.8]"), score("[0.5, 0.2, 1.0, 0.8]"), score("no box")]
    assert scorer.aggregate(stats_table(rows), GroundingOptions()) == pytest.approx(
        {"acc@0.5": 1 / 3, "miou": (1 + 1 / 3) / 3, "unparsed_rate": 1 / 3})
    assert scorer.parse_options({}).box_format == "norm1"
    with pytest.raises(ValueError):
        scorer.parse_options({"box_format": "yolo"})


def test_a_sample_without_its_image_size_or_box_is_a_scoring_error_never_a_zero():
    item = ScoreInput(id="s", prediction="[0, 0, 1, 1]", references=[json.dumps(REF)])
    with pytest.raises(ValueError, match="image_width"):
        score_box_iou([item], GroundingOptions())
    with pytest.raises(ValueError, match="not \\[x1, y1, x2, y2\\]"):
        score_box_iou([item.model_copy(update={"references": ["50 20 150 80"], "metadata": {"image_width": W, "image_height": H}})],
                      GroundingOptions())


def test_the_loader_makes_one_row_per_expression_with_the_box_in_pixels_and_the_images_size():
    from PIL import Image

    from evals.data.loaders import image_header_size, refcoco_expression_rows
    from evals.data.source import ROW_ERROR

    buf = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buf, format="JPEG")
    cell = {"bytes": buf.getvalue(), "path": "a.jpg"}
    row = {"question_id": "7", "image": cell, "answer": ["left dog", "brown dog"], "bbox": [1.5, 2.0, 10.0, 20.0], "file_name": "a.jpg"}
    out = refcoco_expression_rows(row)
    assert [(r["expression_id"], r["expression"]) for r in out] == [("7_0", "left dog"), ("7_1", "brown dog")]
    assert all(json.loads(r["box"]) == [1.5, 2.0, 11.5, 22.0] and (r["image_width"], r["image_height"]) == (64, 48) for r in out)
    assert image_header_size({"bytes": b"not an image", "path": None}) is None and image_header_size(None) is None
    assert [set(r) for r in refcoco_expression_rows({**row, "answer": []})] == [{ROW_ERROR}]
    assert [set(r) for r in refcoco_expression_rows({**row, "bbox": [1.0, 2.0]})] == [{ROW_ERROR}]
