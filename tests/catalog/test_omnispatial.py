"""OmniSpatial (tasks/mcq/omnispatial.yaml) end to end on a fixture mirror laid out as OmniSpatial-test.zip unpacks: the
picture each id names, the official manual-CoT prompt and "Answer: X" reading (no default A), accuracy by task and sub-task,
and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import OMNISPATIAL, OMNISPATIAL_ROWS, png_bytes, write_omnispatial

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_omnispatial(tmp_path_factory.mktemp("omnispatial"))


def test_accuracy_tasks_and_sub_tasks(mirror, tmp_path):
    spec = load_task("omnispatial")
    r = run_tasks([spec], mirror, tmp_path / "run", "Step by step...\nAnswer: A").tasks["omnispatial"]  # answers A, B, C, A
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"task_type": {"Dynamic_Reasoning": 0.5, "Perspective_Taking": 0.0, "Complex_Logic": 1.0},
                      "sub_task_type": {"Motion_Analysis": 0.5, "Allocentric": 0.0, "Pattern_Recognition": 1.0}}
    r = run_tasks([spec], mirror, tmp_path / "run2", "answer: a").tasks["omnispatial"]  # read, but lower case is wrong there
    assert r.metrics["accuracy"].value == 0.0 and r.metrics["unparsed_rate"].value == 0.0
    r = run_tasks([spec], mirror, tmp_path / "run3", "A").tasks["omnispatial"]  # no Answer line: unparsed, not A
    assert r.metrics["accuracy"].value == 0.0 and r.metrics["unparsed_rate"].value == 1.0


def test_each_question_sees_its_picture_then_the_text(mirror, tmp_path):
    run_tasks([load_task("omnispatial")], mirror, tmp_path / "run", "Answer: B")
    records = {rec.id: json.loads(rec.model_dump_json()) for rec in iter_samples(tmp_path / "run", "omnispatial")}
    pictures = [f"{task}/{qid.split('_')[0]}" for qid, task, *_ in OMNISPATIAL_ROWS]
    for k, (qid, _, _, question, options, _) in enumerate(OMNISPATIAL_ROWS):
        image, text = records[qid]["prompt"][0]["content"]
        assert image["sha"] == image_part(png_bytes(2040 + pictures.index(pictures[k]))).sha  # 0_0 and 0_1 share picture 0
        assert text["text"].startswith("You are a spatial-reasoning assistant.")
        assert text["text"].endswith(question + "".join(f"\n{letter}. {o}" for letter, o in zip("ABCD", options)))


def test_a_missing_picture_is_that_questions_error(tmp_path):
    root = write_omnispatial(tmp_path / "m")
    (root / OMNISPATIAL / "Complex_Logic" / "7.png").unlink()
    r = run_tasks([load_task("omnispatial")], root, tmp_path / "run", "Answer: A").tasks["omnispatial"]
    assert r.n_errors == 1 and r.n_scored == 3


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "omnispatial", mirror, tmp_path / "run", limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
