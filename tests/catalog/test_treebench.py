"""TreeBench (tasks/mcq/treebench.yaml) end to end on a fixture of VLMEvalKit's TreeBench.tsv: the options the row has (two to
five), a hint where there is one, VLMEvalKit's prompt and reading (no default A), accuracy by category and task, and a tiny VLM
run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import TREEBENCH_ROWS, write_treebench

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_treebench(tmp_path_factory.mktemp("treebench"))


def test_accuracy_categories_and_tasks(mirror, tmp_path):
    spec = load_task("treebench")
    r = run_tasks([spec], mirror, tmp_path / "run", "<answer>a</answer>").tasks["treebench"]  # answers A, B, C, A
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4 and r.dataset.origin.startswith("files:")
    assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"category": {"Perception/Attributes": 1.0, "Perception/OCR": 0.0, "Reasoning/Ordering": 0.0,
                                   "Reasoning/Comparison": 1.0},
                      "task": {"Perception": 0.5, "Reasoning": 0.5}}
    r = run_tasks([spec], mirror, tmp_path / "run2", "").tasks["treebench"]  # VLMEvalKit would score A: unparsed here
    assert r.metrics["accuracy"].value == 0.0 and r.metrics["unparsed_rate"].value == 1.0


def test_the_request_is_the_image_then_vlmevalkits_text(mirror, tmp_path):
    run_tasks([load_task("treebench")], mirror, tmp_path / "run", "A")
    texts = {}
    for rec in iter_samples(tmp_path / "run", "treebench"):
        image, text = json.loads(rec.model_dump_json())["prompt"][0]["content"]
        assert image["type"] == "image"
        texts[rec.id] = text["text"]
    for index, _, question, options, _, hint in TREEBENCH_ROWS:
        lines = "".join(f"{letter}. {o}\n" for letter, o in zip("ABCDE", options))
        head = f"Hint: {hint}\n" if hint else ""
        assert texts[str(index)] == f"{head}Question: {question}\nOptions:\n{lines}Answer with the correct option's letter directly. "


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "treebench", mirror, tmp_path / "run", limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
