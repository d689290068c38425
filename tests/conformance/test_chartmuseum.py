"""ChartMuseum's answer reading, judge prompt, judge verdict and question prompt against the official code.

``data/chartmuseum_official.json`` holds what Liyan06/ChartMuseum's own ``evaluate.py`` and ``prompt.py`` gave when they were
run (repository, files, commit and command in its header): ``extract_answer`` on adversarial model outputs, the judge prompt
``AnswerCompareGenerator.prompt`` builds for a few (question, reference, short answer) rows, ``parse``'s reading of judge
replies, and ``QA_PROMPT`` for a few questions. tasks/vqa/chartmuseum.yaml must read the short answer as ``extract_answer``
does (the ``tag_text`` template filter), render the judge prompt byte for byte as the official one for a one-line answer
without ``|``, and send the official question prompt. Pinned departures: the judge's reply is read as the first of Yes or No
as a whole word (the official counts it right when "yes" appears anywhere in it, even inside a word or after a "No"), and a
reply with neither is a counted scoring error, never a 0; the short answer is quoted (line breaks written \\n, | as \\|);
``<think>`` spans are removed before the answer is read (the run's ``--reasoning-tags``, on by default), so an ``<answer>``
inside the reasoning is not the short answer (``--reasoning-tags none`` reads as the official code does).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evals.run.judge import parse_verdict
from evals.run.reasoning import strip_reasoning
from evals.scoring.answers import tag_text
from evals.spec.catalog import load_task
from evals.spec.templates import PromptTemplate, judge_template, quote_answer

DATA = json.loads((Path(__file__).parent / "data" / "chartmuseum_official.json").read_text(encoding="utf-8"))
SPEC = load_task("chartmuseum_test")


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "Liyan06/ChartMuseum" and len(official["commit"]) == 40 and DATA["command"]
    assert len(DATA["extract"]) >= 15 and len(DATA["replies"]) >= 15 and DATA["judge_prompts"] and DATA["qa_prompts"]
    assert "" in {c["official_answer"] for c in DATA["extract"]}  # no tag: an empty short answer
    assert {c["official_equal_answer"] for c in DATA["replies"]} == {0, 1}


@pytest.mark.parametrize("case", DATA["extract"], ids=[f"{i}:{c['output'][:24]!r}" for i, c in enumerate(DATA["extract"])])
def test_the_short_answer_is_read_as_extract_answer_reads_it(case):
    assert tag_text(case["output"], "answer") == case["official_answer"]


def test_an_answer_inside_the_reasoning_is_not_the_short_answer_once_reasoning_is_removed():
    [case] = [c for c in DATA["extract"] if c["output"].startswith("<think><answer>")]
    assert case["official_answer"] == "draft 1"  # the official reads the first tag, inside the reasoning
    assert tag_text(strip_reasoning(case["output"]), "answer") == "final 2"  # departure under the default --reasoning-tags think


@pytest.mark.parametrize("case", DATA["judge_prompts"], ids=[c["answer2"] or "empty" for c in DATA["judge_prompts"]])
def test_the_judge_prompt_renders_byte_for_byte_as_the_official_one(case):
    template = judge_template(SPEC.judge.prompt, SPEC.name, "judge.prompt")
    prediction = f"<think>\nThe chart shows it.\n</think>\n<answer>\n{case['answer2']}\n</answer>"
    rendered = template.render(prediction=prediction, references=[case["answer1"]], metadata={"question": case["question"]})
    assert rendered == case["official_prompt"]


def test_a_short_answer_over_lines_or_with_a_bar_is_quoted():
    template = judge_template(SPEC.judge.prompt, SPEC.name, "judge.prompt")
    rendered = template.render(prediction="<answer>a\nb | c</answer>", references=["x"], metadata={"question": "q"})
    assert f"Answer 2: {quote_answer('a' + chr(10) + 'b | c')}\n" in rendered and "Answer 2: a\\nb \\| c\n" in rendered


@pytest.mark.parametrize("case", DATA["replies"], ids=[f"{i}:{c['reply'][:24]!r}" for i, c in enumerate(DATA["replies"])])
def test_each_judge_reply_is_read_as_parse_reads_it_or_is_a_scoring_error(case):
    score, why = parse_verdict(case["reply"], SPEC.judge.verdict)
    words = re.findall(r"\b(yes|no)\b", case["reply"].lower())
    if not words:  # departure: neither word is a counted scoring error (official: 0, or 1 when "yes" is inside a word)
        assert score is None and why
    elif words[0] == "yes":
        assert score == 1.0 and case["official_equal_answer"] == 1
    else:  # "No" first: 0; the official reads 1 when a "yes" follows (pinned: "No, although one might say yes.")
        assert score == 0.0
        assert case["official_equal_answer"] == int("yes" in case["reply"].lower())


@pytest.mark.parametrize("case", DATA["qa_prompts"], ids=[c["question"][:30] for c in DATA["qa_prompts"]])
def test_the_question_prompt_is_qa_prompt_after_the_chart(case):
    text = PromptTemplate(SPEC.prompt.user, SPEC.name, "prompt.user").render(question=case["question"])
    assert text == "<image>\n" + case["official_prompt"]
