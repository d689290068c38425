"""MMVU (tasks/video/mmvu.yaml) end to end on a fixture mirror laid out as yale-nlp/MMVU (validation.json, videos/<subject>/
<n>.mp4): each question type its own task, each video found by its Hub URL, multiple choice read by rules, open answers
judged by a scripted loopback judge with the official evaluator's messages, and a tiny video model answering."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from helpers import run_tasks, tiny_vlm_results
from judged_runs import scripted_judge_run
from make_fixtures import write_mmvu

from evals.results import iter_samples
from evals.spec.catalog import load_task
from evals.spec.templates import quote_answer

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "mmvu_official.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmvu(tmp_path_factory.mktemp("mmvu"))


def test_multiple_choice_is_read_by_rules_over_a_to_e(mirror, tmp_path):
    r = run_tasks([load_task("mmvu_mc")], mirror, tmp_path / "run", "Therefore, the final answer is: C").tasks["mmvu_mc"]
    assert (r.n_samples, r.n_errors) == (3, 0)  # the three multiple-choice questions of five
    assert r.metrics["accuracy"].value == pytest.approx(1 / 3) and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"metadata.subject": {"Chemistry": 0.5, "Law": 0.0}}
    assert {rec.id for rec in iter_samples(tmp_path / "run", "mmvu_mc")} == {"validation_1", "validation_2", "validation_4"}


def test_open_answers_are_judged_with_the_official_messages(mirror, tmp_path):
    answer = "The shot is a dolly zoom.\nAnswer: Dolly Zoom"
    replies = {"cinematic": '{"extracted_answer": "Dolly Zoom", "correct": true}', "doctrine": '{"extracted_answer": "", "correct":false}'}
    res, records, judge = scripted_judge_run(mirror, tmp_path, "mmvu_open", answer, replies)
    assert res["n_samples"] == 2 and res["n_score_errors"] == 0 and res["metrics"]["score"]["value"] == 0.5
    [official] = [e for e in OFFICIAL["judge"] if e["doc"]["id"] == "validation_0" and e["response"].startswith("The technique")]
    system, user = official["messages"]
    sent = {m["content"] for body in judge.bodies for m in body["messages"]}
    assert system["content"] in sent
    assert user["content"].replace(official["response"], quote_answer(answer)) in sent


def test_a_judge_reply_without_a_verdict_is_a_scoring_error(mirror, tmp_path):
    res, records, _ = scripted_judge_run(mirror, tmp_path, "mmvu_open", "Dolly zoom", {"cinematic": "I think so."}, "--max-error-rate", "1",
                                         default='{"extracted_answer": "Dolly zoom", "correct": false}')
    assert res["n_score_errors"] == 1 and res["metrics"]["score"]["value"] == 0.0  # the other one: judged wrong
    assert "unparseable verdict" in {r["id"]: r for r in records}["validation_0"]["score_error"]


def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "mmvu_mc", mirror, tmp_path / "run", family="qwen2_5_vl", limit=2)
    assert (r.n_samples, r.n_errors) == (2, 0) and 0.0 <= r.metrics["accuracy"].value <= 1.0
