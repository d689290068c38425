"""``mmsu_letter``: MMSU's official answer reading (``calculate_accuracy_per_task_and_category`` in dingdongwang/MMSU
``mmsu_evaluation.py``), for the standalone MMSU benchmark (not VoiceBench's MMSU subset, which is spoken MMLU-Pro).

The answer is stripped and its line breaks removed; its first character, if one of A-D, is the letter (rule
``first``); else, if it is longer than one character, its second-to-last character, if one of A-D ("The answer is
A.", rule ``second_to_last``); the option of that letter must be the reference option's text (``answer_gt``). An
empty answer or the word ``None`` is wrong and counted there (rule ``empty``). An answer neither rule reads ("wrong
format") is dropped from the official total altogether; here it is wrong and counted (rule ``unparsed``), so
``accuracy`` is over every question and ``accuracy_official`` is the official figure: right answers over the questions
less the unread ones. The quirks are kept: an answer starting with "As an AI" reads as A.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from pydantic import BaseModel

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer

_LETTERS = "ABCD"


def mmsu_letter(response: str) -> tuple[str | None, str]:
    """(letter, rule) as the official evaluation reads ``response``: ``first``, ``second_to_last``, or (None, ``empty``)
    for an empty answer or "None" (counted wrong there), (None, ``unparsed``) for one it drops from its total."""
    text = response.strip().replace("\n", "")
    if text == "None" or not text:
        return None, "empty"
    if text[0] in _LETTERS:
        return text[0], "first"
    if len(text) > 1 and text[-2] in _LETTERS:
        return text[-2], "second_to_last"
    return None, "unparsed"


def _mmsu_metrics(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    return {"accuracy": safe_divide(totals["score"], n), "accuracy_official": safe_divide(totals["score"], n - totals["dropped"]),
            "unparsed_rate": safe_divide(totals["unparsed"], n)}


@scorer("mmsu_letter", aggregate=TotalsAggregate(("score", "dropped", "unparsed"), _mmsu_metrics), primary="accuracy",
        metrics=("accuracy", "accuracy_official", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"},
        description="MMSU's official reading (the first character, else the second-to-last, a letter A-D); an answer it drops "
                    "is wrong and counted here (accuracy), left out of accuracy_official as there.")
def score_mmsu(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references:
            out.append(SampleScore(error="no reference letter"))
            continue
        letter, rule = mmsu_letter(item.prediction)
        right = letter is not None and letter == item.references[0].strip().upper()
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0, "dropped": 1.0 if rule == "unparsed" else 0.0,
                                      "unparsed": 0.0 if letter else 1.0}, extracted=letter, rule=rule))
    return out
