"""MLVU, LVBench and LongVideoBench prompts, answer readings and aggregates against lmms-eval's own functions.

``data/lmms_eval_long_video.json`` holds what lmms-eval's functions returned when they were run (its header names the
repository, the commit, the paths and how): ``mlvu_doc_to_text`` with mlvu_dev.yaml's and mlvu_test.yaml's kwargs,
``mlvu_process_results`` and ``mlvu_aggregate_results_dev`` / ``_test``; ``lvbench_doc_to_text`` and
``lvbench_process_results``; ``longvideobench_doc_to_text`` with longvideobench_val_v.yaml's kwargs,
``longvideobench_process_results`` (``parse_multi_choice_response``, its random choice replaced by null) and
``longvideobench_aggregate_results``; on a few questions and 73 adversarial model answers. omnieval's prompts (each
task's template rendered by the planner), letters and aggregates must be the same, but for the departures each task's
description states (pinned here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evals.scoring.metrics.long_video import MlvuOptions, _type_code, aggregate_mlvu, longvideobench_letter
from evals.scoring.metrics.videomme import videomme_letter
from evals.spec.catalog import load_task
from tests.conformance.test_video_prompts import VIDEO, _text  # the planner's text after the video; a tiny clip

DATA = json.loads((Path(__file__).parent / "data" / "lmms_eval_long_video.json").read_text(encoding="utf-8"))
LMMS_EVAL_COMMIT = "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3"
TASK_TYPES = {"dev": ("anomaly_reco", "count", "ego", "needle", "order", "plotQA", "topic_reasoning"),
              "test": ("anomaly_reco", "count", "ego", "needleQA", "order", "plotQA", "sportsQA", "topic_reasoning", "tutorialQA")}


def test_the_reference_outputs_say_where_they_come_from_and_are_enough():
    source = DATA["source"]
    assert source["repository"] == "EvolvingLMMs-Lab/lmms-eval" and source["commit"] == LMMS_EVAL_COMMIT
    assert {"lmms_eval/tasks/mlvu/utils.py", "lmms_eval/tasks/lvbench/utils.py", "lmms_eval/tasks/longvideobench/utils.py",
            "lmms_eval/tasks/_task_utils/mcq_extract.py"} <= set(source["paths"])
    for key in ("mlvu_answers", "lvbench_answers", "longvideobench_answers"):
        assert len(DATA[key]) >= 70 and len({a["answer"] for a in DATA[key]}) == len(DATA[key])
    for task in ("mlvu_dev", "mlvu_test", "lvbench", "longvideobench_val_v"):
        assert LMMS_EVAL_COMMIT in load_task(task).description


# --- MLVU --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", DATA["mlvu_prompts"], ids=lambda c: f"{c['task']}-{c['doc']['task_type']}")
def test_mlvu_prompt_is_lmms_evals(case):
    assert _text(case["task"], {**case["doc"], "video_name": VIDEO}) == case["prompt"]


@pytest.mark.parametrize("case", DATA["mlvu_answers"], ids=lambda c: repr(c["answer"])[:40])
def test_mlvu_reads_each_answer_as_lmms_eval_does(case):
    # The test set's E and F are never read, as there (extract_mcq_answer over A-D). "" there: unread (wrong either way).
    assert videomme_letter(case["answer"])[0] == (case["letter"] or None)


@pytest.mark.parametrize("case", DATA["mlvu_aggregates"], ids=lambda c: f"{c['split']}-{c['case']}")
def test_mlvu_m_avg_is_mlvu_aggregate_results(case):
    results = case["results"]
    table = {"score": np.array([float(r["pred_answer"] == r["answer"]) for r in results]),
             "unparsed": np.array([float(r["pred_answer"] is None) for r in results]),
             "task_type": np.array([_type_code(r["task_type"]) for r in results])}
    ours = aggregate_mlvu(table, MlvuOptions(task_types=TASK_TYPES[case["split"]]))
    assert 100 * ours["m_avg"] == pytest.approx(case["m_avg"], abs=1e-9)  # lmms-eval reports percentages


def test_each_mlvu_task_names_the_task_types_lmms_eval_averages():
    for task, split in (("mlvu_dev", "dev"), ("mlvu_test", "test")):
        [scorer] = load_task(task).scorers
        assert scorer.name == "mlvu_match" and tuple(sorted(scorer.options["task_types"])) == tuple(sorted(TASK_TYPES[split]))


# --- LVBench -----------------------------------------------------------------------------------------------------------


def test_lvbench_prompt_is_lmms_evals_for_questions_that_carry_their_options():
    [inline, with_column] = DATA["lvbench_prompts"]
    assert _text("lvbench", {**inline["doc"], "video_path": VIDEO}) == inline["prompt"]
    # Stated assumption: the rows carry their options in the question. An ``options`` column, which lvbench_doc_to_text
    # would write as "(A) option" lines, is not read.
    doc = with_column["doc"]
    assert _text("lvbench", {**doc, "video_path": VIDEO}) == doc["question"] + "\nAnswer the question with the option letter"
    assert with_column["prompt"] != doc["question"] + "\nAnswer the question with the option letter"


@pytest.mark.parametrize("case", DATA["lvbench_answers"], ids=lambda c: repr(c["answer"])[:40])
def test_lvbench_reads_and_scores_each_answer_as_lmms_eval_does(case):
    assert load_task("lvbench").scorers[0].name == "videomme_match"
    letter = videomme_letter(case["answer"])[0]
    assert letter == (case["letter"] or None) and (letter == DATA["lvbench_prompts"][0]["doc"]["answer"]) == case["score"]


# --- LongVideoBench ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", DATA["longvideobench_prompts"], ids=lambda c: c["doc"]["id"])
def test_longvideobench_prompt_is_lmms_evals_but_for_the_final_newline(case):
    text = _text("longvideobench_val_v", {**case["doc"], "video_path": VIDEO})
    # Stated departure: the planner trims a prompt's trailing newlines; lmms-eval's post_prompt ends with one.
    assert case["prompt"].endswith("directly.\n") and text == case["prompt"][:-1]


@pytest.mark.parametrize("case", DATA["longvideobench_answers"], ids=lambda c: repr(c["answer"])[:40])
def test_longvideobench_reads_each_answer_as_lmms_eval_does_but_never_guesses(case):
    # null in the data: where parse_multi_choice_response picks a random option; here the answer is unread (wrong, counted).
    assert longvideobench_letter(case["answer"])[0] == case["letter"]


def test_longvideobench_accuracy_is_longvideobench_aggregate_results():
    results = DATA["longvideobench_aggregate"]["results"]
    ours = np.mean([longvideobench_letter(p)[0] == r["answer"] for r, p in zip(results, ["C", "E", "B", "The answer is C"] * 2)])
    assert [r["parsed_pred"] for r in results] == [longvideobench_letter(p)[0] for p in ["C", "E", "B", "The answer is C"] * 2]
    assert ours == pytest.approx(DATA["longvideobench_aggregate"]["acc"], abs=1e-5)  # rounded to 5 places there
