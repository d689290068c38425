"""DynaMath (tasks/mcq/dynamath.yaml): the ten variant splits read as one task on a fixture mirror in
DynaMath/DynaMath_Sample's layout, average-case and worst-case accuracy, the requests as VLMEvalKit builds them, and a
tiny VLM run.

The expected texts are what VLMEvalKit's ``Dynamath.build_prompt`` (open-compass/VLMEvalKit vlmeval/dataset/dynamath.py,
commit e8e78f05f3080fe28154f2130321f17951c3be94) returned for these fixture questions, run in a throwaway script outside
the repository; the image goes first, as there.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import DYNAMATH_SEEDS, dynamath_rows, write_dynamath

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = ["dynamath", "dynamath_worst_case"]
_HEAD = ("\n## Answer Instruction Please provide an answer to the question outlined above. Your response should adhere to the "
         "following JSON format, which includes two keys: 'solution' and 'short answer'. The 'solution' key can contain detailed "
         "steps needed to solve the question, and the 'short answer' key should provide a concise response. ")
_TAIL = ('\n\nExample of expected JSON response format:\n\n{\n    "solution": "[Detailed step-by-step explanation]",\n'
         '    "short answer": "[Concise Answer]"\n}')
INSTRUCTIONS = {
    "float": "Format the answer as a three-digit floating-point number and provide it in the 'short answer' key.",
    "multiple choice": "Provide the corresponing choice option in the 'short answer' key, such as 'A', 'B', 'C', or 'D'.",
    "text": "Float numbers in the answer should be formatted as three-digit floating-point numbers.",
}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_dynamath(tmp_path_factory.mktemp("dynamath"))


def _records(run, name):
    return {r.id: json.loads(r.model_dump_json()) for r in iter_samples(run, name)}


def test_average_and_worst_case_over_the_ten_variant_splits(mirror, tmp_path):
    specs = [load_task(n) for n in TASKS]
    assert [(s.dataset.path, s.dataset.split, s.dataset.loader) for s in specs] == [
        ("DynaMath/DynaMath_Sample", "sample_variant1", "dynamath_variants")] * 2
    assert [s.question_reducer for s in specs] == [None, "all_right"]
    # Seed 5's answer is B in all ten variants, seed 7's in nine (A in variant 10); B reads as no number (seed 1, unparsed)
    # and, VLMEvalKit's substring test, is right for seed 2 where the month is Feb (variants 3 and 9).
    results = run_tasks(specs, mirror, tmp_path / "run", '{"solution": "It is B.", "short answer": "B"}')
    avg, worst = (results.tasks[n] for n in TASKS)
    for r in (avg, worst):
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 40 and r.dataset.origin.startswith("mirror:")
    assert avg.reducer is None and worst.reducer == "all_right"
    assert avg.metrics["accuracy"].value == pytest.approx(21 / 40) and avg.metrics["accuracy"].n == 40
    assert worst.metrics["accuracy"].value == pytest.approx(1 / 4) and worst.metrics["accuracy"].n == 4
    assert avg.metrics["unparsed_rate"].value == pytest.approx(10 / 40)
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in worst.subgroups}
    assert groups == {"subject": {"analytic geometry": 0.0, "statistics": 0.5, "algebra": 0.0},
                      "knowledge_level": {"high school": 0.0, "elementary school": 0.5}}
    records = _records(tmp_path / "run", "dynamath")
    assert {(r["id"], r["extracted"], r["extraction_rule"]) for r in records.values() if r["id"].startswith(("1_", "7_"))} == {
        *((f"1_{k}", None, "unparsed") for k in range(1, 11)), *((f"7_{k}", "B", "json") for k in range(1, 11))}
    assert [records[f"7_{k}"]["scores"]["dynamath_match"]["score"] for k in range(1, 11)] == [1.0] * 9 + [0.0]
    assert [records[f"2_{k}"]["scores"]["dynamath_match"]["score"] for k in range(1, 11)] == [0, 0, 1.0, 0, 0, 0, 0, 0, 1.0, 0]


def test_the_requests_are_vlmevalkits_prompts_image_first(mirror, tmp_path):
    run_tasks([load_task("dynamath")], mirror, tmp_path / "run", "2.094")
    records = _records(tmp_path / "run", "dynamath")
    for k in (1, 10):
        for row in dynamath_rows(k):
            [turn] = records[f"{row['id']}_{k}"]["prompt"]
            text = f"## Question\n {row['question']}{_HEAD}{INSTRUCTIONS[row['answer_type']]}{_TAIL}"
            assert turn["content"] == [{"type": "image", "sha": image_part(row["decoded_image"]).sha}, {"type": "text", "text": text}]
    # "2.094" read directly (no JSON): right for seed 1 where the variant's answer is 2.094 (variants 1, 5, 8).
    assert [records[f"1_{k}"]["scores"]["dynamath_match"]["score"] for k in range(1, 11)] == [1.0, 0, 0, 0, 1.0, 0, 0, 1.0, 0, 0]
    assert len(DYNAMATH_SEEDS) == 4


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers_the_worst_case_task(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "dynamath_worst_case", mirror, tmp_path / "run", limit=8)  # a few tokens show the requests run (the task asks for 2048)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 8
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
