"""``omnispatial_match``: OmniSpatial's official answer reading for its default protocol (``--eval_type re``,
qizekun/OmniSpatial vlms_eval/*_eval.py and api_eval.py, commit 208bac258d8671c6857b3be2834997936ba7fc51): the last
``Answer: X`` of the answer (``Answer\\s*:\\s*([A-D])\\b``, any case), compared with the reference as written, so that a
lower-case letter (``answer: b``) is read but wrong, as there. Departure: where no such line is found the official scripts
score the letter A; here the answer is unparsed (wrong, counted in ``unparsed_rate``)."""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_ANSWER_LINE = re.compile(r"Answer\s*:\s*([A-D])\b", re.IGNORECASE)


def omnispatial_letter(answer: str) -> tuple[str | None, str]:
    """``(letter as written, "answer_line")`` from the last ``Answer: X`` of ``answer``, or ``(None, "unparsed")``."""
    found = _ANSWER_LINE.findall(str(answer))
    return (found[-1], "answer_line") if found else (None, "unparsed")


@scorer("omnispatial_match", **LETTER_ACCURACY,
        description="OmniSpatial: the official 're' reading (the last 'Answer: X', its case kept); none = wrong, counted "
                    "(the official scripts score A).")
def score_omnispatial(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, omnispatial_letter)
