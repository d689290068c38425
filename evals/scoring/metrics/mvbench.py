"""``mvbench_match``: MVBench's answer reading as lmms-eval scores it (``tasks/mvbench/utils.py`` ``mcq_acc``;
EvolvingLMMs-Lab/lmms-eval at commit 75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3).

An answer that starts ``B. text`` is B (rule ``letter_dot``); otherwise newlines and tabs become spaces, punctuation
is removed or spaced as the VQA normaliser does, periods not followed by a digit are removed (at most 32 of them:
lmms-eval passes ``re.UNICODE`` where ``re.sub`` takes its count), then ``'``, ``"``, ``)`` and ``(`` are stripped
from the ends in turn, and the first standalone letter A-E, in either case, is the answer (``first_letter``; the
article "a" is A, as there). An answer with none is unparsed: wrong and counted.
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
    return _PERIOD_STRIP.sub("", out, count=32)  # lmms-eval: periodStrip.sub("", outText, re.UNICODE), re.UNICODE == 32


def mvbench_letter(prediction: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as MVBench's ``mcq_acc`` reads ``prediction``, or ``(None, "unparsed")``."""
    m = _OPTION.match(prediction.strip())
    if m:
        return m.group(1).upper(), "letter_dot"
    text = _punctuation(prediction.replace("\n", " ").replace("\t", " ").strip())
    for mark in "'\")(":  # one after the other, as there
        text = text.strip(mark)
    text = text.strip().lower()
    m = re.search(r"\b([A-E])\b", text, re.IGNORECASE)
    return (m.group(1).upper(), "first_letter") if m else (None, "unparsed")


@scorer("mvbench_match", **LETTER_ACCURACY, description="MVBench's answer reading (lmms-eval's mcq_acc); unparsed = wrong.")
def score_mvbench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, mvbench_letter)
