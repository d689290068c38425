"""CRPE (tasks/vqa/crpe.yaml) end to end on a fixture mirror laid out as OpenGVLab/CRPE (the jsonl files, abnormal_images/)
with COCO val2017 placed at coco/val2017: the official request (the image, then the text as it is), the one-letter reading,
CircularEval over each question's four consecutive copies, accuracy by category, and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import crpe_lines, write_crpe

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_crpe(tmp_path_factory.mktemp("crpe"))


def test_relation_circular_accuracy_by_category(mirror, tmp_path):
    spec = load_task("crpe_relation")
    assert (spec.dataset.path, spec.dataset.loader, spec.dataset.data_files) == ("OpenGVLab/CRPE", "jsonl_image_files",
                                                                                 {"rows": "crpe_relation.jsonl"})
    results = run_tasks([spec], mirror, tmp_path / "run", "A")
    r = results.tasks["crpe_relation"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 12
    # "A" is right on one copy of each real question (a block is right only when all four are) and on every copy of the
    # fixture's odd object question: 1 question of 3.
    assert r.metrics["accuracy"].value == pytest.approx(1 / 3) and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"category": {"subject": 0.0, "predicate": 0.0, "object": 1.0}}
    records = list(iter_samples(tmp_path / "run", "crpe_relation"))
    assert sum(rec.scores["crpe_match"]["score"] for rec in records) == 6  # rows: 1 + 1 + 4
    assert {rec.group for rec in records} == {"0", "1", "2"}


def test_exist_and_answers_longer_than_a_letter(mirror, tmp_path):
    results = run_tasks([load_task("crpe_exist")], mirror, tmp_path / "run", "A.")
    r = results.tasks["crpe_exist"]
    assert r.n_errors == 0 and r.n_samples == 4
    assert r.metrics["accuracy"].value == 0.0 and r.metrics["unparsed_rate"].value == 1.0  # "A." is the official "invalid"


def test_the_request_is_the_image_then_the_text_as_it_is(mirror, tmp_path):
    run_tasks([load_task("crpe_relation")], mirror, tmp_path / "run", "B")
    texts = {str(line["question_id"]): line["text"] for line in crpe_lines("crpe_relation.jsonl")}
    seen = 0
    for rec in iter_samples(tmp_path / "run", "crpe_relation"):
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        assert image["type"] == "image" and text == {"type": "text", "text": texts[rec.id]}
        seen += 1
    assert seen == 12


def test_a_coco_image_missing_from_the_mirror_is_that_samples_error(tmp_path):
    root = write_crpe(tmp_path / "m")
    (root / "OpenGVLab/CRPE/coco/val2017/000000000139.jpg").unlink()
    results = run_tasks([load_task("crpe_exist")], root, tmp_path / "run", "A")
    assert results.tasks["crpe_exist"].n_errors == 4


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "crpe_exist", mirror, tmp_path / "run", max_new_tokens=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
