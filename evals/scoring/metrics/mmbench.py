"""``mmbench_match``: MMBench's answer extraction, in the official order (VLMEvalKit's ``can_infer``).

1. ``option_letter``: the answer, split on whitespace, holds exactly one of the
   letters A-E as a bare word (``B``; not when the answer also has the word
   ``A`` and more than three words: "A" may be the article), else exactly one
   in one of the forms ``B.``, ``B,``, ``B:``, ``B)``, ``B).``, ``(B)``,
   ``(B).``, ``:B``, ``:B,``, ``:B.``, ``:B)``, ``:B).``, tried in that order.
   E counts, as officially: for a four-option question it is simply wrong.
2. ``option_text``: exactly one option's text occurs in the answer (both
   lower-cased, plain substring).
3. ``judge``: answers neither rule reads go to the task's extraction judge
   (the official prompt; its reply is read with the same rules, "E" meaning
   no option fits). Without a judge they stay unparsed: wrong and counted
   (``unparsed_rate``), never a random letter as the official script falls
   back to when its judge fails.

Circular evaluation is the task's: MMBench's dev split holds each question
once per rotation of its options (``index``, ``index + 1e6``, ...), and the
task's ``fields.group`` makes a question right only when every copy is.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_CANDIDATES = "ABCDE"
_FORMS = (("", "."), ("", ","), ("", ":"), ("", ")"), ("", ")."), ("(", ")"), ("(", ")."),
          (":", ""), (":", ","), (":", "."), (":", ")"), (":", ")."))


def mmbench_letter(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` as MMBench's ``can_infer`` reads ``prediction``, or ``(None, "unparsed")``."""
    words = [w.strip() for w in prediction.split()]
    bare = [c for c in _CANDIDATES if c in words]
    if len(bare) == 1 and not ("A" in words and len(words) > 3):
        return bare[0], "option_letter"
    for prefix, suffix in _FORMS:
        found = [c for c in _CANDIDATES if prefix + c + suffix in words]
        if len(found) == 1:
            return found[0], "option_letter"
    answer = prediction.lower()
    texts = [letter for letter, text in zip("ABCD", choices) if str(text).lower() in answer]
    if len(texts) == 1:
        return texts[0], "option_text"
    return None, "unparsed"


@scorer("mmbench_match", **LETTER_ACCURACY,
        description="MMBench's official answer extraction (option letter, then option text, then the optional judge); unparsed = wrong.")
def score_mmbench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, mmbench_letter, with_choices=True)
