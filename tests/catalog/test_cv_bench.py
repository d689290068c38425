"""CV-Bench test (tasks/mcq/cv_bench.yaml): end to end on a fixture mirror in nyu-visionx/CV-Bench's layout (the default
config both of test_2d.parquet and test_3d.parquet), the request as VLMEvalKit's CVBench builds it, the card's overall
formula, and a tiny VLM run.

The expected request is what open-compass/VLMEvalKit vlmeval/dataset/image_mcq.py (commit e8e78f0) ``CVBench.build_prompt``
sends: the image, then the ``prompt`` column as it is. The expected figure is the card's: ((ADE20K + COCO) / 2 + Omni3D) / 2.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import CV_BENCH_ROWS, cv_bench_rows, write_cv_bench

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_cv_bench(tmp_path_factory.mktemp("cv_bench"))


def test_the_figure_is_the_cards_formula_over_both_files(mirror, tmp_path):
    spec = load_task("cv_bench")
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("nyu-visionx/CV-Bench", None, "test")
    assert [s.name for s in spec.scorers] == ["cv_bench_accuracy"] and spec.judge.optional
    r = run_tasks([spec], mirror, tmp_path / "run", "(A)").tasks["cv_bench"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == len(CV_BENCH_ROWS) and r.dataset.origin.startswith("mirror:")
    m = {k: v.value for k, v in r.metrics.items()}
    # (A) is right for 1 of 2 ADE20K questions, both COCO ones, 1 of 2 Omni3D ones
    assert m["accuracy_ade20k"] == 0.5 and m["accuracy_coco"] == 1.0 and m["accuracy_omni3d"] == 0.5
    assert m["accuracy_2d"] == 0.75 and m["accuracy_3d"] == 0.5
    assert m["accuracy"] == pytest.approx(((0.5 + 1.0) / 2 + 0.5) / 2) == pytest.approx(0.625)
    assert m["sample_accuracy"] == pytest.approx(4 / 6) and m["unparsed_rate"] == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups["type"] == {"2D": 0.75, "3D": 0.5}  # 2D: the mean over its sources, not 3 of 4
    assert groups["source"] == {"ADE20K": 0.5, "COCO": 1.0, "Omni3D": 0.5}
    assert groups["task"] == {"Count": 0.75, "Relation": 1.0, "Depth": 0.0, "Distance": 1.0}


def test_the_request_is_the_image_then_the_prompt_column(mirror, tmp_path):
    run_tasks([load_task("cv_bench")], mirror, tmp_path / "run", "I cannot tell.")
    rows = {str(r["idx"]): r for kind in ("2D", "3D") for r in cv_bench_rows(kind)}
    records = list(iter_samples(tmp_path / "run", "cv_bench"))
    assert sorted(rec.id for rec in records) == sorted(rows)
    for rec in records:
        row = rows[rec.id]
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        assert image["sha"] == image_part(row["image"]).sha
        assert text == {"type": "text", "text": row["prompt"]}
        assert rec.extracted is None and rec.extraction_rule == "unparsed" and rec.scores["cv_bench_accuracy"]["score"] == 0.0


def test_an_answer_past_the_options_is_the_rows_error():
    spec = load_task("cv_bench")
    row = cv_bench_rows("3D")[0]
    assert RequestPlanner(spec).plan(0, row).error is None
    assert "not among the 2 choices" in RequestPlanner(spec).plan(0, {**row, "answer": "(C)"}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "cv_bench", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == len(CV_BENCH_ROWS)
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
