"""MMMU-Pro (tasks/mcq/mmmu_pro.yaml): both settings end to end on a fixture mirror in MMMU/MMMU_Pro's schema, the requests
as the official inference builds them, the suite's figure as the mean of the two, and a tiny multi-image VLM run.

The expected texts are what MMMU-Benchmark/MMMU mmmu-pro/infer/infer_transformers.py (commit bb0b95a) ``process_prompt``
returned for these fixture rows with mmmu-pro/prompts.yaml's ``direct`` prompts (run in a throwaway script outside the
repository): the question and ``A. option`` lines with each ``<image N>`` tag replaced by ``[image]``, the instruction,
then the images one per tag in tag order (``image_1, image_1, image_3, image_2`` for the first row; its untagged
``image_4`` is not sent); the vision setting sends its one instruction and the screenshot.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks
from make_fixtures import mmmu_pro_parts, write_mmmu_pro

from evals.data.media import image_part
from evals.results import iter_samples, suite_result
from evals.spec.catalog import load_suite, load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = ["mmmu_pro_standard", "mmmu_pro_vision"]
STANDARD_INSTRUCTION = "Answer with the option letter from the given choices directly."
VISION_INSTRUCTION = ("Answer with the option letter from the given choices directly. The last line of your response should be of the "
                      "following format: 'Answer: $LETTER' (without quotes) where LETTER is one of options.")
OFFICIAL_FIRST_ROW = ("[image] Which work shares the technique of the painting shown? [image] is a detail.\nA. [image]\nB. a fresco\n"
                      "C. a mosaic\nD. an etching\nE. a woodcut\nF. [image]\nG. a lithograph\nH. a tapestry\nI. a mural\nJ. a pastel\n"
                      + STANDARD_INSTRUCTION)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmmu_pro(tmp_path_factory.mktemp("mmmu-pro"))


def _records(run, name):
    return {r.id: json.loads(r.model_dump_json()) for r in iter_samples(run, name)}


def test_both_settings_load_read_their_configs_and_score_as_the_official_evaluator(mirror, tmp_path):
    specs = [load_task(n) for n in TASKS]
    assert [(s.dataset.path, s.dataset.name, s.dataset.split) for s in specs] == [
        ("MMMU/MMMU_Pro", "standard (10 options)", "test"), ("MMMU/MMMU_Pro", "vision", "test")]
    assert [[sc.name for sc in s.scorers] for s in specs] == [["mmmu_pro_accuracy"]] * 2
    # Answers: standard F, C, J; vision C, J, A. "Answer: A" is the official answer line: right once, in vision only.
    results = run_tasks(specs, mirror, tmp_path / "run", "Answer: A")
    standard, vision = (results.tasks[n] for n in TASKS)
    for r in (standard, vision):
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 3 and r.dataset.origin.startswith("mirror:")
        assert r.metrics["unparsed_rate"].value == 0.0
    assert standard.metrics["accuracy"].value == 0.0 and vision.metrics["accuracy"].value == pytest.approx(1 / 3)
    assert {g: v["accuracy"].value for g, v in next(s for s in vision.subgroups if s.field == "subject").groups.items()} == pytest.approx(
        {"Math": 0.0, "Physics": 0.0, "History": 1.0})
    assert [s.field for s in standard.subgroups] == ["subject", "topic_difficulty"]
    # The suite's figure (the model cards' MMMU-Pro) is the mean of the two settings, as percentages.
    suite = load_suite("mmmu_pro")
    assert suite.tasks == TASKS
    overall = suite_result("mmmu_pro", [standard, vision], suite.aggregate.metric, suite.aggregate.scale, suite.aggregate.decimals,
                           suite.aggregate.weight)
    assert overall.metric == "accuracy" and overall.mean == pytest.approx(100 * (0 + 1 / 3) / 2)
    records = _records(tmp_path / "run", "mmmu_pro_vision")
    assert {(r["extracted"], r["extraction_rule"]) for r in records.values()} == {("A", "answer_line")}


def test_the_requests_are_the_official_inferences(mirror, tmp_path):
    run_tasks([load_task(n) for n in TASKS], mirror, tmp_path / "run", "A")
    standard_rows, vision_rows = (p.rows for p in mmmu_pro_parts())
    sha = {row["id"]: {k: image_part(row[k]).sha for k in row if k.startswith("image") and row[k] is not None} for row in standard_rows}

    [turn] = _records(tmp_path / "run", "mmmu_pro_standard")["validation_Art_Theory_27"]["prompt"]
    assert turn["role"] == "user"
    text, *images = turn["content"]
    assert text == {"type": "text", "text": OFFICIAL_FIRST_ROW}
    first = sha["validation_Art_Theory_27"]
    assert [p["sha"] for p in images] == [first["image_1"], first["image_1"], first["image_3"], first["image_2"]]
    assert all(p["type"] == "image" for p in images) and first["image_4"] not in {p["sha"] for p in images}

    [turn] = _records(tmp_path / "run", "mmmu_pro_standard")["test_Math_118"]["prompt"]
    assert turn["content"][0]["text"] == ("In [image], what is the perimeter of the triangle?\n"
                                          + "\n".join(f"{letter}. {n}" for letter, n in zip("ABCDEFGHIJ", range(12, 40, 3)))
                                          + "\n" + STANDARD_INSTRUCTION)
    assert [p.get("sha") for p in turn["content"][1:]] == [sha["test_Math_118"]["image_1"]]

    [turn] = _records(tmp_path / "run", "mmmu_pro_vision")["test_Math_118"]["prompt"]
    assert turn["content"] == [{"type": "text", "text": VISION_INSTRUCTION},
                               {"type": "image", "sha": image_part(vision_rows[0]["image"]).sha}]


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_multi_image_vlm_answers_both_settings(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    specs = [load_task(n) for n in TASKS]  # a few tokens are enough to show the requests run (the tasks ask for 50)
    specs = [s.model_copy(update={"generation": s.generation.model_copy(update={"max_new_tokens": 4})}) for s in specs]
    try:
        results = run_tasks(specs, mirror, tmp_path / "run", "", adapter=adapter)
    finally:
        adapter.close()
    for name in TASKS:
        r = results.tasks[name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 3, name
        assert 0.0 <= r.metrics["accuracy"].value <= 1.0


def test_a_tag_naming_an_empty_image_column_is_the_rows_error_and_untagged_images_are_not_sent():
    from evals.spec.preprocess import mmmu_pro

    row = {"id": "x", "question": "See <image 2>.", "options": "['<image 1>', 'b']", "answer": "A",
           **{f"image_{k}": None for k in range(1, 8)}, "image_1": "one", "image_2": "two", "image_5": "five"}
    out = mmmu_pro(row)
    assert out["question_text"] == "See [image]." and out["options_text"] == "A. [image]\nB. b"
    assert out["image_slots"] == [2, 1] and out["image_5"] is None and out["choices"] == ["<image 1>", "b"]
    with pytest.raises(ValueError, match="image_3, which is empty"):
        mmmu_pro({**row, "question": "See <image 3>."})
    assert mmmu_pro({"id": "v", "image": "page", "options": "['a', 'b']", "answer": "B"}) == {
        "id": "v", "image": "page", "options": "['a', 'b']", "answer": "B", "choices": ["a", "b"]}
