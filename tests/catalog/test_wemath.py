"""We-Math testmini (tasks/mcq/wemath.yaml): row accuracy and the official Score (Strict) / Score (Loose) over problems
on a fixture mirror in We-Math/We-Math's schema, the requests as lmms-eval builds the text, and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import WEMATH_OPTION, wemath_rows, write_wemath

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = ["wemath_testmini", "wemath_testmini_strict", "wemath_testmini_loose"]


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_wemath(tmp_path_factory.mktemp("wemath"))


def test_row_accuracy_and_the_official_problem_scores(mirror, tmp_path):
    specs = [load_task(n) for n in TASKS]
    assert [(s.dataset.path, s.dataset.split, s.question_reducer, [sc.name for sc in s.scorers]) for s in specs] == [
        ("We-Math/We-Math", "testmini", None, ["wemath_match"]), ("We-Math/We-Math", "testmini", "wemath_strict", ["wemath_score"]),
        ("We-Math/We-Math", "testmini", "wemath_loose", ["wemath_score"])]
    # A constant "B" (read: it starts with its letter): 2steps_1 is IG (0.5), 2steps_2 RM strict / CM loose, 3steps_1 CM,
    # 3steps_2 RM; 9 of the 14 rows are right.
    results = run_tasks(specs, mirror, tmp_path / "run", "B")
    rows, strict, loose = (results.tasks[n] for n in TASKS)
    for r in (rows, strict, loose):
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 14
    assert rows.metrics["accuracy"].value == pytest.approx(9 / 14) and rows.metrics["accuracy"].n == 14
    assert strict.metrics["score"].value == pytest.approx(0.375) and strict.metrics["score"].n == 4
    assert loose.metrics["score"].value == pytest.approx(0.625) and loose.metrics["score"].n == 4
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in rows.subgroups}
    assert groups["key"] == {"2steps_1": 0.5, "2steps_2": 1.0, "2steps_multi": 0.5, "3steps_1": 0.5, "3steps_2": 0.5,
                             "3steps_3": 0.5, "3steps_multi": 1.0}
    # Without "Answer" in it, an answer is read only from its first character.
    unread = run_tasks([specs[1]], mirror, tmp_path / "unread", "The answer is B").tasks[TASKS[1]]
    assert unread.metrics["score"].value == 0.0 and unread.metrics["unparsed_rate"].value == 1.0


def test_the_requests_are_the_image_then_question_and_options(mirror, tmp_path):
    run_tasks([load_task("wemath_testmini")], mirror, tmp_path / "run", "<Thought process>: ...\n<Answer>: A")
    records = {r.id: json.loads(r.model_dump_json()) for r in iter_samples(tmp_path / "run", "wemath_testmini")}
    for row in wemath_rows():
        [turn] = records[str(row["question number"])]["prompt"]
        assert turn["content"] == [{"type": "image", "sha": image_part(row["image_path"]).sha},
                                   {"type": "text", "text": f"{row['question']}\n{WEMATH_OPTION}"}]
        assert records[str(row["question number"])]["extracted"] == "A"


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers_the_strict_task(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "wemath_testmini_strict", mirror, tmp_path / "run")  # a few tokens show the requests run (the task asks for 2048)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 14
    assert 0.0 <= r.metrics["score"].value <= 1.0
