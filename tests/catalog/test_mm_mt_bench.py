"""MM-MT-Bench (tasks/vqa/mm_mt_bench.yaml): end to end on a fixture mirror (mistralai/MM-MT-Bench's eval split: image,
conversation, category) with a scripted judge on loopback: one request per turn with the earlier turns and their reference
answers, the official judge prompts, the [[rating]] read, a reply without one a scoring error, the micro and macro averages
and the per-category and per-turn means; then a tiny random VLM answering the multi-turn requests."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from judged_runs import scripted_judge_run, tiny_vlm_judged_results
from make_fixtures import MM_MT_BENCH_CONVERSATIONS, write_mm_mt_bench

from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "mm_mt_bench_official.json").read_text(encoding="utf-8"))
ANSWER = "A chart."
# Each judge prompt is told apart by its turn's reference answer (the last one it shows): later turns first, since a
# turn's prompt also shows the earlier turns' references.
RATINGS = {"2021 sold more": "Rating: [[4]]", "chart of sales": "The answer is vague. Rating: [[7]]", "25 °C": "[[5]]",
           "'Red.'": "I cannot rate this.", "A red square on a white": "Rating: [[9]]", "# Summary": "Rating: [[8]]"}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mm_mt_bench(tmp_path_factory.mktemp("mm_mt_bench"))


def test_each_turn_is_rated_with_the_official_prompt_and_averaged_as_the_official(mirror, tmp_path):
    spec = load_task("mm_mt_bench")
    assert (spec.dataset.path, spec.dataset.split) == ("mistralai/MM-MT-Bench", "eval")
    res, records, judge = scripted_judge_run(mirror, tmp_path, "mm_mt_bench", ANSWER, RATINGS, "--max-error-rate", "0.5")
    prompts, bodies = judge.prompts, judge.bodies
    assert len(prompts) == 6 and res["n_samples"] == 6 and res["n_score_errors"] == 1
    by_id = {r["id"]: r for r in records}
    assert "unparseable verdict" in by_id["1_1"]["score_error"]
    # the official prompts (tests/conformance/data/mm_mt_bench_official.json) with this answer in place of the recorded one
    for turn in OFFICIAL["turns"][:5]:
        assert turn["judge_prompt"].replace(turn["answer"], ANSWER) in prompts
    assert {b["messages"][0]["content"] for b in bodies} == {OFFICIAL["turns"][0]["judge_system"]}
    metrics = {k: v["value"] for k, v in res["metrics"].items()}
    # Charts: 7, 4, 8; Misc: 9, 5 (its second turn unrated); turn 0: 7, 9, 8; turn 1: 4; turn 2: 5
    assert metrics == pytest.approx({"micro_average_score": (7 + 4 + 9 + 5 + 8) / 5,
                                     "macro_average_score": (19 / 3 + 7 + 8 + 4 + 5) / 5})
    groups = {s["field"]: {g: v["micro_average_score"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}
    assert groups["category"] == pytest.approx({"Charts": 19 / 3, "Misc": 7.0})
    assert groups["turn"] == pytest.approx({"0": 8.0, "1": 4.0, "2": 5.0})
    # a later turn is asked after the earlier turns and their reference answers, the image in the first turn only
    turns = MM_MT_BENCH_CONVERSATIONS[1][1]
    prompt = by_id["1_2"]["prompt"]
    assert [m["role"] for m in prompt] == ["user", "assistant", "user", "assistant", "user"]
    assert prompt[0]["content"][0]["type"] == "image" and len(prompt[0]["content"]) == 2
    texts = [[p["text"] for p in m["content"] if p["type"] == "text"] for m in prompt]
    assert texts == [[turns[0][0]], [turns[0][1]], [turns[1][0]], [turns[1][1]], [turns[2][0]]]
    assert by_id["1_2"]["references"] == [turns[2][1]]


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers_a_conversations_turns(mirror, tmp_path, tiny_model):
    r, bodies = tiny_vlm_judged_results(tiny_model, "mm_mt_bench", mirror, tmp_path / "run", "Rating: [[6]]", limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2 and len(bodies) == 2  # the first conversation's two turns
    assert sorted(str(b["messages"][-1]["content"]).count("### Reference answer:") for b in bodies) == [1, 2]
    assert r.metrics["micro_average_score"].value == 6.0 and r.metrics["macro_average_score"].value == 6.0
