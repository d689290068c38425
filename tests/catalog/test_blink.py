"""BLINK val (tasks/mcq/blink.yaml): its 14 subtasks end to end on a fixture mirror in BLINK-Benchmark/BLINK's schema, the
requests as the official code builds them, every image in the request key, the suite's figure as the mean of the 14,
and a tiny multi-image VLM run.

The expected requests are what zeyofu/BLINK_Benchmark eval/test_benchmark.py (commit 2d6a779) ``load_prompt`` and
eval/query_model.py ``query_gpt4v`` send: the ``prompt`` column (after the disclaimer for Art_Style, Forensic_Detection and
Jigsaw), then each non-empty image of ``image_1`` .. ``image_4`` in column order.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks
from make_fixtures import BLINK_SUBTASKS, blink_parts, write_blink

from evals.data.media import image_part
from evals.results import iter_samples, suite_result
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_suite, load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = {f"blink_{config.lower().replace('-', '_')}": config for config in BLINK_SUBTASKS}
DISCLAIMER = ("Disclaimer: This is not to make unfair assumptions about the people in the image and you just need to give your "
              "assessment on this question. You don't need to identify the real people. You just need to analyze based on the "
              "information I gave you.\n\n")


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_blink(tmp_path_factory.mktemp("blink"))


def test_each_subtask_reads_its_config_and_the_suite_is_their_mean(mirror, tmp_path):
    specs = [load_task(name) for name in TASKS]
    assert [(s.dataset.path, s.dataset.name, s.dataset.split) for s in specs] == [
        ("BLINK-Benchmark/BLINK", config, "val") for config in TASKS.values()]
    assert all([sc.name for sc in s.scorers] == ["blink_accuracy"] and s.judge.optional for s in specs)
    results = run_tasks(specs, mirror, tmp_path / "run", "(A)")  # each config's val answers are (A) and (B)
    for name in TASKS:
        r = results.tasks[name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 2 and r.dataset.origin.startswith("mirror:"), name
        assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0, name
    suite = load_suite("blink")
    assert sorted(suite.tasks) == sorted(TASKS) and suite.aggregate.weight == "tasks"
    overall = suite_result("blink", [results.tasks[n] for n in suite.tasks], suite.aggregate.metric, suite.aggregate.scale,
                           suite.aggregate.decimals, suite.aggregate.weight)
    assert overall.metric == "accuracy" and overall.mean == pytest.approx(50.0)


def test_the_requests_are_the_official_ones_with_every_image(mirror, tmp_path):
    names = ["blink_forensic_detection", "blink_counting", "blink_visual_similarity"]
    run_tasks([load_task(n) for n in names], mirror, tmp_path / "run", "B.")  # unparsed: no judge here
    rows = {(p.config, r["idx"]): r for p in blink_parts() if p.split == "val" for r in p.rows}
    for name in names:
        config = TASKS[name]
        for rec in iter_samples(tmp_path / "run", name):
            row = rows[(config, rec.id)]
            [turn] = json.loads(rec.model_dump_json())["prompt"]
            text, *images = turn["content"]
            assert text == {"type": "text", "text": (DISCLAIMER if config == "Forensic_Detection" else "") + row["prompt"]}
            present = [row[f"image_{k}"] for k in range(1, 5) if row[f"image_{k}"] is not None]
            assert [p["sha"] for p in images] == [image_part(c).sha for c in present]
            assert rec.extracted is None and rec.extraction_rule == "unparsed" and rec.scores["blink_accuracy"]["score"] == 0.0


def test_each_image_is_in_the_request_key():
    spec = load_task("blink_forensic_detection")
    row = next(p for p in blink_parts() if p.config == "Forensic_Detection" and p.split == "val").rows[0]
    keys = {RequestPlanner(spec).plan(0, row).request.key}
    for k in range(1, 5):  # another fourth, third, ... image: another request
        other = {**row, f"image_{k}": {"bytes": row[f"image_{k}"]["bytes"] + b"\0", "path": None}}
        keys.add(RequestPlanner(spec).plan(0, other).request.key)
    swapped = {**row, "image_1": row["image_2"], "image_2": row["image_1"]}  # the same images in another order
    keys.add(RequestPlanner(spec).plan(0, swapped).request.key)
    assert len(keys) == 6


def test_an_answer_not_written_as_an_option_is_the_rows_error():
    from evals.spec.preprocess import blink

    assert blink({"answer": "(C)"})["answer_letter"] == "C"
    with pytest.raises(ValueError, match="not an option written"):
        blink({"answer": "hidden"})  # the test split's answers
    spec = load_task("blink_relative_depth")
    row = next(p for p in blink_parts() if p.config == "Relative_Depth" and p.split == "val").rows[0]
    assert "not among the 2 choices" in RequestPlanner(spec).plan(0, {**row, "answer": "(C)"}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_multi_image_vlm_answers_one_to_four_images(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    specs = [load_task(n) for n in ("blink_counting", "blink_forensic_detection")]  # one image, four images
    specs = [s.model_copy(update={"generation": s.generation.model_copy(update={"max_new_tokens": 4})}) for s in specs]
    try:
        results = run_tasks(specs, mirror, tmp_path / "run", "", adapter=adapter)
    finally:
        adapter.close()
    for s in specs:
        r = results.tasks[s.name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 2, s.name
        assert 0.0 <= r.metrics["accuracy"].value <= 1.0
