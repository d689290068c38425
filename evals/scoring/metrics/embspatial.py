"""``embspatial_match``: EmbSpatial-Bench's answer reading as lmms-eval's embspatial task reads it (``_extract_answer_letter``,
lmms_eval/tasks/embspatial/utils.py, EvolvingLMMs-Lab/lmms-eval commit 75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3): the
answer stripped, then the first letter after any run of ``(`` and white space, upper-cased, whatever follows it (``B) the
cup``, ``(c``; ``Apple`` reads A, ``The answer is B`` reads T: wrong). An answer that does not start so (``"1"``, ``**B**``,
empty) is unparsed: wrong there too, and counted here in ``unparsed_rate``."""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_FIRST_LETTER = re.compile(r"[\(\s]*([A-Z])[\)\.\s]*", re.IGNORECASE)


def embspatial_letter(answer: str) -> tuple[str | None, str]:
    """``(letter, "first_letter")`` as ``_extract_answer_letter`` reads ``answer``, or ``(None, "unparsed")``."""
    m = _FIRST_LETTER.match(str(answer).strip())
    return (m.group(1).upper(), "first_letter") if m else (None, "unparsed")


@scorer("embspatial_match", **LETTER_ACCURACY,
        description="EmbSpatial-Bench: lmms-eval's reading (the answer's first letter after '(' and spaces); none = wrong, counted.")
def score_embspatial(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, embspatial_letter)
