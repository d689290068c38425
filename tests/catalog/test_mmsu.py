"""MMSU (tasks/audio/mmsu.yaml) end to end on a fixture mirror of ddwang2000/MMSU: the official prompt after the clip,
the answer read as the official evaluation reads it; then a tiny random Qwen2-Audio hearing the clips."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from helpers import run_cli, tiny_vlm_results
from make_fixtures import write_mmsu

from evals.spec.catalog import load_task

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "mmsu_official.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmsu(tmp_path_factory.mktemp("mmsu"))


def test_the_official_prompt_and_reading(mirror, tmp_path):
    spec = load_task("mmsu")
    assert (spec.dataset.path, spec.dataset.split) == ("ddwang2000/MMSU", "train")
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "mmsu", "B")
    # "B" is right where the answer is the second option (rows 0 and 2 of make_fixtures.MMSU_ROWS)
    metrics = {k: v["value"] for k, v in res["metrics"].items()}
    assert metrics == pytest.approx({"accuracy": 0.5, "accuracy_official": 0.5, "unparsed_rate": 0.0})
    groups = {s["field"]: {g: v["accuracy"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}
    assert groups["category"] == pytest.approx({"Perception": 0.5, "Reasoning": 0.5})
    official = {p["id"]: p["prompt"] for p in OFFICIAL["prompts"]}
    for rec in records:
        [turn] = rec["prompt"]
        audio, text = turn["content"]
        assert audio["type"] == "audio" and text == {"type": "text", "text": official[rec["id"]]}


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_qwen2_audio_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "mmsu", mirror, tmp_path / "run", family="qwen2_audio", limit=2)
    assert r.n_errors == 0 and r.n_samples == 2
