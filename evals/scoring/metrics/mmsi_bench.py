"""``mmsi_bench_accuracy``: MMSI-Bench's answer reading (InternRobotics/MMSI-Bench README "Answer Extraction",
``extract_single_choice_with_word_boundary``, commit 026beb1d4c5319b38b75479b7e91aead4b84d59a; lmms-eval's mmsi_bench task,
lmms_eval/tasks/mmsi_bench/utils.py, has the same function, its extra branches never reached).

The official code narrows the answer, each step on what the last left, and compares the letter it finds with the answer:

1. the text inside the first double backticks, if any; 2. the text inside the first single backticks, if any; 3. the text
inside the first braces, if any; 4. the first capital ``A`` .. ``D`` standing alone as a word (``\\b``) and not followed by
a space and a letter (so the article in "A cat" is not a letter): its lower case compared with the answer's.

Departure: where step 4 finds nothing the official code returns None, and MMSI-Bench's evaluation then asks VLMEvalKit's
default LLM to extract the answer; here such an answer is unparsed, wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_NARROW = (re.compile(r"``([^`]*)``"), re.compile(r"`([^`]*)`"), re.compile(r"\{([^}]*)\}"))
_LETTER = re.compile(r"\b[A-D]\b(?!\s[a-zA-Z])")


def parse_mmsi_bench(prediction: str) -> tuple[str | None, str]:
    """The letter MMSI-Bench's ``extract_single_choice_with_word_boundary`` compares, ``(letter, rule)`` or
    ``(None, "unparsed")``; the rule names the last narrowing step that applied (``double_backticks``, ``backticks``,
    ``braces``) or ``word`` when none did."""
    if not isinstance(prediction, str):
        return None, "unparsed"
    pred, rule = prediction, "word"
    for name, pattern in zip(("double_backticks", "backticks", "braces"), _NARROW):
        m = pattern.search(pred)
        if m:
            pred, rule = m.group(1), name
    m = _LETTER.search(pred)
    if not m:
        return None, "unparsed"  # the official evaluation asks an LLM here
    return m.group(0), rule


@scorer(
    "mmsi_bench_accuracy",
    **LETTER_ACCURACY,
    description="MMSI-Bench accuracy: the official extract_single_choice_with_word_boundary; answers it cannot read are "
                "unparsed (wrong, counted), where the official evaluation asks an LLM.",
)
def score_mmsi_bench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter the official rules read (``extracted``), the rule that decided, right when it is the answer."""
    return score_letters(inputs, parse_mmsi_bench)
