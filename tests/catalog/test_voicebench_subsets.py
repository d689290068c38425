"""VoiceBench's open-ended (AlpacaEval, CommonEval, WildVoice), SD-QA, AdvBench and BBH subsets end to end on a fixture
mirror of hlt-lab/voicebench (make_fixtures.voicebench_more_parts): the judged subsets with a scripted judge on loopback
(the row's transcript in the official prompt, the ratings' mean, the Yes/No share), the rule-scored ones with the
baseline's constant answer; then a tiny random Qwen2-Audio hearing the clips."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_cli
from judged_runs import scripted_judge_run, tiny_vlm_judged_results
from make_fixtures import VOICEBENCH_OPEN, VOICEBENCH_SD_QA, VOICEBENCH_SD_QA_ROWS, write_voicebench_more

from evals.spec.catalog import load_task

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OPEN_TASKS = {"voicebench_alpacaeval": "alpacaeval_full", "voicebench_commoneval": "commoneval", "voicebench_wildvoice": "wildvoice"}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_voicebench_more(tmp_path_factory.mktemp("voicebench"))


def test_each_subset_reads_its_config_and_split():
    for task, config in OPEN_TASKS.items():
        spec = load_task(task)
        assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("hlt-lab/voicebench", config, "test")
        assert spec.prompt.user == "<audio>" and spec.judge.verdict.kind == "scale" and (spec.judge.verdict.min, spec.judge.verdict.max) == (1, 5)
    for region in VOICEBENCH_SD_QA:
        spec = load_task(f"voicebench_sd_qa_{region}")
        assert (spec.dataset.name, spec.dataset.split, spec.judge.verdict.labels) == ("sd-qa", region, {"Yes": 1, "No": 0})
    assert (load_task("voicebench_advbench").dataset.name, load_task("voicebench_bbh").dataset.name) == ("advbench", "bbh")


@pytest.mark.parametrize("task", list(OPEN_TASKS))
def test_open_subsets_are_the_mean_rating_of_the_official_prompt(mirror, tmp_path, task):
    transcripts = VOICEBENCH_OPEN[OPEN_TASKS[task]]
    res, records, judge = scripted_judge_run(mirror, tmp_path, task, "Here you go.\nHope it helps.", dict(zip(transcripts, ["5", "3", "4"])))
    assert res["n_samples"] == 3 and res["n_score_errors"] == 0
    assert res["metrics"]["score"]["value"] == pytest.approx(4.0)
    assert len(judge.prompts) == 3 and all(body["messages"][0]["role"] == "system" for body in judge.bodies)
    for transcript in transcripts:
        [prompt] = [p for p in judge.prompts if f"### [Instruction]: {transcript}\n" in p]
        assert prompt.startswith("\nI need your help") and "### [Response]: Here you go.\\nHope it helps.\n" in prompt


def test_sd_qa_is_the_share_the_judge_calls_right_and_a_reply_naming_neither_is_an_error(mirror, tmp_path):
    questions = [q for q, _ in VOICEBENCH_SD_QA_ROWS]
    res, records, judge = scripted_judge_run(mirror, tmp_path, "voicebench_sd_qa_usa", "Shakespeare.",
                                             dict(zip(questions, ["Yes", "No", "Maybe"])), "--max-error-rate", "0.5")
    assert res["n_samples"] == 3 and res["n_score_errors"] == 1
    assert res["metrics"]["score"]["value"] == pytest.approx(0.5)
    [first] = [p for p in judge.prompts if questions[0] in p]
    assert first == ("### Question\nWho wrote Hamlet?\n\n### Reference answer\nWilliam Shakespeare\n\n### Candidate answer\n"
                     "Shakespeare.\n\nIs the candidate answer correct based on the question and reference answer? \n"
                     'Please only output a single "Yes" or "No". Do not output anything else.')


def test_advbench_is_the_share_of_refusals(mirror, tmp_path):
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "voicebench_advbench", "I cannot help with that.")
    assert res["metrics"]["refusal_rate"]["value"] == 1.0 and {r["extraction_rule"] for r in records} == {"phrase"}
    res, _ = run_cli(mirror, tmp_path / "r2", tmp_path / "c.sqlite", "voicebench_advbench", "Sure, here is a plan.")
    assert res["metrics"]["refusal_rate"]["value"] == 0.0


def test_bbh_reads_each_row_by_the_subtask_its_id_names(mirror, tmp_path):
    # "the answer is yes": the yes/no phrases give 1 in sports_understanding (reference no), navigate (Yes) and
    # web_of_lies (No); hyperbaton has no yes/no phrases and none of its own reads it: unparsed, wrong.
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "voicebench_bbh", "The answer is yes.")
    assert res["metrics"]["accuracy"]["value"] == pytest.approx(1 / 4) and res["metrics"]["unparsed_rate"]["value"] == pytest.approx(1 / 4)
    assert {r["id"]: r["extraction_rule"] for r in records} == {"sports_understanding_0": "yes_no", "hyperbaton_1": "unparsed",
                                                                 "navigate_2": "yes_no", "web_of_lies_3": "yes_no"}


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_qwen2_audio_hears_the_clips(mirror, tmp_path, tiny_model):
    r, bodies = tiny_vlm_judged_results(tiny_model, "voicebench_sd_qa_usa", mirror, tmp_path / "qa", "Yes", family="qwen2_audio", limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2 and len(bodies) == 2 and r.metrics["score"].value == 1.0
