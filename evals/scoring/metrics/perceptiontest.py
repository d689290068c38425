"""``perceptiontest_match``: the Perception Test multiple-choice answer reading as lmms-eval scores its validation set
(``tasks/perceptiontest/val/utils.py`` ``perceptiontest_val_process_results_mc``; EvolvingLMMs-Lab/lmms-eval at commit
75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3).

The answer, stripped of whitespace, gives its first standalone capital A-D (``re.search(r"\\b([A-D])\\b")``: case
matters, "a" is no answer, "D" is read though the questions have three options, and is wrong). None: unparsed, wrong
and counted in ``unparsed_rate``, as there (index -1, never right).
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_LETTER = re.compile(r"\b([A-D])\b")


def perceptiontest_letter(prediction: str) -> tuple[str | None, str]:
    """``(letter, "first_letter")`` as lmms-eval's Perception Test reader takes it from ``prediction``, or ``(None, "unparsed")``."""
    m = _LETTER.search(prediction.strip() if isinstance(prediction, str) else "")
    return (m.group(1), "first_letter") if m else (None, "unparsed")


@scorer("perceptiontest_match", **LETTER_ACCURACY,
        description="Perception Test MC: lmms-eval's reading (the first standalone capital A-D); unparsed = wrong.")
def score_perceptiontest(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, perceptiontest_letter)
