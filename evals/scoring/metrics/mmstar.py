"""``mmstar_match``: MMStar's own answer matching (its ``exact_match``, as lmms-eval and VLMEvalKit's rule path use it).

The reference is an option letter (A-D); the options are inside the question text.
Prediction and reference are lower-cased, stripped and newlines made spaces; the
answer is right when, in this order:

1. ``first_char``: the prediction's first character is the letter (``B``, ``b. red``);
2. ``paren``: it starts with ``(`` and the letter follows (``(B) red``);
3. ``option``: it starts with ``option `` and the letter follows;
4. ``the_answer_is``: it starts with ``the answer is `` and the letter follows.

Anything else is wrong. The letter the prediction gives by those same positions is
recorded as ``extracted`` with the rule that found it; a prediction that gives no
option letter by any of them (``I think it is B``) is counted as unparsed
(``unparsed_rate``), as the official matcher scores it: wrong, never guessed.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_LETTERS = "abcd"


def mmstar_letter(prediction: str) -> tuple[str | None, str]:
    """(letter, rule) read from the start of ``prediction`` by MMStar's positions, or (None, "unparsed")."""
    p = prediction.lower().strip().replace("\n", " ")
    for rule, prefix in (("the_answer_is", "the answer is "), ("option", "option "), ("paren", "(")):
        if p.startswith(prefix) and len(p) > len(prefix) and p[len(prefix)] in _LETTERS:
            return p[len(prefix)].upper(), rule
    if p[:1] and p[0] in _LETTERS:
        return p[0].upper(), "first_char"
    return None, "unparsed"


def mmstar_correct(prediction: str, answer: str) -> bool:
    """MMStar's ``exact_match``, rule for rule."""
    a = answer.lower().strip().replace("\n", " ")
    p = prediction.lower().strip().replace("\n", " ")
    if not p:
        return False  # the official function raises IndexError here and scores 0
    return (a == p[0] or (p[0] == "(" and a == p[1:2]) or (p[:7] == "option " and a == p[7:8])
            or (p[:14] == "the answer is " and a == p[14:15]))


@scorer("mmstar_match", **LETTER_ACCURACY,
        description="MMStar's official answer matching (the letter at the start of the answer); unparsed = wrong.")
def score_mmstar(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, mmstar_letter, official=lambda item: mmstar_correct(item.prediction, item.references[0]))
