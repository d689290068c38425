"""VisualPuzzles (tasks/mcq/visualpuzzles.yaml: visualpuzzles_cot, visualpuzzles_direct) end to end on a fixture mirror in
neulab/VisualPuzzles' schema: lmms-eval's prompts and parse_response reading (no random letter), accuracy by category, and one
tiny VLM run for the family."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import visualpuzzles_parts, write_visualpuzzles

from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_visualpuzzles(tmp_path_factory.mktemp("visualpuzzles"))


def test_accuracy_and_categories_of_both_variants(mirror, tmp_path):
    specs = [load_task("visualpuzzles_cot"), load_task("visualpuzzles_direct")]
    assert {(s.dataset.path, s.dataset.split) for s in specs} == {("neulab/VisualPuzzles", "train")}
    results = run_tasks(specs, mirror, tmp_path / "run", "Answer: C")  # answers A, C, C, B
    for name in ("visualpuzzles_cot", "visualpuzzles_direct"):
        r = results.tasks[name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 4 and r.dataset.origin.startswith("mirror:")
        assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0
        groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
        assert groups == {"category": {"inductive": 0.0, "spatial": 1.0, "deductive": 1.0, "algorithmic": 0.0}}
    # "37" is option C's text where the options are written; nothing reads a letter where they are drawn: unparsed
    r = run_tasks([specs[0]], mirror, tmp_path / "run2", "He can eat 37 pieces.").tasks["visualpuzzles_cot"]
    assert r.metrics["accuracy"].value == 0.25 and r.metrics["unparsed_rate"].value == 0.75


def test_the_request_is_the_image_then_lmms_evals_text(mirror, tmp_path):
    run_tasks([load_task("visualpuzzles_direct")], mirror, tmp_path / "run", "A")
    rows = {str(r["id"]): r for r in visualpuzzles_parts()[0].rows}
    texts = {}
    for rec in iter_samples(tmp_path / "run", "visualpuzzles_direct"):
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        assert image["type"] == "image"
        texts[rec.id] = text["text"]
    direct = "\nAnswer the question with the option's letter from the given choices directly."
    assert texts["1"] == "Question: " + rows["1"]["question"] + "\nOptions: Choose from (A) (B) (C) (D) in the image." + direct
    assert texts["3"] == ("Question: What is the maximum number of pieces of cheese that he can eat?\nOptions:\n(A) 32\n(B) 35\n"
                          "(C) 37\n(D) 40" + direct)


def test_options_that_are_not_four_are_the_rows_error():
    row = visualpuzzles_parts()[0].rows[1]
    assert "not the four" in RequestPlanner(load_task("visualpuzzles_cot")).plan(0, {**row, "options": ["1", "2", "3"]}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "visualpuzzles_direct", mirror, tmp_path / "run", limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
