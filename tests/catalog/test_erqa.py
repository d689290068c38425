"""ERQA (tasks/mcq/erqa.yaml) end to end on a fixture mirror in FlagEval/ERQA's schema: the images and the question interleaved
where the official harness puts them (visual_indices), its exact match, accuracy by question type, and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import erqa_parts, write_erqa

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_erqa(tmp_path_factory.mktemp("erqa"))


def test_accuracy_and_question_types_by_the_official_exact_match(mirror, tmp_path):
    spec = load_task("erqa")
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("FlagEval/ERQA", None, "test")
    results = run_tasks([spec], mirror, tmp_path / "run", " a. ")  # answers A, B, C, A: " a. " is A to the harness
    r = results.tasks["erqa"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"question_type": {"Spatial Reasoning": 1.0, "Multi-view Reasoning": 0.0, "Trajectory Reasoning": 0.0,
                                        "Action Reasoning": 1.0}}
    # An answer that is more than the letter is wrong to the harness: never read for a letter.
    r = run_tasks([spec], mirror, tmp_path / "run2", "The answer is A.").tasks["erqa"]
    assert r.metrics["accuracy"].value == 0.0 and r.metrics["unparsed_rate"].value == 1.0


def test_the_request_interleaves_images_and_text_at_visual_indices(mirror, tmp_path):
    run_tasks([load_task("erqa")], mirror, tmp_path / "run", "A")
    rows = {r["question_id"]: r for r in erqa_parts()[0].rows}
    seen = {}
    for rec in iter_samples(tmp_path / "run", "erqa"):
        row = rows[rec.id]
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        shas = [image_part(im["bytes"]).sha for im in row["images"]]
        seen[rec.id] = [p["text"] if p["type"] == "text" else shas.index(p["sha"]) + 1 for p in turn["content"]]
    q = {k: r["question"] for k, r in rows.items()}
    assert seen == {
        "erqa_0": [1, q["erqa_0"]],
        "erqa_1": [2, q["erqa_1"][:62], 1, q["erqa_1"][62:]],  # index 0 first, then image 1 at character 62
        "erqa_2": [1, q["erqa_2"]],  # no visual_indices: the images first
        "erqa_3": [1, 2, q["erqa_3"]],  # index 500 is past the text's end: after the text read so far (none)
    }


def test_images_are_in_the_request_key_and_mismatched_positions_are_errors():
    spec = load_task("erqa")
    row = erqa_parts()[0].rows[1]
    keys = {RequestPlanner(spec).plan(0, row).request.key}
    keys.add(RequestPlanner(spec).plan(0, {**row, "visual_indices": [0, 62]}).request.key)
    keys.add(RequestPlanner(spec).plan(0, {**row, "images": [row["images"][0], {"bytes": row["images"][1]["bytes"] + b"\0", "path": None}]}).request.key)
    keys.add(RequestPlanner(spec).plan(0, {**row, "images": row["images"][::-1], "visual_indices": [0, 62]}).request.key)  # the same request
    assert len(keys) == 3
    assert "2 images" in RequestPlanner(spec).plan(0, {**row, "visual_indices": [0]}).error
    assert "images is empty" in RequestPlanner(spec).plan(0, {**row, "images": []}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_multi_image_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "erqa", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
