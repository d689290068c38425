"""OSWorld-G (tasks/grounding/osworld_g.yaml) end to end on a fixture mirror in MMInstruction/OSWorld-G's schema: lmms-eval's
prompt, a click in a box or a polygon or [-1, -1] for an absent target, accuracy by box type, and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import osworld_g_parts, write_osworld_g

from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_osworld_g(tmp_path_factory.mktemp("osworld_g"))


def _groups(r):
    return {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}


def test_accuracy_and_box_types(mirror, tmp_path):
    spec = load_task("osworld_g")
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("MMInstruction/OSWorld-G", None, "test")
    r = run_tasks([spec], mirror, tmp_path / "run", "[0.1, 0.15]").tasks["osworld_g"]  # (20, 15) in pixels
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0
    assert _groups(r) == {"box_type": {"bbox": 1.0, "polygon": 0.0, "refusal": 0.0}}
    r = run_tasks([spec], mirror, tmp_path / "run2", "[-1, -1]").tasks["osworld_g"]  # the absent target only
    assert r.metrics["accuracy"].value == 0.25 and _groups(r) == {"box_type": {"bbox": 0.0, "polygon": 0.0, "refusal": 1.0}}
    r = run_tasks([spec], mirror, tmp_path / "run3", "(110, 20)").tasks["osworld_g"]  # pixels, inside the polygon
    assert r.metrics["accuracy"].value == 0.25 and _groups(r)["box_type"]["polygon"] == 1.0
    r = run_tasks([spec], mirror, tmp_path / "run4", "I cannot find it.").tasks["osworld_g"]
    assert r.metrics["accuracy"].value == 0.0 and r.metrics["unparsed_rate"].value == 1.0


def test_the_request_is_the_screenshot_then_lmms_evals_prompt(mirror, tmp_path):
    run_tasks([load_task("osworld_g")], mirror, tmp_path / "run", "[0, 0]")
    rows = osworld_g_parts()[0].rows
    for rec, row in zip(iter_samples(tmp_path / "run", "osworld_g"), rows):
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        assert image["type"] == "image" and text["text"] == (
            "Identify the UI target for the instruction and output exactly one click point as [x, y]. You may use either "
            "normalized coordinates in [0, 1] or absolute pixel coordinates. If the target does not exist, output [-1, -1].\n"
            f"Instruction: {row['instruction']}")


def test_a_row_without_a_screen_size_is_its_error():
    row = osworld_g_parts()[0].rows[0]
    assert "image_size" in RequestPlanner(load_task("osworld_g")).plan(0, {**row, "image_size": [0, 100]}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "osworld_g", mirror, tmp_path / "run", limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
