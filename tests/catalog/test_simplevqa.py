"""SimpleVQA (tasks/vqa/simplevqa.yaml): end to end on a fixture mirror with a scripted judge on loopback: the request
(the image, then the question), the official grader prompt for each answer, the judge's JSON grades read as the official
code reads them, and the rates and F-score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ScriptedJudge, run_cli
from make_fixtures import write_simplevqa

from evals.spec.catalog import load_task

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "simplevqa_official.json").read_text(encoding="utf-8"))
ANSWER = "It is a kingfisher."


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_simplevqa(tmp_path_factory.mktemp("simplevqa"))


def test_a_required_judge_grades_each_answer_with_the_official_prompt(mirror, tmp_path):
    spec = load_task("simplevqa")
    assert (spec.dataset.path, spec.dataset.split) == ("m-a-p/SimpleVQA", "test") and spec.judge and not spec.judge.optional
    verdicts = {"What is the name of the tower": '{"预测答案0": "错误"}',
                "name of the bird": '```json\n{\n    "预测答案0": "正确"\n}\n```',
                "图中的建筑是哪一年建成的": '{"预测答案0": "未尝试"}',
                "图中是什么动物": '{"预测答案0": {"reasoning": "一致", "conclusion": "**正确**"}}',
                "Who painted this picture": '{"预测答案0": "正确。"}'}  # a grade the official code counts in no class
    with ScriptedJudge(verdicts) as judge:
        res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "simplevqa", ANSWER, "--judge", "openai:j",
                               "-J", f"base_url={judge.url}", "--max-error-rate", "0.5")
        prompts = judge.prompts
    assert len(prompts) == 5
    # the official prompt for the bird question, rendered by the official code (tests/conformance/data/simplevqa_official.json)
    official = next(p["official"] for p in OFFICIAL["prompts"] if p["answer"] == "Kingfisher")
    assert official in prompts
    assert res["n_score_errors"] == 1
    by_id = {r["id"]: r for r in records}
    assert "in no class" in by_id["4"]["score_error"]
    given = 2 / 3
    metrics = {k: v["value"] for k, v in res["metrics"].items()}
    assert metrics == pytest.approx({"correct": 0.5, "incorrect": 0.25, "not_attempted": 0.25, "correct_given_attempted": given,
                                     "f_score": 2 * given * 0.5 / (given + 0.5)})
    groups = {s["field"]: {g: v["f_score"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}
    # EN: wrong, right (the third is the error): 0.5 and 0.5; CN: not attempted, right: 0.5 and 1 -> 2/3
    assert groups["language"] == pytest.approx({"EN": 0.5, "CN": 2 / 3})


def test_the_request_is_the_image_then_the_question(mirror, tmp_path):
    with ScriptedJudge({}, default='{"预测答案0": "未尝试"}') as judge:
        res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "simplevqa", ANSWER, "--judge", "openai:j",
                               "-J", f"base_url={judge.url}")
    assert res["metrics"]["not_attempted"]["value"] == 1.0 and res["metrics"]["f_score"]["value"] == 0.0
    for rec in records:
        [turn] = rec["prompt"]
        image, text = turn["content"]
        assert image["type"] == "image" and text["type"] == "text" and text["text"].endswith(("?", "？"))
