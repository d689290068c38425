"""OCRBench v2 (tasks/vqa/ocrbench_v2.yaml): end to end on a fixture mirror in ling99/OCRBench_v2's schema, the request as
lmms-eval's ocrbench_v2 task sends it (the image, then the question stripped), each row scored by its type's official
rule, the figures as the official get_score.py computes them, a full-page OCR row by BLEU, METEOR (over WordNet 3.0 from
the ocr extra), F-measure and edit distance; and a tiny VLM run. Each rule against the official code:
tests/conformance/test_ocrbench_v2.py.
"""

from __future__ import annotations

import importlib.util
import json
import math

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import OCRBENCH_V2_ROWS, write_ocrbench_v2

from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

# The constant answer "hello" against the fixture's thirteen rows: right for text recognition (the word occurs), the
# Chinese VQA row (HELLO, case folded) and the Chinese formula (\text{hello} unwrapped); the document tree ROOT(TITLE,
# "hello") against ROOT(TITLE, "Title"("hello")) is 0.75 (STEDS: one node inserted of four); 0 elsewhere (no box, no
# table, no dict, no number, no letter A).
CATEGORIES = {"text_recognition_en": 1.0, "text_detection_en": 0.0, "text_spotting_en": 0.0, "relationship_extraction_en": 0.0,
              "element_parsing_en": 0.75 / 3, "mathematical_calculation_en": 0.0, "knowledge_reasoning_en": 0.0,
              "relationship_extraction_cn": 0.0, "element_parsing_cn": 1.0, "visual_text_understanding_cn": 1.0}
ENGLISH = (1.0 + 0.0 + 0.0 + 0.0 + 0.25 + 0.0 + 0.0) / 7
CHINESE = (0.0 + 1.0 + 1.0) / 3


def _records(run) -> list[dict]:
    return [json.loads(line) for line in (run / "samples" / "ocrbench_v2.jsonl").read_text(encoding="utf-8").splitlines()]


def test_each_type_scores_by_its_official_rule_and_the_figures_are_get_scores(tmp_path):
    spec = load_task("ocrbench_v2")
    assert (spec.dataset.path, spec.dataset.split, spec.fields.references, spec.fields.subgroups) == (
        "ling99/OCRBench_v2", "test", "answers", ["type"])
    r = run_tasks([spec], write_ocrbench_v2(tmp_path / "m"), tmp_path / "run", "hello").tasks["ocrbench_v2"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == len(OCRBENCH_V2_ROWS) and r.dataset.origin.startswith("mirror:")
    for name, value in CATEGORIES.items():
        assert r.metrics[name].value == pytest.approx(value), name
    assert math.isnan(r.metrics["visual_text_understanding_en"].value) and math.isnan(r.metrics["knowledge_reasoning_cn"].value)  # no rows
    assert r.metrics["english"].value == pytest.approx(ENGLISH) and r.metrics["chinese"].value == pytest.approx(CHINESE)
    assert r.metrics["overall"].value == pytest.approx((ENGLISH + CHINESE) / 2)
    # a subgroup holds one type, so one language: its overall is that type's mean
    by_type = {g: v["overall"].value for g, v in r.subgroups[0].groups.items()}
    assert by_type == pytest.approx({"text recognition en": 1.0, "science QA en": 0.0, "text counting en": 0.0,
                                     "key information extraction en": 0.0, "text grounding en": 0.0, "VQA with position en": 0.0,
                                     "table parsing en": 0.0, "document parsing en": 0.75, "chart parsing en": 0.0,
                                     "cognition VQA cn": 1.0, "key information extraction cn": 0.0, "formula recognition cn": 1.0,
                                     "text spotting en": 0.0})


def test_the_request_is_the_image_then_the_question(tmp_path):
    run_tasks([load_task("ocrbench_v2")], write_ocrbench_v2(tmp_path / "m"), tmp_path / "run", "hello")
    first = _records(tmp_path / "run")[1]
    [turn] = first["prompt"]
    assert [p["type"] for p in turn["content"]] == ["image", "text"]
    assert turn["content"][1]["text"] == OCRBENCH_V2_ROWS[1][2]
    assert first["metadata"] == {"question": OCRBENCH_V2_ROWS[1][2], "eval": "multiple choice", "bbox": None, "bbox_list": None,
                                 "content": None}


def test_a_spotting_row_is_scored_against_its_polygons_and_words(tmp_path):
    answer = "[[10, 10, 60, 30, 'HELLO'], [200, 200, 300, 300, 'extra']]"  # the fixture's word and box, and a stray one
    run_tasks([load_task("ocrbench_v2")], write_ocrbench_v2(tmp_path / "m"), tmp_path / "run", answer)
    [spotting] = [r for r in _records(tmp_path / "run") if r["subgroups"]["type"] == "text spotting en"]
    assert spotting["metadata"]["bbox_list"] == [[10, 10, 60, 10, 60, 30, 10, 30]] and spotting["metadata"]["content"] == ["hello"]
    assert spotting["scores"]["ocrbench_v2"]["score"] == pytest.approx(2 / 3)  # precision 1/2, recall 1


# "hello" against the full-page OCR row's "hello world" (page_ocr_metric.cal_per_metrics, whitespace words): sentence BLEU 0
# (no 2-gram), METEOR Fmean(P 1, R 1/2) = 0.5 / (0.9 + 0.1 * 0.5) with one chunk of one match, penalty 0.5; F-measure 2/3;
# edit distance 6 of 11 characters.
FULL_PAGE = (0.0 + 0.5 / 0.95 * (1 - 0.5) + 2 / 3 + (1 - 6 / 11)) / 4


def test_a_full_page_ocr_row_is_scored_by_bleu_meteor_f_measure_and_edit_distance(tmp_path):
    r = run_tasks([load_task("ocrbench_v2")], write_ocrbench_v2(tmp_path / "m", page_ocr=True), tmp_path / "run", "hello").tasks["ocrbench_v2"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == len(OCRBENCH_V2_ROWS) + 1
    assert r.metrics["text_recognition_en"].value == pytest.approx((1.0 + FULL_PAGE) / 2)
    english = ENGLISH + (FULL_PAGE - 1.0) / 2 / 7  # text recognition's mean moves from 1 to (1 + FULL_PAGE) / 2
    assert r.metrics["english"].value == pytest.approx(english) and r.metrics["chinese"].value == pytest.approx(CHINESE)
    assert r.metrics["overall"].value == pytest.approx((english + CHINESE) / 2)
    [page] = [rec for rec in _records(tmp_path / "run") if rec["subgroups"]["type"] == "full-page OCR en"]
    assert page["scores"]["ocrbench_v2"]["score"] == pytest.approx(FULL_PAGE)


def test_a_tiny_vlm_answers(tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "ocrbench_v2", write_ocrbench_v2(tmp_path / "m"), tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == len(OCRBENCH_V2_ROWS)
    assert 0.0 <= r.metrics["overall"].value <= 1.0
