"""CC-OCR (tasks/vqa/cc_ocr.yaml): the four tracks end to end on a fixture mirror in wulipc/CC-OCR's schema (images
base64-encoded, as VLMEvalKit's TSVs hold them), each track's score the mean over its subsets as the official summary
takes it, the suite's figure as the mean of the four tracks, and a tiny VLM run.

The constant answer ``{"company": "hello"}`` is read by each track's official rules (evals/scoring/metrics/cc_ocr.py,
tested against the official evaluators in tests/conformance/test_cc_ocr.py); the expected figures are worked out by
hand below.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import CC_OCR_ROWS, write_cc_ocr

from evals.data.media import image_part
from evals.results import iter_samples, suite_result
from evals.spec.catalog import load_suite, load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = ["cc_ocr_multi_scene_ocr", "cc_ocr_multi_lan_ocr", "cc_ocr_doc_parsing", "cc_ocr_kie"]
ANSWER = '{"company": "hello"}'
# Multi-scene (words, [A-Za-z0-9] only, lower-cased): the answer is "company hello". IC15: "HELLO world" F1 1/2 (one of
# two right both ways), "STOP" 0: macro 1/4; micro: 1 right of 3 reference and 4 predicted words, 2 (1/3)(1/4) / (7/12) =
# 2/7. zh_scene (characters): 0. CORD "hello company": 1. score (1/4 + 0 + 1) / 3, micro_f1 (2/7 + 0 + 1) / 3.
MULTI_SCENE = {"score": (1 / 4 + 0 + 1) / 3, "micro_f1": (2 / 7 + 0 + 1) / 3}
# Multilingual: French (words, punctuation kept: '{"company":' and '"hello"}') 0; Japanese 0; Arabic (characters, spaces
# removed): "مرحبا co" (7) against the answer's 19 characters: c and o right, F1 2 (2/7)(2/19) / (2/7 + 2/19) = 2/13.
MULTI_LAN = {"score": 2 / 13 / 3, "micro_f1": 2 / 13 / 3}
# Document parsing, the answer without spaces '{"company":"hello"}' (19 characters): doc "company hello" -> 7 deletions,
# 1 - 7/19; table: no table, 0; formula "company": 12 deletions, 1 - 12/19; molecular "CCO": nothing shared, 0.
DOC_PARSING = {"score": ((1 - 7 / 19) + 0 + (1 - 12 / 19) + 0) / 4}
# KIE, the answer read as {"company": "hello"}. sroie2019_word: fields (date, ""), (total, 1.00), (company, hello): 1 true
# positive, 2 misses: F1 1 / (1 + 2/2); nTED: the reference tree costs 3 keys + 0 + 4 + 5 characters = 12 to build, the
# answer's misses date, "", total, "1.00": 6, acc 1 - 6/12. CORD {"menu": [{"nm": "hello"}]}: no field right, F1 0; tree:
# company renamed menu, <subtree> and nm inserted: 3 of 8, acc 5/8. POIE {"company": "hello"}: F1 1, acc 1.
KIE = {"score": (1 / 2 + 0 + 1) / 3, "acc": (1 / 2 + 5 / 8 + 1) / 3, "unparsed_rate": 0.0}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_cc_ocr(tmp_path_factory.mktemp("cc-ocr"))


def test_the_four_tracks_score_as_the_official_evaluators_and_the_suite_is_their_mean(mirror, tmp_path):
    specs = [load_task(n) for n in TASKS]
    assert [(s.dataset.path, s.dataset.name, s.dataset.split) for s in specs] == [
        ("wulipc/CC-OCR", c, "test") for c in ("multi_scene_ocr", "multi_lan_ocr", "doc_parsing", "kie")]
    results = run_tasks(specs, mirror, tmp_path / "run", ANSWER)
    expected = dict(zip(TASKS, (MULTI_SCENE, MULTI_LAN, DOC_PARSING, KIE)))
    for name, want in expected.items():
        r = results.tasks[name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored == len(CC_OCR_ROWS[name.removeprefix("cc_ocr_")]), name
        assert {k: r.metrics[k].value for k in want} == pytest.approx(want, abs=1e-5), name
    # One subset alone is that subset's figure: IC15's macro F1.
    ic15 = next(s for s in results.tasks["cc_ocr_multi_scene_ocr"].subgroups if s.field == "split").groups["IC15"]
    assert ic15["score"].value == pytest.approx(1 / 4, abs=1e-6)
    suite = load_suite("cc_ocr")
    assert suite.tasks == TASKS
    overall = suite_result("cc_ocr", [results.tasks[n] for n in TASKS], suite.aggregate.metric, suite.aggregate.scale,
                           suite.aggregate.decimals, suite.aggregate.weight)
    assert overall.metric == "score"
    assert overall.mean == pytest.approx(100 * sum(w["score"] for w in expected.values()) / 4, abs=1e-3)


def test_the_request_is_the_image_then_the_subsets_prompt_and_unreadable_kie_answers_are_counted(mirror, tmp_path):
    run_tasks([load_task("cc_ocr_kie")], mirror, tmp_path / "run", "no JSON here")
    records = {r.id: json.loads(r.model_dump_json()) for r in iter_samples(tmp_path / "run", "cc_ocr_kie")}
    assert sorted(records) == ["X51005200938.jpg#0", "poie_001.jpg#2", "receipt_00002.png#1"]
    [turn] = records["poie_001.jpg#2"]["prompt"]
    image, text = turn["content"]
    question = CC_OCR_ROWS["kie"][2][3]
    assert image["type"] == "image" and text == {"type": "text", "text": question}
    import base64

    from make_fixtures import cc_ocr_parts

    row = cc_ocr_parts()[3].rows[2]
    assert image["sha"] == image_part(base64.b64decode(row["image"])).sha
    assert {(r["extracted"], r["extraction_rule"]) for r in records.values()} == {(None, "unparsed")}
    result = run_tasks([load_task("cc_ocr_kie")], mirror, tmp_path / "run", "no JSON here").tasks["cc_ocr_kie"]
    assert result.metrics["unparsed_rate"].value == 1.0 and result.metrics["score"].value == 0.0


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    # The four tracks build their requests alike (the image, then the row's question): one track shows they run.
    r = tiny_vlm_results(tiny_model, "cc_ocr_kie", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 3
    assert 0.0 <= r.metrics["score"].value <= 1.0


def test_an_image_that_is_not_base64_or_empty_is_the_rows_error():
    from evals.spec.preprocess import cc_ocr

    assert cc_ocr({"image": "aGk=", "split": "IC15"}) == {"image": b"hi", "split": "IC15"}
    with pytest.raises(ValueError, match="image is not base64"):
        cc_ocr({"image": "abc"})
    with pytest.raises(ValueError, match="image is empty"):
        cc_ocr({"image": None})
