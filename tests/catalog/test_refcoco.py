"""RefCOCO, RefCOCO+ and RefCOCOg (tasks/grounding/refcoco.yaml) end to end on fixture mirrors in lmms-lab's schema: one
sample per referring expression, lmms-eval's refcoco_bbox_rec request (the image, then its prompt and the expression), the
reference box in pixels, Acc@0.5 and mean IoU hand-computed, and a tiny Qwen2-VL answering.

The expected prompt is what lmms-eval's ``refcoco_bbox_rec_doc_to_text`` (EvolvingLMMs-Lab/lmms-eval
lmms_eval/tasks/refcoco/utils_rec.py, commit 75571cf) returns for an expression.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks
from make_fixtures import REFCOCO_OBJECTS, refcoco_parts, write_refcoco

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = {"refcoco_val": ("RefCOCO", "val"), "refcoco_testA": ("RefCOCO", "testA"), "refcoco_testB": ("RefCOCO", "testB"),
         "refcoco_plus_val": ("RefCOCOplus", "val"), "refcoco_plus_testA": ("RefCOCOplus", "testA"),
         "refcoco_plus_testB": ("RefCOCOplus", "testB"), "refcocog_val": ("RefCOCOg", "val"), "refcocog_test": ("RefCOCOg", "test")}
OFFICIAL_PROMPT = ("Bounding box coordinates are specified in the format (top-left x, top-left y, bottom-right x, bottom-right y). All "
                   "values are floating point numbers bounded between 0 and 1. Please provide the bounding box coordinate of the region "
                   "this sentence describes: ")
# [0, 0.25, 0.5, 0.75] of the 64 x 48 image is [0, 12, 32, 36]: object 104 exactly (IoU 1, three expressions), nowhere near
# object 105 (0, one); of the 40 x 60 image, [0, 15, 20, 45] against object 231's [10, 0, 30, 60]: 10 x 30 = 300 over
# 600 + 1200 - 300 = 1500, IoU 0.2 (two expressions).
CONSTANT = "[0.0, 0.25, 0.5, 0.75]"
ACC, MIOU = 3 / 6, (3 * 1.0 + 0.0 + 2 * 0.2) / 6


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_refcoco(tmp_path_factory.mktemp("refcoco"))


def _records(run, name):
    return {r.id: json.loads(r.model_dump_json()) for r in iter_samples(run, name)}


def test_every_split_scores_one_sample_per_expression(mirror, tmp_path):
    specs = [load_task(n) for n in TASKS]
    assert [(s.dataset.path, s.dataset.split, s.dataset.loader) for s in specs] == [
        (f"lmms-lab-encoder/{repo}", split, "refcoco_expressions") for repo, split in TASKS.values()]
    assert all([(sc.name, sc.options) for sc in s.scorers] == [("box_iou_accuracy", {"box_format": "norm1"})] for s in specs)
    results = run_tasks(specs, mirror, tmp_path / "run", CONSTANT)
    for name in TASKS:
        r = results.tasks[name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 6 and r.dataset.origin.startswith("mirror:"), name
        assert {k: r.metrics[k].value for k in ("acc@0.5", "miou", "unparsed_rate")} == pytest.approx(
            {"acc@0.5": ACC, "miou": MIOU, "unparsed_rate": 0.0}), name
        assert r.metrics["acc@0.5"].n == 6


def test_the_requests_are_lmms_evals_and_the_records_hold_the_box_and_image_size(mirror, tmp_path):
    run_tasks([load_task("refcoco_val")], mirror, tmp_path / "run", "no box here")
    records = _records(tmp_path / "run", "refcoco_val")
    rows = {row["question_id"]: row for row in refcoco_parts()[0].rows}
    expected = {f"{qid}_{k}": (qid, e) for qid, _, expressions, _ in REFCOCO_OBJECTS for k, e in enumerate(expressions)}
    assert sorted(records) == sorted(expected)
    for sid, (qid, expression) in expected.items():
        rec, row = records[sid], rows[qid]
        [turn] = rec["prompt"]
        assert turn["role"] == "user"
        assert turn["content"] == [{"type": "image", "sha": image_part(row["image"]).sha}, {"type": "text", "text": OFFICIAL_PROMPT + expression}]
        x, y, w, h = row["bbox"]
        assert rec["references"] == [json.dumps([x, y, x + w, y + h])]
        assert rec["metadata"] == ({"image_width": 64, "image_height": 48} if row["file_name"].endswith("09.jpg")
                                   else {"image_width": 40, "image_height": 60})
        assert rec["cluster"] == row["file_name"]
        assert (rec["extracted"], rec["extraction_rule"]) == (None, "unparsed")


def test_limit_spreads_over_the_expressions(mirror, tmp_path):
    result = run_tasks([load_task("refcocog_val")], mirror, tmp_path / "run", CONSTANT, limit=3).tasks["refcocog_val"]
    assert result.n_scored == 3 and result.dataset.selection == "3 of 6, evenly spaced"
    assert sorted(_records(tmp_path / "run", "refcocog_val")) == ["104_0", "104_2", "231_0"]


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_qwen2_vl_answers(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    spec = load_task("refcoco_val")  # a few tokens show the requests run (the task asks for 128)
    spec = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": 8})})
    try:
        r = run_tasks([spec], mirror, tmp_path / "run", "", adapter=adapter).tasks["refcoco_val"]
    finally:
        adapter.close()
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6
    assert 0.0 <= r.metrics["acc@0.5"].value <= 1.0 and 0.0 <= r.metrics["unparsed_rate"].value <= 1.0
