"""``erqa_exact_match``: ERQA's official scoring (embodiedreasoning/ERQA ``eval_harness.py``): right when the answer,
every ``.`` removed, stripped and lower-cased, is the reference letter lower-cased. Nothing is extracted: an answer that
is not one of the letters A-D so written (``B.``, `` b ``) is wrong and counted in ``unparsed_rate``; no letter is
guessed and no judge is asked."""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

OPTIONS = ("A", "B", "C", "D")


def erqa_letter(answer: str) -> tuple[str | None, str]:
    """``(letter, "exact")`` when ``answer`` is a letter A-D as the official comparison reads it, else ``(None, "unparsed")``."""
    text = str(answer).replace(".", "").strip().lower()
    return (text.upper(), "exact") if text.upper() in OPTIONS and len(text) == 1 else (None, "unparsed")


@scorer("erqa_exact_match", **LETTER_ACCURACY,
        description="ERQA's official exact match: the answer, '.' removed, stripped, lower-cased, is the letter; else wrong, counted.")
def score_erqa(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, erqa_letter)
