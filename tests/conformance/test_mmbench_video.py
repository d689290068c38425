"""MMBench-Video's judge messages against VLMEvalKit's own grader code.

``data/mmbench_video_vlmevalkit.json`` holds VLMEvalKit's ``system_prompt`` and what its ``build_prompt`` gave for a few
items (open-compass/VLMEvalKit, vlmeval/dataset/utils/mmbench_video.py; commit and command in the file's header).
mmbench_video's judge must send that system message and that query, the candidate answer quoted (line breaks written
\\n, | as \\|: a deliberate departure, so an answer cannot forge the query), and read a 0-3 grade.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.run.judge import parse_verdict
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template, quote_answer

DATA = json.loads((Path(__file__).parent / "data" / "mmbench_video_vlmevalkit.json").read_text(encoding="utf-8"))
JUDGE = load_task("mmbench_video").judge


def test_the_official_outputs_say_where_they_come_from():
    source = DATA["source"]
    assert source["repository"] == "open-compass/VLMEvalKit" and len(source["commit"]) == 40 and source["command"]


def test_the_system_message_is_the_official_grader_prompt():
    assert judge_template(JUDGE.system, "mmbench_video", "judge.system").render() == DATA["system_prompt"]


@pytest.mark.parametrize("entry", DATA["prompts"], ids=lambda e: e["item"]["question"][:20])
def test_the_query_is_build_prompts(entry):
    item = entry["item"]
    rendered = judge_template(JUDGE.prompt, "mmbench_video", "judge.prompt").render(
        metadata={"question": item["question"]}, answer=item["answer"], prediction=item["prediction"])
    expected = entry["prompt"]
    if item["prediction"]:
        head, _, tail = expected.rpartition(f"Candidate answer: {item['prediction']}")
        expected = f"{head}Candidate answer: {quote_answer(item['prediction'])}{tail}"
    assert rendered == expected


@pytest.mark.parametrize("reply, score", [("0", 0.0), ("3", 3.0), ("2", 2.0), (" 1 ", 1.0), ("4", None), ("-1", None), ("good", None)])
def test_a_grade_is_an_integer_from_0_to_3(reply, score):
    assert parse_verdict(reply, JUDGE.verdict)[0] == score
