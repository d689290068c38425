"""MME-RealWorld (tasks/mcq/mme_realworld.yaml) end to end on fixture mirrors in the schema of the three lmms-eval copies
(English, Chinese, Lite): the image decoded from its base64 column, the official request (yfzhang114/MME-RealWorld
evaluation/model_vqa_mme_real_world.py, commit 9caa8b8) and lmms-eval's Chinese one, accuracy with the official task,
subtask and category subgroups, and a tiny VLM run."""

from __future__ import annotations

import base64
import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import MME_REALWORLD, mme_realworld_parts, write_mme_realworld

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = {"mme_realworld_en": "en", "mme_realworld_cn": "cn", "mme_realworld_lite": "lite"}
EN_TAIL = ("Select the best answer to the above multiple-choice question based on the image. Respond with only the letter "
           "(A, B, C, D, or E) of the correct option.\nThe best answer is:")
CN_TAIL = "根据图像选择上述多项选择题的最佳答案。只需回答正确选项的字母（A, B, C, D 或 E）。\n最佳答案为： "


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mme_realworld(tmp_path_factory.mktemp("mme_realworld"))


def test_each_copy_is_read_and_scored_with_the_official_subgroups(mirror, tmp_path):
    specs = [load_task(n) for n in TASKS]
    assert [(s.dataset.path, s.dataset.name, s.dataset.split) for s in specs] == [
        (MME_REALWORLD[lang], None, "train") for lang in TASKS.values()]
    assert all([sc.name for sc in s.scorers] == ["mme_realworld_accuracy"] and s.generation.max_new_tokens == 64 for s in specs)
    results = run_tasks(specs, mirror, tmp_path / "run", "The best answer is: A")  # answers A, C, A, B
    for name in TASKS:
        r = results.tasks[name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 4 and r.dataset.origin.startswith("mirror:"), name
        assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0, name
        groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
        assert groups == {
            "mme_task": {"Perception": 2 / 3, "Reasoning": 0.0},
            "mme_subtask": {"Perception/Autonomous_Driving": 1.0, "Perception/Monitoring": 0.0,
                            "Perception/Diagram and Table": 1.0, "Reasoning/Autonomous_Driving": 0.0},
            "mme_category": {"Perception/Autonomous_Driving/object_identify/attribute": 1.0,
                             "Perception/Monitoring/counting": 0.0, "Perception/Diagram and Table/diagram": 1.0,
                             "Reasoning/Autonomous_Driving/intention_ego": 0.0}}, name


def test_the_request_is_the_official_one_with_the_decoded_image(mirror, tmp_path):
    run_tasks([load_task(n) for n in TASKS], mirror, tmp_path / "run", "")
    for name, lang in TASKS.items():
        rows = {str(r["index"]): r for r in mme_realworld_parts(lang)[0].rows}
        for rec in iter_samples(tmp_path / "run", name):
            row = rows[rec.id]
            [turn] = json.loads(rec.model_dump_json())["prompt"]
            image, text = turn["content"]
            assert image["type"] == "image" and image["sha"] == image_part(base64.b64decode(row["bytes"])).sha
            options = "\n".join(row["multi-choice options"])
            if lang == "cn":  # lmms-eval's mme_realworld_cn_doc_to_text
                assert text["text"] == f"{row['question']} 选项如下所示:\n{options}\n{CN_TAIL}"
            else:  # the official model_vqa_mme_real_world.py (the line break after the image dropped by the planner)
                assert text["text"] == f"{row['question']} The choices are listed below: \n{options}\n{EN_TAIL}"
            # departure: an empty answer is unparsed, where the official code reads it as A
            assert rec.extracted is None and rec.extraction_rule == "unparsed" and rec.scores["mme_realworld_accuracy"]["score"] == 0.0


def test_rows_the_task_cannot_read_are_errors_not_questions():
    from evals.spec.preprocess import mme_realworld

    row = mme_realworld_parts("en")[0].rows[0]
    out = mme_realworld(row)
    assert out["image"] == base64.b64decode(row["bytes"]) and out["choices"] == row["multi-choice options"]
    assert mme_realworld({**row, "bytes": out["image"]})["image"] == out["image"]  # a cell holding the image itself
    with pytest.raises(ValueError, match="not \\(A\\) .. in order"):
        mme_realworld({**row, "multi-choice options": ["(A) red", "(C) blue"]})
    with pytest.raises(ValueError, match="no image"):
        mme_realworld({**row, "bytes": ""})
    spec = load_task("mme_realworld_en")
    assert "not among the 5 choices" in RequestPlanner(spec).plan(0, {**row, "answer": "F"}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "mme_realworld_lite", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
