"""EgoSchema, Perception Test and VSI-Bench prompts, answer readings and VSI-Bench's figures against lmms-eval's code.

``data/lmms_eval_video_mc.json`` holds what lmms-eval's own functions returned when they were run (taken from the files
of EvolvingLMMs-Lab/lmms-eval at the commit its header names, in a throwaway script outside the repository) on a
question of each benchmark and on adversarial model answers: ``egoschema_doc_to_text`` and EgoSchema's
``parse_multi_choice_response`` / ``egoschema_process_results_generation``; ``perceptiontest_val_doc_to_text`` and
``perceptiontest_val_process_results_mc``; ``vsibench_doc_to_text``, ``vsibench_process_results`` (with
``extract_number``) and ``_compute_all_subscores``. omnieval's prompts (each task's template rendered by the planner),
letters, scores and figures must be the same, but for the departures pinned here: where EgoSchema's reader finds
nothing lmms-eval picks a random letter (recorded as ``random``), where TempCompass's rules read nothing
(``tempcompass_process_results_multi_choice``) lmms-eval asks GPT-3.5 (recorded as ``judged``), and where TOMATO's
``parse_multi_choice_response`` finds nothing it answers "A" (recorded as ``fallback``): omnieval leaves all three
unparsed. TOMATO's prompt loses its final newline (omnieval trims a prompt's trailing newlines).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput, stats_table
from evals.scoring.metrics.egoschema import egoschema_letter
from evals.scoring.metrics.perceptiontest import perceptiontest_letter
from evals.scoring.metrics.tempcompass import tempcompass_letter
from evals.scoring.metrics.tomato import tomato_letter
from evals.scoring.metrics.vsibench import score_vsibench, vsibench_number, vsibench_sample
from evals.scoring.registry import get_scorer
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from make_fixtures import video_bytes  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "lmms_eval_video_mc.json").read_text(encoding="utf-8"))
EGO, PT, VSI, TC, TM = DATA["egoschema"], DATA["perceptiontest"], DATA["vsibench"], DATA["tempcompass"], DATA["tomato"]
COMMIT = "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3"
VIDEO = {"bytes": video_bytes(n=6, fps=6, codec="mpeg4", container="mp4"), "path": "clip.mp4"}
LETTERS = "ABCDE"


def _text(task: str, row: dict[str, Any]) -> str:
    """The text the model is sent after the video, as the task's planner renders it for ``row``."""
    sample = RequestPlanner(load_task(task)).plan(0, row)
    assert sample.error is None, sample.error
    [message] = [m for m in sample.request.messages if m.role == "user"]
    assert [getattr(p, "kind", "text") for p in message.content] == ["video", "text"]
    return message.content[1].text


def test_the_reference_outputs_say_where_they_come_from_and_are_enough():
    for data, path in ((EGO, "lmms_eval/tasks/egoschema/utils.py"), (PT, "lmms_eval/tasks/perceptiontest/val/utils.py"),
                       (VSI, "lmms_eval/tasks/vsibench/utils.py"), (TC, "lmms_eval/tasks/tempcompass/utils.py"),
                       (TM, "lmms_eval/tasks/tomato/utils.py")):
        assert data["source"]["repository"] == "EvolvingLMMs-Lab/lmms-eval" and data["source"]["commit"] == COMMIT
        assert path in data["source"]["paths"]
        assert len(data["answers"]) >= 100 and len({(a.get("id"), a["answer"]) for a in data["answers"]}) == len(data["answers"])
    assert any(a["random"] for a in EGO["answers"]) and any(not a["random"] for a in EGO["answers"])
    assert any(a["judged"] for a in TC["answers"]) and sum(not a["judged"] for a in TC["answers"]) >= 25
    assert sum(a["fallback"] for a in TM["answers"]) >= 10 and sum(not a["fallback"] for a in TM["answers"]) >= 100
    for task in ("egoschema_subset", "perceptiontest_val_mc", "vsibench", "tempcompass_mc", "tomato"):
        assert COMMIT in load_task(task).description


# --- EgoSchema -----------------------------------------------------------------------------------------------------


def test_egoschema_prompt_is_lmms_evals():
    assert _text("egoschema_subset", {**EGO["doc"], "video_idx": VIDEO}) == EGO["prompt"]


@pytest.mark.parametrize("case", EGO["answers"], ids=lambda c: repr(c["answer"]))
def test_egoschema_reads_answers_as_lmms_eval(case):
    letter, rule = egoschema_letter(case["answer"], EGO["doc"]["option"])
    if case["random"]:  # the departure: lmms-eval guesses a letter here; omnieval counts the answer unread (and wrong)
        assert (letter, rule) == (None, "unparsed")
    else:
        assert letter == case["letter"] and LETTERS.index(letter) == case["pred"]


# --- Perception Test -----------------------------------------------------------------------------------------------


def test_perceptiontest_prompt_is_lmms_evals():
    assert _text("perceptiontest_val_mc", {**PT["doc"], "video_name": VIDEO}) == PT["prompt"]


@pytest.mark.parametrize("case", PT["answers"], ids=lambda c: repr(c["answer"]))
def test_perceptiontest_reads_answers_as_lmms_eval(case):
    letter, _ = perceptiontest_letter(case["answer"])
    assert (LETTERS.index(letter) if letter else -1) == case["pred_id"]
    assert (letter == LETTERS[int(PT["doc"]["answer_id"])]) == bool(case["correct"])


# --- VSI-Bench -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", VSI["prompts"], ids=lambda c: c["doc"]["question_type"])
def test_vsibench_prompt_is_lmms_evals(case):
    assert _text("vsibench", {**case["doc"], "scene_name": VIDEO}) == case["prompt"]


@pytest.mark.parametrize("case", VSI["answers"], ids=lambda c: f"{c['id']}:{c['answer']!r}")
def test_vsibench_scores_answers_as_lmms_eval(case):
    doc = next(d for d in VSI["docs"] if d["id"] == case["id"])
    score, _, _ = vsibench_sample(case["answer"], doc["ground_truth"], doc["question_type"])
    assert score == pytest.approx(case["score"], abs=1e-12)
    if case["number"] is not None or doc["options"] is None:
        assert vsibench_number(case["answer"]) == case["number"]


def test_vsibench_figures_are_lmms_evals_subscores():
    rows = VSI["aggregate"]["rows"]
    items = [ScoreInput(id=str(k), prediction=r["answer"], references=[r["ground_truth"]], metadata={"question_type": r["question_type"]})
             for k, r in enumerate(rows)]
    metrics = get_scorer("vsibench_score").aggregate(stats_table(score_vsibench(items, NoOptions())), NoOptions())
    official = VSI["aggregate"]["subscores"]
    renamed = {k.replace("_MRA:.5:.95:.05", "_mra"): v for k, v in official.items()}
    assert {k: metrics[k] for k in renamed} == pytest.approx(renamed, abs=1e-12)


# --- TempCompass (multiple choice) -----------------------------------------------------------------------------------


def test_tempcompass_prompt_is_lmms_evals():
    assert _text("tempcompass_mc", {**TC["doc"], "video_id": VIDEO}) == TC["prompt"]


@pytest.mark.parametrize("case", TC["answers"], ids=lambda c: repr(c["answer"]))
def test_tempcompass_reads_answers_as_lmms_evals_rules(case):
    letter, rule = tempcompass_letter(case["answer"], TC["doc"]["answer"])
    if case["judged"]:  # the departure: lmms-eval asks GPT-3.5 whether this answer is right; omnieval counts it unread
        assert (letter, rule) == (None, "unparsed")
    else:
        assert (letter == TC["doc"]["answer"][0]) == (case["rating"] == 1)


# --- TOMATO --------------------------------------------------------------------------------------------------------


def test_tomato_prompt_is_lmms_evals_but_its_final_newline():
    sample = RequestPlanner(load_task("tomato")).plan(0, {**TM["doc"], "video_path": VIDEO})
    assert sample.error is None, sample.error
    system, user = sample.request.messages
    assert system.role == "system" and system.content[0].text == "You are an expert in understanding dynamics of objects."
    assert [getattr(p, "kind", "text") for p in user.content] == ["video", "text"]
    assert TM["prompt"].endswith("' \n") and user.content[1].text == TM["prompt"][:-1]


@pytest.mark.parametrize("case", TM["answers"], ids=lambda c: repr(c["answer"]))
def test_tomato_reads_answers_as_lmms_eval(case):
    letter, rule = tomato_letter(case["answer"], TM["doc"]["options"])
    if case["fallback"]:  # the departure: lmms-eval answers "A" here; omnieval counts the answer unread (and wrong)
        assert (letter, rule) == (None, "unparsed")
    else:
        assert letter == case["letter"] and (letter == LETTERS[TM["doc"]["answer"]]) == (case["score"] == 1.0)
