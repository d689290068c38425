"""MIA-Bench (tasks/vqa/mia_bench.yaml): end to end on a fixture mirror (lmms-lab/MIA-Bench's test split) with a scripted
judge on loopback: the request (the image, then the instruction), the official judge prompt for each answer, the replies
read as the official notebook reads them (one it cannot read a scoring error), the mean total and each component type's
mean; then a tiny random VLM answering."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from judged_runs import scripted_judge_run, tiny_vlm_judged_results
from make_fixtures import MIA_BENCH_ROWS, write_mia_bench

from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "mia_bench_official.json").read_text(encoding="utf-8"))
ANSWER = "A red square. It is small."
REPLIES = {"exactly two sentences": "score of component 1: 5/5, score of component 2: 3/5, total score: 8/10. Close enough.",
           "one metaphor": "score of component 1: 4/4, score of component 2: 0/3, score of component 3: 3/3, total score: 7/10.",
           "haiku": "Total score: 7/10, the components were fine."}  # its last piece has no ":": the official code raises


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mia_bench(tmp_path_factory.mktemp("mia_bench"))


def test_a_required_judge_scores_each_answer_with_the_official_prompt(mirror, tmp_path):
    spec = load_task("mia_bench")
    assert (spec.dataset.path, spec.dataset.split) == ("lmms-lab/MIA-Bench", "test")
    res, records, judge = scripted_judge_run(mirror, tmp_path, "mia_bench", ANSWER, REPLIES, "--max-error-rate", "0.5")
    prompts = judge.prompts
    assert len(prompts) == 3 and res["n_samples"] == 3 and res["n_score_errors"] == 1
    # the official prompts (tests/conformance/data/mia_bench_official.json) with this answer in place of the recorded one
    for case in OFFICIAL["prompts"]:
        assert case["prompt"].replace(f"' {case['response']}'", f"' {ANSWER}'") in prompts
    assert "not read by the official code" in {r["id"]: r for r in records}["2"]["score_error"]
    metrics = {k: v["value"] for k, v in res["metrics"].items() if v["value"] is not None}
    assert {k: metrics[k] for k in ("total_score", "describe", "length_limit", "linguistics", "mention")} == pytest.approx(
        {"total_score": 0.75, "describe": 1.0, "length_limit": 0.6, "linguistics": 0.0, "mention": 1.0})
    groups = {s["field"]: {g: v["total_score"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}
    assert groups["type"] == pytest.approx({"basic": 0.8, "advanced": 0.7})
    for rec, (instruction, *_) in zip(sorted(records, key=lambda r: int(r["id"])), MIA_BENCH_ROWS):
        [turn] = rec["prompt"]
        image, text = turn["content"]
        assert image["type"] == "image" and text == {"type": "text", "text": instruction}


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    reply = "score of component 1: 1/2, score of component 2: 1/2, score of component 3: 0/2, total score: 4/10."
    r, bodies = tiny_vlm_judged_results(tiny_model, "mia_bench", mirror, tmp_path / "run", reply, limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2 and len(bodies) == 2
    assert r.metrics["total_score"].value == pytest.approx(0.4)
