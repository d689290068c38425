"""FutureOmni and AVUT-Human (tasks/omni/futureomni.yaml, avut_human.yaml: OmniEvalKit's protocol) end to end on fixture
mirrors in the layouts the tasks read (FutureOmni's test.json and clips videos/<id>.mp4; AVUT's AV_Human_data.json and
videos data/<youtube id>.mp4, all with a sound track): a constant answer scored by OmniEvalKit's rules with the kit's
subgroups, the request texts the kit's own code builds (recorded in tests/conformance/data/omnievalkit_av_official.json),
and a tiny Qwen2.5-Omni seeing and hearing one FutureOmni clip.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from helpers import run_tasks
from make_fixtures import write_avut, write_futureomni

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "omnievalkit_av_official.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("omnievalkit_av")
    write_futureomni(root)
    return write_avut(root)


def test_a_constant_answer_is_scored_by_the_kits_rules_with_its_subgroups(mirror, tmp_path):
    results = run_tasks([load_task("futureomni")], mirror, tmp_path, "B")
    r = results.tasks["futureomni"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert r.metrics["accuracy"].value == pytest.approx(0.5) and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups["audio_type"] == {"Sound": 1.0, "Speech": 0.5, "Music": 0.0}
    assert set(groups) == {"video_domain", "audio_type", "forecasting_pattern"}
    [turn] = json.loads(next(iter(iter_samples(tmp_path, "futureomni"))).model_dump_json())["prompt"]
    # The kit's content: the clip's frames and sound, then its one text, which its own code built for this question.
    assert [p["type"] for p in turn["content"]] == ["video", "text"]
    assert [turn["content"][1]["text"]] == OFFICIAL["prompt"]["content"]


def test_avut_reads_its_option_columns_and_scores_as_the_kit(mirror, tmp_path):
    r = run_tasks([load_task("avut_human")], mirror, tmp_path, "B").tasks["avut_human"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert r.metrics["accuracy"].value == pytest.approx(0.5) and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups["video_type"] == {"vlog": 0.5, "TED speech": 0.5}
    assert set(groups) == {"task_type", "video_type"}
    records = {s.id: json.loads(s.model_dump_json()) for s in iter_samples(tmp_path, "avut_human")}
    for official in OFFICIAL["prompt_avut_human"]:  # the first question, and the last with its empty option C
        [turn] = records[str(official["QA_id"])]["prompt"]
        assert [p["type"] for p in turn["content"]] == ["video", "text"] and [turn["content"][1]["text"]] == official["content"]


def test_a_missing_clip_is_that_questions_error(tmp_path):
    root = write_futureomni(tmp_path / "m")
    (root / "OpenMOSS-Team/FutureOmni/videos/3.mp4").unlink()
    r = run_tasks([load_task("futureomni")], root, tmp_path / "run", "B").tasks["futureomni"]
    assert r.n_errors == 1 and r.n_scored == 3


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_omni_model_sees_and_hears_a_clip(mirror, tmp_path, tiny_model):
    from test_audio_visual import _omni_with_video

    from evals.adapters.base import create_adapter

    spec = load_task("futureomni")
    short = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": 4})})
    omni = create_adapter(f"hf:{_omni_with_video(tiny_model('qwen2_5_omni'), tmp_path / 'omni-model')}", {})
    try:
        r = run_tasks([short], mirror, tmp_path / "omni", "", limit=1, adapter=omni).tasks["futureomni"]
    finally:
        omni.close()
    assert r.n_errors == 0 and r.n_scored == 1
