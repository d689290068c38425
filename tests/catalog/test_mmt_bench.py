"""MMT-Bench val (tasks/mcq/mmt_bench_val.yaml) from VLMEvalKit's MMT-Bench_VAL.tsv: read, asked and scored as VLMEvalKit does.

The reference is open-compass/VLMEvalKit at commit e8e78f05f3080fe28154f2130321f17951c3be94: the file read with
``pandas.read_csv(sep='\\t')``, the prompt of vlmeval/dataset/image_mcq.py ``ImageMCQDataset.build_prompt`` (every option
column present, up to I), ``mcq_vanilla_eval`` (no circular copies) with ``can_infer`` against the question's own options,
accuracy overall and by ``category`` (subtask) and ``l2-category`` (meta-task; VLMEvalKit averages a meta-task over its
subtasks, here over its questions: the task's description says so).
"""

from __future__ import annotations

import base64
import importlib.util
import string

import pandas as pd
import pytest
from helpers import run_cli, run_tasks, vlmevalkit_prompt
from make_fixtures import MMT_BENCH_QUESTIONS, write_mmt_bench

from evals.adapters.baseline import BaselineAdapter, BaselineArgs
from evals.data.open import open_dataset
from evals.requests import Request
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASK = "mmt_bench_val"


@pytest.fixture(scope="module")
def lmu(tmp_path_factory):
    return write_mmt_bench(tmp_path_factory.mktemp("lmu"))


class Scripted(BaselineAdapter):
    """Answers each question's right letter in the words ``form`` gives it (``"The answer is {}"``, ...)."""

    def __init__(self, form: str) -> None:
        super().__init__("constant", BaselineArgs(text="unused"))
        self.truth = {q[1]: q[3] for q in MMT_BENCH_QUESTIONS}
        self.form = form

    def _answer(self, request: Request) -> str:
        return self.form.format(next(a for q, a in self.truth.items() if f"Question: {q}\n" in request.text))


def test_the_spec_names_vlmevalkits_file_and_reader():
    spec = load_task(TASK)
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split, spec.dataset.loader) == ("LMUData", "MMT-Bench_VAL", "val", "vlmevalkit_tsv")
    assert [s.name for s in spec.scorers] == ["mmbench_match"] and spec.fields.group is None  # vanilla, not circular
    assert spec.fields.subgroups == ["category", "l2-category"]
    assert "8dd4b730f53dbf9c3aed90ca31c928e0" in spec.description and "e8e78f05f3080fe28154f2130321f17951c3be94" in spec.description


def test_rows_are_those_vlmevalkit_reads_with_up_to_nine_options(lmu):
    source = open_dataset(load_task(TASK), lmu)
    rows = [row for _, row in source.rows]
    official = pd.read_csv(lmu / "LMUData" / "MMT-Bench_VAL.tsv", sep="\t")
    assert source.num_rows == len(rows) == len(official) == 6 and "l2-category" in source.columns
    for row, (_, line) in zip(rows, official.iterrows()):
        for column in ("index", "question", *"ABCDEFGHI", "answer", "category", "l2-category"):
            value = line[column]
            assert row[column] == (None if pd.isna(value) else str(value)), (column, row["index"])
        assert row["image"]["bytes"] == base64.b64decode(line["image"])


def test_prompts_are_vlmevalkit_build_prompt_through_the_cli(lmu, tmp_path):
    """Every row's text part equals build_prompt's but for its final line break; the nine-option one is spelt out."""
    result, records = run_cli(lmu, tmp_path / "out", tmp_path / "c.sqlite", TASK, "A")
    assert result["n_samples"] == 6 and result["n_errors"] == 0
    texts = {r["id"]: r["prompt"][0]["content"] for r in records}
    for _, line in pd.read_csv(lmu / "LMUData" / "MMT-Bench_VAL.tsv", sep="\t").iterrows():
        parts = texts[str(line["index"])]
        assert [p["type"] for p in parts] == ["image", "text"]  # the image first, as build_prompt's message list
        assert parts[1]["text"] == vlmevalkit_prompt(line).removesuffix("\n")
    assert texts["1"][1]["text"] == ("Question: Who is the person in the image?\nOptions:\nA. Ann\nB. Bob\nC. Cid\nD. Dee\nE. Eve\n"
                                     "F. Fay\nG. Gus\nH. Hal\nI. Ivy\nPlease select the correct answer from the options above. ")


def test_a_constant_letter_scores_by_question_subtask_and_meta_task(lmu, tmp_path):
    r = run_tasks([load_task(TASK)], lmu, tmp_path / "run", "A").tasks[TASK]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6
    assert r.metrics["accuracy"].value == pytest.approx(1 / 3) and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups["category"] == {"color_recognition": 1.0, "celebrity_recognition": 0.0, "counting_by_category": 0.5, "spot_the_diff": 0.0}
    # By questions (1 of 3); report_acc_MMT would give visual_recognition the mean of its subtasks, (1.0 + 0.0) / 2.
    assert groups["l2-category"] == pytest.approx({"visual_recognition": 1 / 3, "counting": 0.5, "multiple_image_analysis": 0.0})


@pytest.mark.parametrize("form", ["{}", "({})", "The answer is {}.", "**{}**"])
def test_letters_past_d_are_read_as_can_infer_reads_them(lmu, tmp_path, form):
    """can_infer's option-letter rule takes any of the question's own letters (E, I here); its "answer is X" rule only A-D."""
    r = run_tasks([load_task(TASK)], lmu, tmp_path / "run", "", adapter=Scripted(form)).tasks[TASK]
    records = {rec.id: rec for rec in iter_samples(tmp_path / "run", TASK)}
    assert records["1"].extracted == "I" and records["3"].extracted == "E"
    assert r.metrics["accuracy"].value == 1.0


def test_an_answer_is_past_d_is_not_read_and_a_letter_not_among_the_options_is_wrong(lmu, tmp_path):
    run_tasks([load_task(TASK)], lmu, tmp_path / "run", "the answer is e, I think so")
    records = {rec.id: rec for rec in iter_samples(tmp_path / "run", TASK)}
    # "I" is a word here: the nine-option question reads it as its option I (can_infer does the same); the five-option
    # question has no I and "answer is e" is past A-D: unparsed (wrong, counted), where VLMEvalKit says Z without a judge.
    assert records["1"].extracted == "I" and records["3"].extracted is None and records["3"].extraction_rule == "unparsed"


def test_a_list_of_images_in_a_cell_and_a_gap_in_the_options_are_that_rows_error(tmp_path):
    write_mmt_bench(tmp_path)
    path = tmp_path / "LMUData" / "MMT-Bench_VAL.tsv"
    frame = pd.read_csv(path, sep="\t")
    frame["image"] = frame["image"].astype(object)
    frame.loc[frame["index"] == 3, "image"] = str([frame.loc[0, "image"], frame.loc[1, "image"]])  # the _MI files' cell
    frame.loc[frame["index"] == 4, "B"] = None  # options A, C: no B
    frame.to_csv(path, sep="\t", index=False)
    r = run_tasks([load_task(TASK)], tmp_path, tmp_path / "run", "A").tasks[TASK]
    assert r.n_samples == 6 and r.n_errors == 2
    errors = {rec.id: rec.error for rec in iter_samples(tmp_path / "run", TASK) if rec.error}
    assert set(errors) == {"3", "4"} and "list of images" in errors["3"] and "without a gap" in errors["4"]


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_random_vlm_runs_the_task_end_to_end(lmu, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter
    from evals.spec.task import with_generation

    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    try:  # four new tokens show the whole path (the task asks for 32)
        results = run_tasks([with_generation(load_task(TASK), max_new_tokens=4)], lmu, tmp_path / "run", "", adapter=adapter)
    finally:
        adapter.close()
    r = results.tasks[TASK]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
    assert all(rec.prediction is not None and rec.error is None for rec in iter_samples(tmp_path / "run", TASK))
