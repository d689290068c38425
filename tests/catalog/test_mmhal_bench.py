"""MMHal-Bench (tasks/vqa/mmhal_bench.yaml) end to end on a fixture mirror in Shengcao1006/MMHal-Bench's layout
(make_fixtures.write_mmhal_bench) with a scripted judge on loopback: the request (the picture, then the question alone),
the authors' grading prompt for each answer (recorded from Eval/eval_gpt_mmhal.py in
tests/conformance/data/mmhal_bench_official.json), the mean rating and hallucination rate, a reply without one rating a
scoring error; then a tiny random VLM answering."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from judged_runs import scripted_judge_run, tiny_vlm_judged_results
from make_fixtures import MMHAL_BENCH_ROWS, write_mmhal_bench

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "mmhal_bench_official.json").read_text(encoding="utf-8"))
REPLIES = {"What color is the car in the image?": "Accurate and complete.\nRating: 5, very informative, no hallucination",
           "What is the dog doing?": "It invents a dog. Rating: 1, somewhat informative, with hallucination",
           "How many apples are there?": "Rating: 3 or Rating: 4"}  # two ratings: the official code scores 0; here an error


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmhal_bench(tmp_path_factory.mktemp("mmhal"))


def test_a_required_judge_rates_each_answer_with_the_official_prompt(mirror, tmp_path):
    res, records, judge = scripted_judge_run(mirror, tmp_path, "mmhal_bench", OFFICIAL["answer"], REPLIES, "--max-error-rate", "0.5")
    assert sorted(judge.prompts) == sorted(case["prompt"] for case in OFFICIAL["prompts"])
    assert res["n_samples"] == 3 and res["n_score_errors"] == 1
    metrics = {k: v["value"] for k, v in res["metrics"].items()}
    assert metrics["score"] == pytest.approx(3.0) and metrics["hallucination_rate"] == pytest.approx(0.5)
    groups = {s["field"]: {g: v["score"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}
    assert groups["question_type"]["attribute"] == 5.0 and groups["question_type"]["adversarial"] == 1.0
    for rec, (*_, question, _answer) in zip(sorted(records, key=lambda r: int(r["id"])), MMHAL_BENCH_ROWS):
        [turn] = rec["prompt"]
        image, text = turn["content"]
        assert image["type"] == "image" and text == {"type": "text", "text": question}


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r, bodies = tiny_vlm_judged_results(tiny_model, "mmhal_bench", mirror, tmp_path / "run", "Rating: 4, somewhat informative", limit=1)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 1 and len(bodies) == 1
    assert r.metrics["score"].value == 4.0 and r.metrics["hallucination_rate"].value == 0.0
