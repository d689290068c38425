"""ChartMuseum (tasks/vqa/chartmuseum.yaml) end to end on a fixture of VLMEvalKit's ChartMuseum TSVs, judged by a scripted
judge: the short answer read out of the <answer> tag into the official comparison prompt (reference as Answer 1), accuracy
and the category subgroups, a reply that is neither Yes nor No a counted scoring error, and a tiny VLM answering."""

from __future__ import annotations

import importlib.util

import pytest
from judged_runs import scripted_judge_run
from make_fixtures import CHARTMUSEUM_ROWS, write_chartmuseum

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

ANSWER = "<think>\nThe tallest bar.\n</think>\n<answer>\nUnited States\n</answer>"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_chartmuseum(tmp_path_factory.mktemp("chartmuseum"))


def test_the_judge_compares_the_short_answer_with_the_reference(mirror, tmp_path):
    replies = {CHARTMUSEUM_ROWS["test"][0][1]: "Yes", CHARTMUSEUM_ROWS["test"][1][1]: "No",
               CHARTMUSEUM_ROWS["test"][2][1]: "No.", CHARTMUSEUM_ROWS["test"][3][1]: "Maybe"}
    res, records, judge = scripted_judge_run(mirror, tmp_path, "chartmuseum_test", ANSWER, replies, "--max-error-rate", "0.5")
    assert res["n_samples"] == 4 and res["n_score_errors"] == 1 and res["metrics"]["score"]["value"] == pytest.approx(1 / 3)
    groups = {s["field"]: {g: v["score"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}
    assert groups == {"category": {"text": 1.0, "visual": 0.0, "synthesis": 0.0}}
    first = next(p for p in judge.prompts if CHARTMUSEUM_ROWS["test"][0][1] in p)
    assert "Question: Which country has the highest value in 2020?\nAnswer 1: United States\nAnswer 2: United States\n" in first
    assert "<think>" not in first and "<answer>" not in first
    by_id = {r["id"]: r for r in records}
    assert by_id["3"]["score_error"] and by_id["0"]["scores"]["judge_score"]["score"] == 1.0


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    from judged_runs import tiny_vlm_judged_results

    r, bodies = tiny_vlm_judged_results(tiny_model, "chartmuseum_dev", mirror, tmp_path / "run", "No", limit=1)
    assert r.n_errors == 0 and r.n_scored == 1 and r.metrics["score"].value == 0.0 and len(bodies) == 1
