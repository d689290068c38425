"""``dynamath_match``: DynaMath's answer reading and comparison, as VLMEvalKit's ``DynaMath_auxeval`` does it
(open-compass/VLMEvalKit ``vlmeval/dataset/dynamath.py``, commit e8e78f05f3080fe28154f2130321f17951c3be94; the
DynaMath authors' README points to VLMEvalKit for evaluation: DynaMath/DynaMath has no evaluation code).

The prompt asks for a JSON object with ``solution`` and ``short answer``. The response is read step by step (the record's
``extraction_rule`` names the step that read it):

1. ``json``: ``preprocess`` (the text from the first ``{`` to the last ``}`` when there is one, every backslash removed)
   parsed as JSON (``strict=False``); its ``short answer`` read by ``parse_answer`` for the question's ``answer_type``;
2. ``direct``: else the preprocessed response itself read by ``parse_answer``;
3. ``first_chars`` (multiple choice only): else right when the answer letter is among its first three characters
   (upper-cased), as VLMEvalKit does after its judge fails too; nothing is extracted.

``parse_answer``: ``float``: the text's first word as a number (``2π`` -> 2·π); ``multiple choice``: a one-character text,
or the one letter of A-E in the upper-cased text (none or several: no reading); other types (``text``): the text
itself. A float is right within 0.001 of the answer, a letter when it is the answer, a text when it is a substring of the
answer (both lower-cased).

Departures: VLMEvalKit asks a GPT judge (gpt-4o-mini) for the short answer when steps 1 and 2 read nothing; that judge is
not run here (such answers are unparsed, wrong and counted, or read by step 3 as VLMEvalKit reads them after a failed
judge). An empty reading is unparsed and wrong, where VLMEvalKit's substring test counts an empty text answer
(``{"short answer": ""}``) right; and a float answer that is not a number is wrong where VLMEvalKit raises.
tests/conformance/test_dynamath.py pins both against VLMEvalKit's outputs.
"""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY


def preprocess(text: str) -> str:
    """VLMEvalKit's ``preprocess``: the outermost ``{...}`` when there is one, backslashes removed."""
    text = str(text)
    if 0 <= text.find("{") < text.rfind("}"):
        text = text[text.find("{"): text.rfind("}") + 1]
    return text.replace("\\", "")


def _number(text: str) -> float:
    if "\u03c0" in text:
        return float(text.split("\u03c0")[0]) * math.pi
    return float(text)


def parse_answer(answer: str, answer_type: str) -> tuple[bool, Any]:
    """VLMEvalKit's ``parse_answer``: ``(read, value)``."""
    if answer_type == "float":
        if answer.isdigit():
            return True, float(answer)
        try:
            return True, _number(answer.split(" ")[0])
        except (ValueError, OverflowError):
            return False, None
    if answer_type == "multiple choice":
        if len(answer) == 1:
            return True, answer.upper()
        letters = [ch for ch in "ABCDE" if ch in answer.upper()]
        return (True, letters[0]) if len(letters) == 1 else (False, None)
    return True, answer


def read_answer(response: str, answer_type: str) -> tuple[Any, str | None]:
    """``(short answer, rule)`` as ``DynaMath_auxeval`` reads it without its judge; ``(None, None)`` when nothing is read."""
    pred = preprocess(response)
    try:
        short = json.loads(pred, strict=False).get("short answer")
    except (ValueError, AttributeError, RecursionError):
        short = None
    if short is not None:
        try:
            ok, value = parse_answer(short, answer_type)
        except (AttributeError, TypeError):  # a non-string short answer: VLMEvalKit's parse raises and falls through
            ok = False
        if ok:
            return value, "json"
    ok, value = parse_answer(pred, answer_type)
    return (value, "direct") if ok else (None, None)


def dynamath_correct(value: Any, answer: str, answer_type: str) -> bool:
    """VLMEvalKit's verdict on a reading."""
    if answer_type == "float":
        try:
            return abs(float(value) - float(answer)) <= 0.001
        except (TypeError, ValueError, OverflowError):
            return False
    if answer_type == "multiple choice":
        return value == answer
    return str(value).lower() in answer.lower()


@scorer("dynamath_match", **LETTER_ACCURACY,
        description="DynaMath: VLMEvalKit's reading of the JSON short answer (or the response) by answer type; float within 0.001, "
                    "letter, or substring of the answer (no GPT judge).")
def score_dynamath(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        answer_type = item.metadata.get("answer_type")
        if not item.references or not answer_type:
            raise ValueError(f"dynamath_match: sample {item.id!r} lacks its answer or answer_type (fields.references, fields.metadata)")
        answer = item.references[0]
        value, rule = read_answer(item.prediction, answer_type)
        if rule is None or (isinstance(value, str) and not value.strip()):
            right = answer_type == "multiple choice" and bool(answer) and answer in preprocess(item.prediction)[:3].upper()
            out.append(SampleScore(stats={"score": float(right), "unparsed": float(not right)}, extracted=None,
                                   rule="first_chars" if right else "unparsed"))
            continue
        right = dynamath_correct(value, answer, answer_type)
        out.append(SampleScore(stats={"score": float(right), "unparsed": 0.0}, extracted=str(value), rule=rule))
    return out
