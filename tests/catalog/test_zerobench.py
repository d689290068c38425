"""ZeroBench (tasks/vqa/zerobench.yaml) end to end on a fixture mirror in jonathan-roberts1/zerobench's schema: the dataset
card's request (the images, then the question and its curly-brace instruction), answers read from the last braces, the main
set and the sub-questions, and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import write_zerobench, zerobench_parts

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

INSTRUCTION = "\n\n\nLet's think step by step and give the final answer in curly braces, like this: {final answer}"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_zerobench(tmp_path_factory.mktemp("zerobench"))


@pytest.mark.parametrize("name", ["zerobench", "zerobench_subquestions"])
def test_accuracy_reads_the_last_braces(mirror, tmp_path, name):
    spec = load_task(name)
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("jonathan-roberts1/zerobench", None, name)
    results = run_tasks([spec], mirror, tmp_path / "run", "The example {final answer}; so {11.90}")
    r = results.tasks[name]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 3 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["accuracy"].value == pytest.approx(1 / 3) and r.metrics["unparsed_rate"].value == 0.0
    records = list(iter_samples(tmp_path / "run", name))
    assert {(rec.extracted, rec.extraction_rule) for rec in records} == {("11.90", "braces")}


def test_an_answer_without_braces_is_unparsed_and_wrong(mirror, tmp_path):
    results = run_tasks([load_task("zerobench")], mirror, tmp_path / "run", "The answer is 11.90")
    r = results.tasks["zerobench"]
    assert r.metrics["accuracy"].value == 0.0 and r.metrics["unparsed_rate"].value == 1.0


def test_the_request_is_the_images_then_the_question_and_the_cards_instruction(mirror, tmp_path):
    run_tasks([load_task("zerobench")], mirror, tmp_path / "run", "{paris}")
    rows = {r["question_id"]: r for r in zerobench_parts()[0].rows}
    seen = 0
    for rec in iter_samples(tmp_path / "run", "zerobench"):
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        row = rows[rec.id]
        *images, text = turn["content"]
        assert [i["sha"] for i in images] == [image_part(im).sha for im in row["question_images_decoded"]]
        assert text == {"type": "text", "text": row["question_text"] + INSTRUCTION}
        assert rec.scores["zerobench_match"]["score"] == (1.0 if rec.id == "2" else 0.0)  # "Paris" lower-cased
        seen += 1
    assert seen == 3


def test_a_row_without_images_is_an_error():
    spec = load_task("zerobench")
    row = zerobench_parts()[0].rows[0]
    assert "no image" in RequestPlanner(spec).plan(0, {**row, "question_images_decoded": []}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "zerobench", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 3
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
