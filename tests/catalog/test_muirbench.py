"""MuirBench (tasks/mcq/muirbench.yaml) end to end on a fixture mirror in MUIRBENCH/MUIRBENCH's schema: the official prompt
(muirbench/MuirBench eval/utils/preprocess.py ``create_prompt``, commit 840b85f) with each image where its ``<image>`` tag
is, every image in the request key, accuracy with task, relation and image-type subgroups, the answerable/unanswerable
pairs resampled together, and a tiny multi-image VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks
from make_fixtures import muirbench_parts, write_muirbench

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

HINT = "Hint: Please provide the correct option letter, such as A, B, C, D, directly.\nAnswer:"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_muirbench(tmp_path_factory.mktemp("muirbench"))


def test_accuracy_and_subgroups_as_the_official_reading_gives_them(mirror, tmp_path):
    spec = load_task("muirbench")
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("MUIRBENCH/MUIRBENCH", None, "test")
    results = run_tasks([spec], mirror, tmp_path / "run", "A")  # answers A, B, D, A
    r = results.tasks["muirbench"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"task": {"Counting": 1.0, "Visual Retrieval": 0.0, "Ordering": 1.0},
                      "image_relation": {"Complementary": 1.0, "Multiview": 0.0, "Temporal": 1.0},
                      "image_type": {"Photography": 1.0, "Satellite": 0.0}}
    records = {rec.id: rec for rec in iter_samples(tmp_path / "run", "muirbench")}
    assert {i: rec.cluster for i, rec in records.items()} == {"1": "1", "2": "2", "3": "2", "4": "4"}  # 2 and 3 are a pair


def test_the_prompt_is_the_official_one_with_each_image_at_its_tag(mirror, tmp_path):
    run_tasks([load_task("muirbench")], mirror, tmp_path / "run", "no idea")
    rows = {r["idx"]: r for r in muirbench_parts()[0].rows}
    records = {rec.id: json.loads(rec.model_dump_json()) for rec in iter_samples(tmp_path / "run", "muirbench")}
    assert all(rec["extraction_rule"] == "unparsed" and rec["extracted"] is None for rec in records.values())

    def parts(idx):
        [turn] = records[idx]["prompt"]
        sha = [image_part(c).sha for c in rows[idx]["image_list"]]
        return [p["text"] if p["type"] == "text" else sha.index(p["sha"]) + 1 for p in turn["content"]]

    # create_prompt's text ("Question: ...", "Choices:", "(A) ..." lines, the hint, "Answer:"), an image at each tag; the
    # line break next to an image is dropped, as the planner drops it for every task.
    assert parts("1") == ["Question: ", 1, 2, " How many other garments besides a complete mitten pair are shown in each image?\n"
                          "Choices:\n(A) Four\n(B) Three\n(C) One\n(D) None of the choices provided\n(E) Two\n" + HINT]
    assert parts("2") == ["Question: Are you able to identify images that showcase the matching structure seen in ", 1,
                          "?\nChoices:\n(A) ", 2, "(B) ", 3, "(C) ", 4, "(D) None of the choices provided\n" + HINT]
    assert parts("4") == ["Question: In what order were these pictures taken? ", 1, 2, 3,
                          "Choices:\n(A) A-B-C\n(B) B-A-C\n(C) C-A-B\n(D) None of the choices provided\n" + HINT]


def test_each_image_is_in_the_request_key_and_an_image_no_tag_names_goes_first():
    spec = load_task("muirbench")
    row = muirbench_parts()[0].rows[1]  # four images, each at a tag
    images = row["image_list"]
    keys = {RequestPlanner(spec).plan(0, row).request.key}
    for k in range(4):
        other = [*images[:k], {"bytes": images[k]["bytes"] + b"\0", "path": None}, *images[k + 1:]]
        keys.add(RequestPlanner(spec).plan(0, {**row, "image_list": other}).request.key)
    keys.add(RequestPlanner(spec).plan(0, {**row, "image_list": [images[1], images[0], *images[2:]]}).request.key)
    assert len(keys) == 6
    untagged = RequestPlanner(spec).plan(0, {**row, "question": "Which image shows the same structure?"}).describe()
    content = untagged[0]["content"]
    assert [p["type"] for p in content[:2]] == ["image", "text"] and content[0]["sha"] == image_part(images[-1]).sha


def test_more_images_than_the_task_places_is_the_rows_error():
    spec = load_task("muirbench")
    row = muirbench_parts()[0].rows[0]
    sample = RequestPlanner(spec).plan(0, {**row, "image_list": row["image_list"] * 9})
    assert sample.error is not None and "more than the 16" in sample.error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_multi_image_vlm_answers_interleaved_images(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    spec = load_task("muirbench")
    try:
        results = run_tasks([spec], mirror, tmp_path / "run", "", adapter=adapter)
    finally:
        adapter.close()
    r = results.tasks["muirbench"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
