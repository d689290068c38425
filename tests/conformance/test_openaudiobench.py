"""OpenAudioBench's spoken QA judge (tasks/audio/openaudiobench*.yaml) against the official code.

``data/openaudiobench_official.json`` holds what Kimi-Audio-Evalkit's own ``OpenAudioBench.evaluate_llm`` (ds_refqa.py with
base.py's ``run_llm_judge``; repository, path, commit and command in its header) sent and read when run on adversarial rows
(whitespace around the transcript and answer, braces, quotes, a line break in the answer) with scripted judge replies:
the prompt it sent for each row, and whether it read each reply as correct, incorrect or invalid (left out of its
accuracy). The tasks must render each prompt byte for byte and read each reply the same way, but for the departures
pinned here: an answer with a line break is shown quoted; the Llama Questions verdict is read case-insensitively and
without the closing bracket; the Web Questions / TriviaQA verdict is a ``"judgment": "correct"`` (or ``incorrect``) as
written in the reply, not the official's Python evaluation of the reply's first ``{...}`` (so a brace inside the analysis
or a space before the colon reads differently, and a judgment that is neither word is no verdict rather than wrong).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.run.judge import parse_verdict
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template, quote_answer

DATA = json.loads((Path(__file__).parent / "data" / "openaudiobench_official.json").read_text(encoding="utf-8"))
TASKS = {"llama_questions": "openaudiobench_llama_questions", "web_questions": "openaudiobench_web_questions",
         "trivia_qa": "openaudiobench_trivia_qa"}
# (subset, reply) -> what the task reads where the official reads otherwise (DATA holds the official reading).
DEPARTURES = {
    ("llama_questions", "THE SCORE IS [CORRECT]"): "correct",
    ("llama_questions", "the score is [Correct"): "correct",
    ("web_questions", '{"analysis": "a {nested} brace", "judgment": "correct"}'): "correct",
    ("web_questions", '{"analysis": "ok", "judgment": "partially correct"}'): "invalid",
    ("trivia_qa", '{"analysis": "x", "judgment" : "correct"}'): "invalid",
}


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"]["repository"] == "MoonshotAI/Kimi-Audio-Evalkit" and len(DATA["official"]["commit"]) == 40
    assert DATA["command"] and {c["subset"] for c in DATA["prompts"]} == set(TASKS)
    assert {v["official"] for v in DATA["verdicts"]} == {"correct", "incorrect", "invalid"}


@pytest.mark.parametrize("case", DATA["prompts"], ids=lambda c: f"{c['subset']}:{c['prediction'][:16]!r}")
def test_the_judge_prompt_renders_byte_for_byte_as_the_official_one(case):
    spec = load_task(TASKS[case["subset"]])
    assert spec.judge.system is None  # the official sends the prompt alone
    rendered = judge_template(spec.judge.prompt, spec.name, "judge.prompt").render(
        metadata={"question": case["question"]}, references=[case["answer"]], prediction=case["prediction"])
    if "\n" in case["prediction"]:  # departure: the answer is quoted
        assert rendered == case["judge_prompt"].replace(case["prediction"], quote_answer(case["prediction"]))
        assert rendered != case["judge_prompt"]
    else:
        assert rendered == case["judge_prompt"]


@pytest.mark.parametrize("case", DATA["verdicts"], ids=lambda c: f"{c['subset']}:{c['reply'][:24]!r}")
def test_each_reply_is_read_as_the_official_reads_it(case):
    score, _ = parse_verdict(case["reply"], load_task(TASKS[case["subset"]]).judge.verdict)
    ours = "invalid" if score is None else "correct" if score == 1 else "incorrect"
    expected = DEPARTURES.get((case["subset"], case["reply"]), case["official"])
    assert ours == expected
    if (case["subset"], case["reply"]) in DEPARTURES:
        assert expected != case["official"]  # a departure pinned here is one the official data shows
