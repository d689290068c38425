"""MATH-Vision (tasks/mcq/mathvision.yaml): both splits end to end on a fixture mirror in MathLLMs/MathVision's schema,
the requests as the official inference builds them, and a tiny VLM run.

The expected texts are what MATH-V's ``geninput`` (mathllm/MATH-V models/Qwen-VL.py, commit a1f5cc3: the chain-of-thought
prompt) returned for these fixture rows, run in a throwaway script outside the repository; the image goes first, as
there (its trailing line break is not sent).
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import MATHVISION_DAYS, mathvision_parts, write_mathvision

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = ["mathvision_test", "mathvision_testmini"]
INSTRUCTION = ('Please solve the problem step by step and put your answer in one "\\boxed{}". If it is a multiple choice question, '
               'only one letter is allowed in the "\\boxed{}".')


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mathvision(tmp_path_factory.mktemp("mathvision"))


def _records(run, name):
    return {r.id: json.loads(r.model_dump_json()) for r in iter_samples(run, name)}


def test_both_splits_load_and_score_as_the_official_evaluator(mirror, tmp_path):
    specs = [load_task(n) for n in TASKS]
    assert [(s.dataset.path, s.dataset.name, s.dataset.split) for s in specs] == [
        ("MathLLMs/MathVision", None, "test"), ("MathLLMs/MathVision", None, "testmini")]
    assert [[sc.name for sc in s.scorers] for s in specs] == [["mathvision_match"]] * 2
    # "\boxed{0.5}" reads "\frac{1}{2}" (the official 0.5 rewrite): equal to "$\frac{1}{2}$" as a number, nothing else.
    results = run_tasks(specs, mirror, tmp_path / "run", "\\boxed{0.5}")
    test, mini = (results.tasks[n] for n in TASKS)
    assert (test.n_samples, mini.n_samples) == (4, 3)
    for r in (test, mini):
        assert r.n_errors == 0 and r.n_scored == r.n_samples and r.dataset.origin.startswith("mirror:")
        assert r.metrics["unparsed_rate"].value == 0.0
    assert test.metrics["accuracy"].value == pytest.approx(1 / 4) and mini.metrics["accuracy"].value == pytest.approx(1 / 3)
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in test.subgroups}
    assert groups == {"subject": {"logic": 0.0, "arithmetic": 0.0, "metric geometry - area": 1.0},
                      "level": {"1": 0.0, "2": 0.0, "3": 0.0, "4": 1.0}}
    records = _records(tmp_path / "run", "mathvision_test")
    assert {(r["extracted"], r["extraction_rule"]) for r in records.values()} == {("\\frac{1}{2}", "boxed")}


def test_the_requests_are_the_official_prompts_image_first(mirror, tmp_path):
    run_tasks([load_task("mathvision_test")], mirror, tmp_path / "run", "C")
    rows = {r["id"]: r for r in mathvision_parts()[0].rows}
    records = _records(tmp_path / "run", "mathvision_test")
    expected = {
        "6": f"{INSTRUCTION}\nMisty the cat has five kittens. In which picture can we see the kittens of Misty?\n<image1>",  # options A-E: not shown
        "5": f"{INSTRUCTION}\nWhich number do you have to write in the last daisy?\n<image1>",
        "12": f"{INSTRUCTION}\nWhich day of the week was the first of the month shown?\n<image1>\n"
              + "\n".join(f"({letter}) {day}" for letter, day in zip("ABCDE", MATHVISION_DAYS)),
    }
    for pid, text in expected.items():
        [turn] = records[pid]["prompt"]
        assert turn["content"] == [{"type": "image", "sha": image_part(rows[pid]["decoded_image"]).sha}, {"type": "text", "text": text}]
    # "C" is the letter of "Friday" (row 12) and the letter answer nowhere else: right once.
    assert {pid: r["scores"]["mathvision_match"]["score"] for pid, r in records.items()} == {"6": 0.0, "5": 0.0, "12": 1.0, "1001": 0.0}


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers_the_testmini_split(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "mathvision_testmini", mirror, tmp_path / "run")  # a few tokens show the requests run (the task asks for 4096)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 3
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
