"""``mvbench_match``: MVBench's answer reading as lmms-eval scores it (``mcq_acc``).

An answer that starts ``B. text`` is B (rule ``letter_dot``); otherwise punctuation is stripped as the VQA
normaliser does, then the first standalone letter A-E is the answer (``first_letter``). An answer with none is
unparsed: wrong and counted.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_OPTION = re.compile(r"^([A-E])\.\s*(.+)$", re.IGNORECASE)
_PUNCT = [";", r"/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"]
_COMMA_STRIP = re.compile(r"(\d)(\,)(\d)")
_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")


def _punctuation(text: str) -> str:
    out = text
    for p in _PUNCT:
        if (p + " " in text or " " + p in text) or _COMMA_STRIP.search(text) is not None:
            out = out.replace(p, "")
        else:
            out = out.replace(p, " ")
    return _PERIOD_STRIP.sub("", out)


def mvbench_letter(prediction: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as MVBench's ``mcq_acc`` reads ``prediction``, or ``(None, "unparsed")``."""
    m = _OPTION.match(prediction.strip())
    if m:
        return m.group(1).upper(), "letter_dot"
    text = _punctuation(prediction.replace("\n", " ").replace("\t", " ").strip()).strip("'\"()").strip().lower()
    m = re.search(r"\b([A-E])\b", text, re.IGNORECASE)
    return (m.group(1).upper(), "first_letter") if m else (None, "unparsed")


@scorer("mvbench_match", **LETTER_ACCURACY, description="MVBench's answer reading (lmms-eval's mcq_acc); unparsed = wrong.")
def score_mvbench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, mvbench_letter)
