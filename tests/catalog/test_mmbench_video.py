"""MMBench-Video (tasks/video/mmbench_video.yaml) end to end on a fixture mirror laid out as opencompass/MMBench-Video (the
TSV, the videos unpacked into video/): VLMEvalKit's request for a video model, the official grader's messages to a
scripted loopback judge on the 0-3 scale, a reply off the scale as a scoring error, and a tiny video model answering."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from judged_runs import scripted_judge_run, tiny_vlm_judged_results
from make_fixtures import MMBENCH_VIDEO_ROWS, write_mmbench_video

from evals.spec.templates import quote_answer

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "mmbench_video_vlmevalkit.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmbench_video(tmp_path_factory.mktemp("mmbench_video"))


def test_answers_are_graded_0_to_3_with_the_official_grader(mirror, tmp_path):
    answer = "He holds an umbrella."
    replies = {"man holding": "3", "crowd cheer": "1", "cars pass": "2."}
    res, records, judge = scripted_judge_run(mirror, tmp_path, "mmbench_video", answer, replies)
    assert res["n_samples"] == 3 and res["n_score_errors"] == 0 and res["metrics"]["score"]["value"] == pytest.approx(2.0)
    sent = [m["content"] for body in judge.bodies for m in body["messages"]]
    assert OFFICIAL["system_prompt"] in sent
    [official] = [p for p in OFFICIAL["prompts"] if p["item"]["question"] == MMBENCH_VIDEO_ROWS[0][2]]
    assert official["prompt"].replace(official["item"]["prediction"], quote_answer(answer)) in sent
    by_id = {r["id"]: r for r in records}
    [turn] = by_id["0"]["prompt"]
    assert [p["type"] for p in turn["content"]] == ["text", "video"] and turn["content"][0]["text"] == MMBENCH_VIDEO_ROWS[0][2]
    assert by_id["0"]["cluster"] == by_id["1"]["cluster"] != by_id["2"]["cluster"]  # intervals resample videos


def test_a_grade_off_the_scale_is_a_scoring_error(mirror, tmp_path):
    res, records, _ = scripted_judge_run(mirror, tmp_path, "mmbench_video", "An umbrella.", {"man holding": "4"}, "--max-error-rate", "1",
                                         default="0")
    assert res["n_score_errors"] == 1 and res["metrics"]["score"]["value"] == 0.0
    assert "outside 0..3" in {r["id"]: r for r in records}["0"]["score_error"]


def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    result, bodies = tiny_vlm_judged_results(tiny_model, "mmbench_video", mirror, tmp_path / "run", "2", family="qwen2_5_vl", limit=1)
    assert (result.n_samples, result.n_errors) == (1, 0) and result.metrics["score"].value == 2.0 and len(bodies) == 1
