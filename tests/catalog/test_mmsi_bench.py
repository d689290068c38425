"""MMSI-Bench (tasks/mcq/mmsi_bench.yaml) end to end on a fixture mirror in RunsenXu/MMSI-Bench's schema: every image then the
question and the official post-prompt (InternRobotics/MMSI-Bench README, commit 026beb1), every image in the request key,
accuracy by question type, and a tiny multi-image VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import mmsi_bench_parts, write_mmsi_bench

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

POST = "\nAnswer with the option's letter from the given choices directly. Enclose the option's letter within ``."


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmsi_bench(tmp_path_factory.mktemp("mmsi_bench"))


def test_accuracy_and_question_types_as_the_official_reading_gives_them(mirror, tmp_path):
    spec = load_task("mmsi_bench")
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("RunsenXu/MMSI-Bench", None, "test")
    results = run_tasks([spec], mirror, tmp_path / "run", "``A``")  # answers A, C, B
    r = results.tasks["mmsi_bench"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 3 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["accuracy"].value == pytest.approx(1 / 3) and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"question_type": {"Positional Relationship (Cam.–Obj.)": 1.0, "Motion (Cam.)": 0.0, "MSR": 0.0}}


def test_the_request_is_every_image_then_the_official_text(mirror, tmp_path):
    run_tasks([load_task("mmsi_bench")], mirror, tmp_path / "run", "I cannot tell.")
    rows = {str(r["id"]): r for r in mmsi_bench_parts()[0].rows}
    for rec in iter_samples(tmp_path / "run", "mmsi_bench"):
        row = rows[rec.id]
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        *images, text = turn["content"]
        assert [p["sha"] for p in images] == [image_part(b).sha for b in row["images"]]
        assert text == {"type": "text", "text": row["question"].strip() + POST}
        assert rec.extracted is None and rec.extraction_rule == "unparsed" and rec.scores["mmsi_bench_accuracy"]["score"] == 0.0


def test_each_image_is_in_the_request_key_and_rows_without_images_are_errors():
    spec = load_task("mmsi_bench")
    row = mmsi_bench_parts()[0].rows[2]
    keys = {RequestPlanner(spec).plan(0, row).request.key}
    for k in range(5):
        images = list(row["images"])
        images[k] = images[k] + b"\0"
        keys.add(RequestPlanner(spec).plan(0, {**row, "images": images}).request.key)
    keys.add(RequestPlanner(spec).plan(0, {**row, "images": row["images"][::-1]}).request.key)
    assert len(keys) == 7
    assert "images is empty" in RequestPlanner(spec).plan(0, {**row, "images": []}).error
    assert "more than the 12" in RequestPlanner(spec).plan(0, {**row, "images": row["images"] * 3}).error
    assert "not among the 4 choices" in RequestPlanner(spec).plan(0, {**row, "answer": "E"}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_multi_image_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "mmsi_bench", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 3
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
