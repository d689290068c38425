"""EmbSpatial-Bench (tasks/mcq/embspatial_bench.yaml) end to end on a fixture mirror in FlagEval/EmbSpatial-Bench's schema:
lmms-eval's prompt and first-letter reading, accuracy by relation and scene source, and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import embspatial_parts, write_embspatial

from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_embspatial(tmp_path_factory.mktemp("embspatial"))


def test_accuracy_relations_and_sources(mirror, tmp_path):
    spec = load_task("embspatial_bench")
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("FlagEval/EmbSpatial-Bench", None, "test")
    r = run_tasks([spec], mirror, tmp_path / "run", "A) The chair").tasks["embspatial_bench"]  # answers A, B, C, A
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"relation": {"left": 1.0, "above": 0.0, "close": 0.0, "far": 1.0},
                      "data_source": {"mp3d": 1.0, "ai2thor": 0.0, "scannet": 0.0}}
    r = run_tasks([spec], mirror, tmp_path / "run2", "**A**").tasks["embspatial_bench"]  # no letter first: unparsed
    assert r.metrics["accuracy"].value == 0.0 and r.metrics["unparsed_rate"].value == 1.0


def test_the_request_is_the_image_then_lmms_evals_prompt(mirror, tmp_path):
    run_tasks([load_task("embspatial_bench")], mirror, tmp_path / "run", "A")
    rows = {r["question_id"]: r for r in embspatial_parts()[0].rows}
    for rec in iter_samples(tmp_path / "run", "embspatial_bench"):
        row = rows[rec.id]
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        options = "\n".join(f"{letter}) {o}" for letter, o in zip("ABCD", row["answer_options"]))
        assert image["type"] == "image" and text["text"] == (
            "Note: You only need to respond with A, B, C, D without providing any additional information.\n"
            f"{row['question']}\n{options}")


def test_an_answer_index_outside_the_options_is_the_rows_error():
    row = embspatial_parts()[0].rows[0]
    assert "not among the 4 choices" in RequestPlanner(load_task("embspatial_bench")).plan(0, {**row, "answer": 4}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "embspatial_bench", mirror, tmp_path / "run", limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
