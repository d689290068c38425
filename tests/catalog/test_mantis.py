"""Mantis-Eval (tasks/mcq/mantis_eval.yaml) end to end on a fixture mirror in TIGER-Lab/Mantis-Eval's schema: the official
prompt (TIGER-AI-Lab/Mantis mantis/benchmark/eval.py ``main`` and templates/*.txt, commit f3a31920) with each image at its
``<image>`` tag and the missing tags put first, the official reading (``get_prediction``) for multiple-choice and
short-answer questions, accuracy with question type and category subgroups, and a tiny multi-image VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks
from make_fixtures import mantis_parts, write_mantis

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASK = "mantis_eval"
MC = "\nAnswer with the option's letter from the given choices directly."


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mantis(tmp_path_factory.mktemp("mantis"))


def test_accuracy_and_subgroups_as_the_official_reading_gives_them(mirror, tmp_path):
    spec = load_task(TASK)
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("TIGER-Lab/Mantis-Eval", "mantis_eval", "test")
    r = run_tasks([spec], mirror, tmp_path / "run", "A").tasks[TASK]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["accuracy"].value == 0.25 and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"question_type": {"multi-choice": pytest.approx(1 / 3), "short-answer": 0.0},
                      "category": {"Counting": 0.5, "Difference": 0.0, "Temporal": 0.0}}


def test_the_prompt_is_the_official_one_with_each_image_at_its_tag(mirror, tmp_path):
    run_tasks([load_task(TASK)], mirror, tmp_path / "run", "no idea")
    rows = {r["id"]: r for r in mantis_parts()[0].rows}
    records = {rec.id: json.loads(rec.model_dump_json()) for rec in iter_samples(tmp_path / "run", TASK)}

    def parts(i):
        [turn] = records[i]["prompt"]
        sha = [image_part(c).sha for c in rows[i]["images"]]
        return [p["text"] if p["type"] == "text" else sha.index(p["sha"]) + 1 for p in turn["content"]]

    # eval.py: " (A) option" lines unless the option is lettered ("(A) yes", "A: 1-2-3-4"), then the template; the text
    # split at <image> (pieces of only spaces and line breaks dropped), image i after piece i.
    assert parts("1") == [1, 2, " Which image shows more apples?\n (A) the first image\n (B) the second image" + MC]
    # Two tags for three images: eval.py puts the missing one first, so image 1 goes first and the tags get 2 and 3.
    assert parts("2") == [1, "Is the dog in ", 2, " the same dog as in ", 3, "?\n (A) yes\n (B) no\n (C) cannot tell" + MC]
    assert parts("3") == [1, 2, "Given the images, answer the following short answer vqa question:\nQ: How many cats are there in all "
                                "the images together?\nYou can first give your analysis, and then give your final answer as \"Final Answer:\""]
    assert parts("4") == [1, 2, 3, 4, "In what order were the photos taken?\n A: 1-2-3-4\n B: 4-3-2-1\n C: 2-1-4-3\n D: 3-4-1-2" + MC]
    # "no idea": its first letter, N, is past the options and it is no option's text: unparsed, wrong and counted.
    assert {i: rec["extraction_rule"] for i, rec in records.items()} == {"1": "unparsed", "2": "unparsed", "3": "short_answer", "4": "unparsed"}


@pytest.mark.parametrize("answer, right", [
    ("Final Answer: 5", {"3"}),                       # short answer right; "5" has no letter and names no option
    ("Because the first image has more, A", {"2"}),   # get_option reads the first letter: B
    ("the first image", {"1"}),                       # T is past the options: the option's text
    ("D", {"4"}),
    ("3-4-1-2", {"4"}),                               # question 4's option D without its "D: " prefix
])
def test_answers_are_read_as_get_prediction_reads_them(mirror, tmp_path, answer, right):
    run_tasks([load_task(TASK)], mirror, tmp_path / "run", answer)
    scores = {rec.id: rec.scores["mantis_accuracy"]["score"] for rec in iter_samples(tmp_path / "run", TASK)}
    assert {i for i, s in scores.items() if s == 1.0} == right


def test_every_image_is_in_the_request_key_and_too_many_images_is_the_rows_error():
    spec = load_task(TASK)
    row = mantis_parts()[0].rows[1]
    images = row["images"]
    keys = {RequestPlanner(spec).plan(0, row).request.key}
    for k in range(3):
        other = [*images[:k], {"bytes": images[k]["bytes"] + b"\0", "path": None}, *images[k + 1:]]
        keys.add(RequestPlanner(spec).plan(0, {**row, "images": other}).request.key)
    assert len(keys) == 4
    sample = RequestPlanner(spec).plan(0, {**row, "images": images * 6})
    assert sample.error is not None and "more than the 16" in sample.error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_multi_image_vlm_answers_interleaved_images(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter
    from evals.spec.task import with_generation

    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    try:  # four new tokens show the whole path (the task asks for 512)
        results = run_tasks([with_generation(load_task(TASK), max_new_tokens=4)], mirror, tmp_path / "run", "", adapter=adapter)
    finally:
        adapter.close()
    r = results.tasks[TASK]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
