"""MMVU's prompts and its judge's messages against the official code (yale-nlp/MMVU).

``data/mmvu_official.json`` holds what the official ``prepare_qa_text_input`` (with the default CoT prompts) and the
evaluator's ``prepare_evaluation_message`` gave for a few documents and responses when run (commit, paths and command in
its header). omnieval's mmvu_mc / mmvu_open prompts must be those prompts (without their leading line break), and
mmvu_open's judge must send the official system message and user message, the response quoted (line breaks written
\\n, | as \\|: a deliberate departure, so an answer cannot forge the prompt).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template, quote_answer

DATA = json.loads((Path(__file__).parent / "data" / "mmvu_official.json").read_text(encoding="utf-8"))


def test_the_official_outputs_say_where_they_come_from():
    source = DATA["source"]
    assert source["repository"] == "yale-nlp/MMVU" and len(source["commit"]) == 40 and source["command"]
    assert {p["doc"]["question_type"] for p in DATA["prompts"]} == {"multiple-choice", "open-ended"}


@pytest.mark.parametrize("entry", DATA["prompts"], ids=lambda e: e["doc"]["id"])
def test_the_prompts_are_the_official_cot_prompts(entry):
    from evals.spec.preprocess import get_preprocessor

    doc = entry["doc"]
    spec = load_task("mmvu_mc" if doc["question_type"] == "multiple-choice" else "mmvu_open")
    row = get_preprocessor("mmvu")({**doc, "video": {"bytes": b"not decoded", "path": "v.mp4"}})
    sample = RequestPlanner(spec.model_copy(update={"preprocess": None})).plan(0, row)
    [message] = sample.request.messages
    assert message.content[0].kind == "video" and len(message.content) == 2
    assert message.content[1].text == entry["prompt"].strip("\n")


OPEN = [e for e in DATA["judge"] if e["doc"]["question_type"] == "open-ended"]  # mmvu_mc is scored by rules, not judged


@pytest.mark.parametrize("entry", OPEN, ids=[f"{e['doc']['id']}:{k}" for k, e in enumerate(OPEN)])
def test_the_open_judge_sends_the_official_messages(entry):
    doc, (system, user) = entry["doc"], entry["messages"]
    judge = load_task("mmvu_open").judge
    assert judge_template(judge.system, "mmvu", "judge.system").render() == system["content"]
    rendered = judge_template(judge.prompt, "mmvu", "judge.prompt").render(
        metadata={"question": doc["question"]}, answer=doc["answer"], prediction=entry["response"])
    assert rendered == user["content"].replace(entry["response"], quote_answer(entry["response"]))
