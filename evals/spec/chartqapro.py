"""ChartQAPro's request text: the paper's "Direct" prompts, as VLMEvalKit builds them (open-compass/VLMEvalKit
``vlmeval/dataset/utils/chartqapro.py`` ``prompt_context(question, answer, q_type, "Direct")`` and
``vlmeval/dataset/chartqapro.py`` ``ChartQAPro.build_prompt``, commit e8e78f05f3080fe28154f2130321f17951c3be94; the
ChartQAPro README sends evaluation to VLMEvalKit). Each prompt is the official f-string, byte for byte: a leading newline,
every line indented by twelve spaces, a trailing indented empty line. The question is the row's first; a Conversational
row's is its last, after ``Conversation:`` and the Python ``repr`` of the list of earlier questions and answers
interleaved (``[x for qa in zip(question[:-1], answer[:-1]) for x in qa]``). build_prompt sends the image, then the
row's paragraph (empty when missing), then this text; omnieval's request joins the two texts with nothing between (the
prompt begins with its own newline; the request drops a text part's edge newlines, so that newline goes where the
paragraph is empty). tests/conformance/test_chartqapro.py renders rows against the official function.
"""

from __future__ import annotations

from typing import Sequence

QUESTION_TYPES = ("Factoid", "Multi Choice", "Conversational", "Fact Checking", "Hypothetical")

_UNITS = ("Your answer should be a single word, number, or phrase. If the question is unanswerable based on",
          "the information in the provided image, your answer should be unanswerable. Do not generate units.",
          "But if numerical units such as million, m, billion, B, or K are required, use the exact notation",
          "shown in the chart.")
_TAIL = ("If there are multiple answers, put them in brackets using this format [\u2019Answer1\u2019, \u2019Answer2\u2019].",
         "Remember to generate the final answer only without any additional text!")
_HEADS: dict[str, tuple[str, ...]] = {
    "Factoid": ("You are given a factoid question that you need to answer based on the provided image.", *_UNITS),
    "Multi Choice": ("You are given a question along with different possible answers. You need to select the correct answer",
                     "from them based on the provided image.",
                     "Your answer should be one of the options letters only: a, b, c or d (just the letter itself without any",
                     "additional text). If the question is unanswerable based on the information in the provided image, your",
                     "answer should be unanswerable."),
    "Conversational": ("You are given a multi-turn conversation, and your job is to answer the final question based on the",
                       "conversation history and the information in the provided image.", *_UNITS),
    "Fact Checking": ("You are given a fact statement that you need to assess based on the provided image.",
                      "Your answer should be either true or false (without any additional text). If the question is",
                      "unanswerable based on the information in the provided image, your answer should be unanswerable."),
    "Hypothetical": ("You are given a hypothetical question that you need to answer based on the provided image.", *_UNITS),
}
_INDENT = " " * 12


def direct_prompt(questions: Sequence[str], answers: Sequence[str], question_type: str) -> str:
    """The official ``prompt_context(questions, answers, question_type, "Direct")``; an unknown type is an error."""
    if question_type not in _HEADS:
        raise ValueError(f"Question Type {question_type!r} is not one of {list(QUESTION_TYPES)}")
    if not questions:
        raise ValueError("Question is empty")
    if question_type == "Conversational":
        history = [x for qa in zip(questions[:-1], answers[:-1]) for x in qa]
        last = f"Conversation: {history!r} Question: {questions[-1]}"
    else:
        last = f"Question: {questions[0]}"
    lines = [*_HEADS[question_type], *_TAIL, last]
    return "\n" + "".join(f"{_INDENT}{line}\n" for line in lines) + _INDENT
