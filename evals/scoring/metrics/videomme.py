"""``videomme_match``: Video-MME's answer reading (lmms-eval's ``extract_characters_regex``, as its scorer runs it).

The answer is stripped of the prefixes "The best answer is", "The correct answer is", "The answer is",
"The answer", "The best option is", "The correct option is", "Best answer:", "Best option:"; an answer
of more than ten words without any of A-D is unread; otherwise the first of A, B, C, D in it is the
letter (rule ``first_letter``). Unread answers are wrong and counted (``unparsed_rate``).
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_PREFIXES = ("The best answer is", "The correct answer is", "The answer is", "The answer", "The best option is",
             "The correct option is", "Best answer:", "Best option:")


def videomme_letter(prediction: str) -> tuple[str | None, str]:
    """``(letter, "first_letter")`` as Video-MME's reader finds it, or ``(None, "unparsed")``."""
    s = prediction.strip()
    for prefix in _PREFIXES:
        s = s.replace(prefix, "")
    if len(s.split()) > 10 and not re.search("[ABCD]", s):
        return None, "unparsed"
    m = re.search(r"[ABCD]", s)
    return (m.group(0), "first_letter") if m else (None, "unparsed")


@scorer("videomme_match", **LETTER_ACCURACY,
        description="Video-MME's answer reading (the first of A-D after the usual answer prefixes); unparsed = wrong.")
def score_videomme(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, videomme_letter)
