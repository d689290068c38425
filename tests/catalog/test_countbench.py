"""CountBench (tasks/vqa/countbench.yaml) from VLMEvalKit's CountBenchQA.tsv: asked and scored as VLMEvalKit does.

The reference is open-compass/VLMEvalKit vlmeval/dataset/image_vqa.py ``CountBenchQA`` (commit e8e78f0): ``build_prompt``
(the image, then the question and its "Note that: ..." sentence) and ``evaluate`` (right when ``str(answer) in prediction``).
"""

from __future__ import annotations

import base64
import json

import pytest
from helpers import run_tasks
from make_fixtures import countbench_rows, write_countbench

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task

NOTE = " Note that: answer with a number directly e.g. 3. Do not include any additional text."


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_countbench(tmp_path_factory.mktemp("countbench"))


@pytest.mark.parametrize(("text", "accuracy"), [("10", 0.5), ("There are 3.", 0.25), ("three", 0.0)])
def test_the_answer_counts_where_its_number_occurs_in_the_prediction(mirror, tmp_path, text, accuracy):
    spec = load_task("countbench")
    assert (spec.dataset.loader, spec.dataset.name) == ("vlmevalkit_tsv", "CountBenchQA")
    r = run_tasks([spec], mirror, tmp_path / "run", text).tasks["countbench"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert r.metrics["accuracy"].value == accuracy  # "10" holds 10 and 1 (VLMEvalKit's ans in pred)


def test_the_request_is_the_image_then_the_question_and_note(mirror, tmp_path):
    run_tasks([load_task("countbench")], mirror, tmp_path / "run", "2")
    rows = {str(r["index"]): r for r in countbench_rows()}
    for rec in iter_samples(tmp_path / "run", "countbench"):
        row = rows[rec.id]
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        assert image["sha"] == image_part(base64.b64decode(row["image"])).sha
        assert text == {"type": "text", "text": row["question"] + NOTE}
        assert rec.references == [str(row["answer"])]
