"""TempCompass's yes/no, caption-matching and captioning prompts, answer rules and caption judging against lmms-eval's code.

``data/lmms_eval_tempcompass_formats.json`` holds what lmms-eval's functions returned when they were run (the files of
EvolvingLMMs-Lab/lmms-eval at the commit its header names, in a throwaway script outside the repository, no GPT called;
its command is recorded there): ``tempcompass_doc_to_text_yes_no`` / ``_caption_matching`` / ``_captioning`` with the
template's default kwargs, ``extract_pred`` and ``eval_rule`` on adversarial answers, the judge prompt
``tempcompass_process_results_captioning`` builds, and ``parse_llm_output_for_captioning`` on adversarial judge replies.
omnieval's prompts, readings and judge prompt must be the same, but for the departures pinned here: where the rules read
nothing lmms-eval asks GPT-3.5 (recorded as a ``null`` rating): omnieval counts the answer unread and wrong; the caption in
the judge prompt is quoted (its line breaks written ``\\n``, its ``|`` as ``\\|``); an empty judge reply (lmms-eval's
rating -1) is a scoring error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from evals.results import SampleRecord
from evals.run.judge import judge_requests
from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.tempcompass import (score_tempcompass_caption_matching, score_tempcompass_captioning,
                                               score_tempcompass_yes_no, tempcompass_captioning_rating)
from evals.spec.catalog import load_task
from evals.spec.templates import quote_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from make_fixtures import video_bytes  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "lmms_eval_tempcompass_formats.json").read_text(encoding="utf-8"))
YES_NO, MATCHING, CAPTIONING = DATA["yes_no"], DATA["caption_matching"], DATA["captioning"]
COMMIT = "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3"
VIDEO = {"bytes": video_bytes(n=6, fps=6, codec="mpeg4", container="mp4"), "path": "clip.mp4"}


def _text(task: str, row: dict[str, Any]) -> str:
    sample = RequestPlanner(load_task(task)).plan(0, {**row, "video_id": VIDEO})
    assert sample.error is None, sample.error
    [message] = [m for m in sample.request.messages if m.role == "user"]
    assert [getattr(p, "kind", "text") for p in message.content] == ["video", "text"]
    return message.content[1].text


def test_the_reference_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["source"]["repository"] == "EvolvingLMMs-Lab/lmms-eval" and DATA["source"]["commit"] == COMMIT
    assert "lmms_eval/tasks/tempcompass/utils.py" in DATA["source"]["paths"] and DATA["source"]["command"]
    assert len(YES_NO["answers"]) >= 20 and len(MATCHING["answers"]) >= 25 and len(CAPTIONING["replies"]) >= 15
    assert any(a["extracted"] is None for a in YES_NO["answers"]) and any(None in a["ratings"] for a in MATCHING["answers"])
    for task in ("tempcompass_yes_no", "tempcompass_caption_matching", "tempcompass_captioning"):
        assert COMMIT in load_task(task).description


@pytest.mark.parametrize("task, section", [("tempcompass_yes_no", "yes_no"), ("tempcompass_caption_matching", "caption_matching")])
def test_the_prompts_are_lmms_evals(task, section):
    for doc in DATA[section]["docs"]:
        assert _text(task, {k: v for k, v in doc.items() if k != "prompt"}) == doc["prompt"]


def test_the_captioning_prompt_is_lmms_evals():
    doc = CAPTIONING["doc"]
    # lmms-eval's captioning post_prompt is empty: the question alone (it ends "Generated Caption:").
    assert _text("tempcompass_captioning", {k: v for k, v in doc.items() if k != "prompt"}) == doc["prompt"]


@pytest.mark.parametrize("case", YES_NO["answers"], ids=lambda c: repr(c["answer"]))
def test_yes_no_answers_are_read_as_extract_pred_reads_them(case):
    inputs = [ScoreInput(id=str(k), prediction=case["answer"], references=[d["answer"]]) for k, d in enumerate(YES_NO["docs"])]
    for score, rating in zip(score_tempcompass_yes_no(inputs, NoOptions()), case["rating"]):
        assert score.extracted == case["extracted"]
        # rating None: lmms-eval asks GPT-3.5; the departure: unread, wrong, counted.
        assert score.stats == {"score": float(rating or 0), "unparsed": 1.0 if rating is None else 0.0}


@pytest.mark.parametrize("case", MATCHING["answers"], ids=lambda c: repr(c["answer"]))
def test_caption_matching_answers_are_rated_as_eval_rule_rates_them(case):
    inputs = [ScoreInput(id=str(k), prediction=case["answer"], references=[d["answer"]], metadata={"question": d["question"]})
              for k, d in enumerate(MATCHING["docs"])]
    for score, rating in zip(score_tempcompass_caption_matching(inputs, NoOptions()), case["ratings"]):
        assert score.error is None and score.stats == {"score": float(rating or 0), "unparsed": 1.0 if rating is None else 0.0}


def test_a_caption_matching_question_eval_rule_cannot_read_is_a_scoring_error():
    item = ScoreInput(id="0", prediction="A", references=["Caption A - text"], metadata={"question": "Which?\nCaption A - text"})
    [score] = score_tempcompass_caption_matching([item], NoOptions())
    assert score.error is not None and "without ': '" in score.error


@pytest.mark.parametrize("case", CAPTIONING["judge_prompts"], ids=range(len(CAPTIONING["judge_prompts"])))
def test_the_judge_is_asked_lmms_evals_prompt(case):
    spec = load_task("tempcompass_captioning")
    assert spec.judge is not None and spec.judge.system == CAPTIONING["system"] and spec.judge.max_new_tokens == CAPTIONING["max_tokens"]
    doc = CAPTIONING["doc"]
    record = SampleRecord(task=spec.name, index=0, id="0", prompt=[], prediction=case["prediction"], references=[doc["answer"]],
                          metadata={"mc_question": doc["mc_question"], "mc_answer": doc["mc_answer"]})
    [request] = judge_requests(spec, [record])
    assert [m.role for m in request.messages] == ["system", "user"]
    official = case["judge_prompt"]
    # The departure, pinned: the caption is quoted (line breaks written \n, | as \|); a plain one-line caption is verbatim.
    expected = official.replace(f"Video Description:{case['prediction']}\n", f"Video Description:{quote_answer(case['prediction'])}\n")
    assert request.messages[-1].content[0].text == expected
    assert (expected == official) == ("\n" not in case["prediction"] and "|" not in case["prediction"])


@pytest.mark.parametrize("case", CAPTIONING["replies"], ids=lambda c: repr(c["reply"][:40]))
def test_judge_replies_are_read_as_parse_llm_output_for_captioning(case):
    rating, said = tempcompass_captioning_rating(case["reply"], CAPTIONING["doc"]["mc_answer"])
    assert (rating, said) == (case["rating"], case["chatgpt-answer"])
    item = ScoreInput(id="0", prediction="a caption", references=["x"], metadata={"mc_answer": CAPTIONING["doc"]["mc_answer"],
                                                                                  "judge": {"raw": case["reply"], "answer": None, "error": None}})
    [score] = score_tempcompass_captioning([item], NoOptions())
    assert score.stats == {"score": case["rating"]} and score.rule == "judge"


def test_an_empty_or_failed_judge_reply_is_a_scoring_error():
    base = {"mc_answer": "B. x"}
    items = [ScoreInput(id="0", prediction="c", references=["x"], metadata={**base, "judge": {"raw": "  ", "answer": None, "error": None}}),
             ScoreInput(id="1", prediction="c", references=["x"], metadata={**base, "judge": {"raw": None, "answer": None, "error": "HTTP 500"}})]
    assert [s.error for s in score_tempcompass_captioning(items, NoOptions())] == ["the judge's reply is empty", "HTTP 500"]
