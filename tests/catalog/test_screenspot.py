"""ScreenSpot, ScreenSpot-v2 and ScreenSpot-Pro (tasks/grounding/screenspot.yaml) end to end on fixture mirrors in the benchmarks' own
layouts (make_fixtures.write_screenspot): the screenshot then lmms-eval's prompt (recorded from its doc_to_text in
tests/conformance/data/screenspot_official.json), the target box in pixels (ScreenSpot-v2's [x, y, w, h] made corners),
accuracy and its subgroups hand-computed, a screenshot missing or named outside the images folder as that sample's
error, and a tiny Qwen2.5-VL answering."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from helpers import run_tasks
from make_fixtures import SCREENSPOT_PRO, SCREENSPOT_V2, write_screenspot

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "screenspot_official.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_screenspot(tmp_path_factory.mktemp("screenspot"))


def test_the_centre_click_against_each_target_with_the_official_prompt(mirror, tmp_path):
    """(100, 50) on the 200x100 screenshots: Pro hits vscode_macos_0 [90, 40, 110, 60] only; v2 hits [100, 50, 160, 80]
    (its corner: edges count) and [90, 40, 110, 60], not [20, 10, 60, 30]; v1 hits [90, 40, 110, 60] only."""
    results = run_tasks([load_task(n) for n in ("screenspot_pro", "screenspot_v2", "screenspot")], mirror, tmp_path / "run", "[0.5, 0.5]").tasks
    pro, v2, v1 = results["screenspot_pro"], results["screenspot_v2"], results["screenspot"]
    assert pro.n_errors == v2.n_errors == 0 and pro.n_scored == v2.n_scored == 3
    assert pro.metrics["accuracy"].value == pytest.approx(1 / 3) and v2.metrics["accuracy"].value == pytest.approx(2 / 3)
    groups = {s.field: {g: m["accuracy"].value for g, m in s.groups.items()} for s in pro.subgroups}
    assert groups == {"ui_type": {"icon": 1.0, "text": 0.0}, "group": {"Dev": 0.5, "Office": 0.0},
                      "application": {"vscode": 0.5, "word": 0.0}}
    groups = {s.field: {g: m["accuracy"].value for g, m in s.groups.items()} for s in v2.subgroups}
    assert groups["data_type"] == {"icon": 0.5, "text": 1.0}
    assert groups["annotation_file"] == {"screenspot_mobile_v2": 0.5, "screenspot_web_v2": 1.0}
    assert v1.n_errors == 0 and v1.n_scored == 3 and v1.metrics["accuracy"].value == pytest.approx(1 / 3)
    groups = {s.field: {g: m["accuracy"].value for g, m in s.groups.items()} for s in v1.subgroups}
    assert groups == {"data_type": {"icon": 0.5, "text": 0.0}, "data_source": {"ios": 0.5, "windows": 0.0}}
    [first, *_] = iter_samples(tmp_path / "run", "screenspot_v2")
    assert first.references == ["[20.0, 10.0, 60.0, 30.0]"] and first.cluster == "mobile_0001.png"  # [x, y, w, h] made corners
    assert [p["type"] for p in first.prompt[0]["content"]] == ["image", "text"]
    assert first.prompt[0]["content"][1]["text"] == OFFICIAL["prompts"][0]["screenspot_v2_doc_to_text"]
    [first, *_] = iter_samples(tmp_path / "run", "screenspot_pro")
    assert first.id == "vscode_macos_0" and first.prompt[0]["content"][1]["text"] == OFFICIAL["prompts"][1]["screenspot_pro_doc_to_text"]


def test_a_screenshot_missing_or_outside_the_images_folder_is_that_sample_s_error(tmp_path):
    root = write_screenspot(tmp_path / "m")
    annotations = root / SCREENSPOT_PRO / "annotations" / "vscode_macos.json"
    items = json.loads(annotations.read_text())
    items[0]["img_filename"] = "../annotations/vscode_macos.json"
    annotations.write_text(json.dumps(items))
    shutil.rmtree(root / SCREENSPOT_V2 / "screenspotv2_image")
    (root / SCREENSPOT_V2 / "screenspotv2_image").mkdir()
    results = run_tasks([load_task("screenspot_pro"), load_task("screenspot_v2")], root, tmp_path / "run", "[0.5, 0.5]").tasks
    assert results["screenspot_pro"].n_errors == 1 and results["screenspot_pro"].n_scored == 2
    assert results["screenspot_v2"].n_errors == 3


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_qwen2_5_vl_answers(mirror, tmp_path, tiny_model):
    from helpers import tiny_vlm_results

    r = tiny_vlm_results(tiny_model, "screenspot_pro", mirror, tmp_path / "run", family="qwen2_5_vl", max_new_tokens=8, limit=1)
    assert r.n_errors == 0 and r.n_scored == 1 and 0.0 <= r.metrics["accuracy"].value <= 1.0
