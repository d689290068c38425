"""MLVU's generation tasks (sub-scene captioning, video summary) end to end on a fixture mirror in MLVU/MVLU's layout
(tasks/video/mlvu_generation.yaml): the JSON files and their videos, MLVU's answering prompt, each answer judged by a
scripted judge with MLVU's official grading messages and its two scores read as calculate.py reads them
(tests/conformance/test_mlvu_generation.py checks the messages and readings against MLVU's own code), and a tiny video
model of a real architecture answering."""

from __future__ import annotations

import importlib.util

import pytest
from judged_runs import scripted_judge_run, tiny_vlm_judged_results
from make_fixtures import write_mlvu_generation

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

SYSTEM_PROMPT = "Carefully watch this video and pay attention to every detail. Based on your observations, answer the given questions."


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mlvu_generation(tmp_path_factory.mktemp("mlvu-generation"))


def test_sub_scene_answers_are_judged_against_their_scoring_points(mirror, tmp_path):
    replies = {"green shirt": "Rationale.\n{'score_accuracy': 3, 'score_relevance': 4, 'total_score': 7}",
               "red pants": "{'score_accuracy': 5, 'score_relevance': 5, 'total_score': 10}"}
    res, records, judge = scripted_judge_run(mirror, tmp_path, "mlvu_dev_ssc", "He walks in.", replies)
    assert (res["n_samples"], res["n_score_errors"]) == (2, 0)
    assert {k: v["value"] for k, v in res["metrics"].items()} == {"score": 8.5, "score_accuracy": 4.0, "score_relevance": 4.5}
    assert [r["extracted"] for r in records] == ["score_accuracy=3, score_relevance=4", "score_accuracy=5, score_relevance=5"]
    assert records[0]["prompt"][0] == {"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]}
    assert any("Scoring Points: ['He hooked a tree with one foot', 'He grabbed her hand']\n" in p and
               "Respondent's Answer: He walks in.\n" in p for p in judge.prompts)
    assert all(b["max_tokens"] == 1024 and b["messages"][0]["role"] == "system" for b in judge.bodies)


def test_summaries_are_judged_and_a_reply_with_one_score_is_a_scoring_error(mirror, tmp_path):
    replies = {"film whales": "{'score_completeness': 2, 'score_reliability': 3, 'total_score': 5}",
               "clown appears": "{'score_completeness': 4}"}
    res, records, judge = scripted_judge_run(mirror, tmp_path, "mlvu_dev_vs", "A video.", replies, "--max-error-rate", "1")
    assert (res["n_samples"], res["n_score_errors"]) == (2, 1)
    assert {k: v["value"] for k, v in res["metrics"].items()} == {"score": 5.0, "score_completeness": 2.0, "score_reliability": 3.0}
    assert "gives 1 of the scores score_completeness, score_reliability" in records[1]["score_error"]
    assert any("Standard Answer: Waves hit the rocks; two men film whales.\n" in p for p in judge.prompts)


def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    r, bodies = tiny_vlm_judged_results(tiny_model, "mlvu_dev_vs", mirror, tmp_path / "run",
                                        "{'score_completeness': 1, 'score_reliability': 1, 'total_score': 2}", family="qwen2_5_vl", limit=1)
    assert (r.n_samples, r.n_errors, r.n_score_errors) == (1, 0, 0) and r.metrics["score"].value == 2.0 and len(bodies) == 1
