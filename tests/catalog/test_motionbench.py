"""MotionBench (DEV) end to end on a fixture mirror in the Hub repo's layout (tasks/video/motionbench_dev.yaml):
``video_info.meta.jsonl`` flattened one question per qa entry, the TEST question (``NA``) never read, each clip found in
its folder, lmms-eval's prompt and answer reading, subgroups by question and video type, questions clustered by video,
and a tiny video model of a real architecture answering (tests/conformance/test_motionbench.py checks the prompts and
readings case by case against lmms-eval's own outputs)."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import write_motionbench

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_motionbench(tmp_path_factory.mktemp("motionbench"))


def test_dev_questions_are_scored_as_lmms_eval_scores_them(mirror, tmp_path):
    # Answers B, A, B, D (two questions on the first clip): "B" is right twice.
    result = run_tasks([load_task("motionbench_dev")], mirror, tmp_path / "run", "B").tasks["motionbench_dev"]
    assert (result.n_samples, result.n_errors) == (4, 0)
    assert {k: m.value for k, m in result.metrics.items()} == pytest.approx({"accuracy": 0.5, "unparsed_rate": 0.0})
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in result.subgroups}
    assert groups["question_type"] == {"Motion Recognition": 0.5, "Camera Motion": 1.0, "Repetition Count": 0.0}
    assert groups["video_type"] == pytest.approx({"self-collected": 1 / 3, "public-dataset": 1.0}) and len(groups) == 2
    records = list(iter_samples(tmp_path / "run", "motionbench_dev"))
    assert [r.id for r in records] == ["101", "102", "103", "104"] and len({r.cluster for r in records}) == 3
    content = records[3].prompt[0]["content"]
    assert [p["type"] for p in content] == ["video", "text"]
    assert content[1]["text"] == ("How many times does the ball bounce?\nA. 1\nB. 2\nC. 3\nD. 4\n"
                                  "Answer with only the option letter (A, B, C, D, E, or F).")


def test_an_answer_without_a_letter_is_unparsed_and_wrong(mirror, tmp_path):
    result = run_tasks([load_task("motionbench_dev")], mirror, tmp_path / "run", "1 2 3").tasks["motionbench_dev"]
    assert {k: m.value for k, m in result.metrics.items()} == {"accuracy": 0.0, "unparsed_rate": 1.0}


def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "motionbench_dev", mirror, tmp_path / "run", family="qwen2_5_vl", limit=2)
    assert (r.n_samples, r.n_errors) == (2, 0) and 0.0 <= r.metrics["accuracy"].value <= 1.0
