"""VLMs Are Blind (tasks/vqa/vlmsareblind.yaml) end to end on a fixture mirror in XAI/vlmsareblind's schema: lmms-eval's request
(the image, the prompt column, its post-prompt), answers read by each sample's task, accuracy by the paper's 8 tasks (the two
counting grids one), and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import vlmsareblind_parts, write_vlmsareblind

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_vlmsareblind(tmp_path_factory.mktemp("vlmsareblind"))


def test_accuracy_and_the_paper_tasks_as_lmms_eval_reads_them(mirror, tmp_path):
    spec = load_task("vlmsareblind")
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("XAI/vlmsareblind", None, "valid")
    results = run_tasks([spec], mirror, tmp_path / "run", "{2}")  # read on line plot (right) and subway (wrong), unparsed elsewhere
    r = results.tasks["vlmsareblind"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["accuracy"].value == pytest.approx(1 / 6) and r.metrics["unparsed_rate"].value == pytest.approx(4 / 6)
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"task_group": {"line plot intersections": 1.0, "touching circles": 0.0, "circled letter": 0.0,
                                     "counting grid": 0.0, "subway connections": 0.0}}
    records = {rec.id: rec for rec in iter_samples(tmp_path / "run", "vlmsareblind")}
    assert sorted(((rec.extracted or ""), rec.extraction_rule) for rec in records.values()) == [
        ("", "unparsed")] * 4 + [("2", "number")] * 2


def test_the_request_is_the_image_then_the_prompt_and_lmms_evals_post_prompt(mirror, tmp_path):
    run_tasks([load_task("vlmsareblind")], mirror, tmp_path / "run", "rows={3} columns={4}")
    rows = vlmsareblind_parts()[0].rows
    by_image = {image_part(r["image"]).sha: r for r in rows}
    seen = 0
    for rec in iter_samples(tmp_path / "run", "vlmsareblind"):
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        row = by_image[image["sha"]]
        assert text == {"type": "text", "text": row["prompt"] + "\nAnswer only in the required format."}
        right = row["task"] == "Counting Grid - Blank Grids"
        assert rec.scores["vlmsareblind_match"]["score"] == (1.0 if right else 0.0), row["task"]
        seen += 1
    assert seen == 6


def test_a_row_without_its_task_is_an_error():
    spec = load_task("vlmsareblind")
    row = vlmsareblind_parts()[0].rows[0]
    assert "task is empty" in RequestPlanner(spec).plan(0, {**row, "task": ""}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "vlmsareblind", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
