"""CharXiv (tasks/vqa/charxiv_reasoning.yaml, charxiv_descriptive.yaml): both tasks end to end on a fixture mirror in
princeton-nlp/CharXiv's validation schema, graded by a scripted loopback judge answering in the official JSON formats;
the requests and the judge prompts are the official code's (tests/conformance/data/charxiv_official.json: princeton-nlp/CharXiv
src/ at 7ebe88f run on these fixture rows in a throwaway script, its command recorded there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ScriptedJudge, run_cli
from make_fixtures import write_charxiv

from evals.spec.catalog import load_task

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "charxiv_official.json").read_text())
ANSWER = OFFICIAL["response"]
ZERO_R, ONE_R = '{"extracted_answer": "Not Applicable", "score": 0}', '{"extracted_answer": "Joint-CNN", "score": 1}'
ZERO_D = '{"extract_answer_T1": "Not Applicable", "score_T1": 0}'
ONE_D = '{"extract_answer_T1": "Not Applicable", "score_T1": 1}'


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_charxiv(tmp_path_factory.mktemp("charxiv"))


def test_reasoning_scored_from_the_official_json_grades_with_the_official_prompts(mirror, tmp_path):
    spec = load_task("charxiv_reasoning")
    assert (spec.dataset.path, spec.dataset.split) == ("princeton-nlp/CharXiv", "validation") and spec.judge and not spec.judge.optional
    # first match wins: the type 3/4 rules' own example asks about the blue curve at t=50, so "two peaks" comes first
    verdicts = {"two peaks": "no idea", "Which model shows a greater decline": ONE_R, "Which trend does the red curve": f"```json\n{ZERO_R}\n```",
                "* Question: What is the value of the blue curve at t=50?\n    * Ground Truth: 1500\n    * Response: Not": ZERO_R}
    with ScriptedJudge(verdicts) as judge:
        res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "charxiv_reasoning", ANSWER, "--judge", "openai:j",
                               "-J", f"base_url={judge.url}", "--max-error-rate", "0.5")
        prompts = sorted(judge.prompts)
    assert prompts == sorted(v["grading_query"] for v in OFFICIAL["reasoning"].values())
    assert res["n_score_errors"] == 1 and res["metrics"]["score"]["value"] == pytest.approx(1 / 3)
    by_id = {r["id"]: r for r in records}
    assert by_id["images/3.jpg"]["score_error"].startswith("judge_score: judge gave an unparseable verdict")
    scores = {i: by_id[i]["scores"]["judge_score"]["score"] for i in ("images/0.jpg", "images/1.jpg", "images/2.jpg")}
    assert scores == {"images/0.jpg": 1.0, "images/1.jpg": 0.0, "images/2.jpg": 0.0}
    groups = {s["field"]: s for s in res["subgroups"]}
    assert set(groups) == {"answer_type", "reasoning_q_source", "category"}


def test_descriptive_is_four_samples_per_chart_graded_one_by_one_with_the_official_prompt(mirror, tmp_path):
    verdicts = {"Ground Truth 1: Not Applicable\n": ONE_D, "Ground Truth 1: 2 by 3\n": ONE_D}
    with ScriptedJudge(verdicts, default=ZERO_D) as judge:
        res, records = run_cli(mirror, tmp_path / "d", tmp_path / "c.sqlite", "charxiv_descriptive", ANSWER, "--judge", "openai:j",
                               "-J", f"base_url={judge.url}")
        prompts = sorted(judge.prompts)
    assert len(records) == 16 and res["n_score_errors"] == 0
    assert prompts == sorted(v["grading_query"] for v in OFFICIAL["descriptive"].values())
    assert res["metrics"]["score"]["value"] == pytest.approx(2 / 16)
    assert sorted(r["id"] for r in records) == sorted(OFFICIAL["descriptive"])


def test_the_requests_are_the_official_questions(mirror):
    from evals.data.loaders import charxiv_descriptive_rows
    from evals.spec.preprocess import charxiv_reasoning
    from make_fixtures import charxiv_parts

    rows = charxiv_parts()[0].rows
    for row in rows:
        assert charxiv_reasoning(row)["question"] == OFFICIAL["reasoning"][row["figure_path"]]["question"]
        for out in charxiv_descriptive_rows(row):
            assert out["question"] == OFFICIAL["descriptive"][out["question_id"]]["question"]
    # answer type 4 names the decimal places of the answer; template ids 18/19 carry no subplot location
    assert OFFICIAL["reasoning"]["images/3.jpg"]["question"].rstrip().endswith("must be a number with 2 decimal places.")
    assert OFFICIAL["descriptive"]["images/1.jpg_0"]["question"].startswith("What is the layout of the subplots?")
    assert OFFICIAL["descriptive"]["images/1.jpg_2"]["question"].startswith("For the subplot at row 2 and column 3, what are the names")
    assert OFFICIAL["descriptive"]["images/2.jpg_0"]["question"].startswith("For the bottom-left subplot, what is the label of the y-axis?")
