"""``mmau_match``: MMAU's official answer matching (``string_match`` in Sakshi113/MMAU ``evaluation.py``).

The model answers in free text; the reference is the correct option's *text*. Both are
lower-cased and split into word tokens (``\\b\\w+\\b``, as a set). The answer is right when

1. every token of the reference is in the prediction, and
2. the prediction holds no token of a wrong option that the reference lacks
   (options whose token set equals the reference's are not wrong options).

An empty prediction is wrong. A bare letter (``B``) is therefore wrong unless it is an
option's own word: the official script matches option texts, not letters, so the task's
prompt asks for the option's text.

For the records, the option the prediction names by the same rule (tried as if each option
were the answer) is ``extracted``; a prediction that names no single option is counted as
unparsed (``unparsed_rate``): wrong, as the official script scores it, never guessed.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY

_WORD = re.compile(r"\b\w+\b")


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def mmau_string_match(answer: str, prediction: str, choices: Sequence[str]) -> bool:
    """MMAU's ``string_match(answer, prediction, choices)``, rule for rule."""
    predicted, wanted = _tokens(prediction), _tokens(answer)
    if not predicted:
        return False
    wrong: set[str] = set()
    for choice in choices:
        tokens = _tokens(choice)
        if tokens != wanted:
            wrong |= tokens - wanted
    return wanted <= predicted and predicted.isdisjoint(wrong)


def mmau_named_option(prediction: str, choices: Sequence[str]) -> str | None:
    """The one option ``prediction`` matches by the official rule (each option tried as the answer), else None."""
    named = [c for c in dict.fromkeys(choices) if mmau_string_match(c, prediction, choices)]
    return named[0] if len(named) == 1 else None


@scorer("mmau_match", **LETTER_ACCURACY,
        description="MMAU's official string_match: the reference option's words, and no word of a wrong option.")
def score_mmau(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references:
            out.append(SampleScore(error="no reference answer"))
            continue
        choices = item.choices or []
        right = mmau_string_match(item.references[0], item.prediction, choices)
        named = item.references[0] if right else mmau_named_option(item.prediction, choices)
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0, "unparsed": 1.0 if named is None else 0.0},
                               extracted=named, rule="string_match" if named is not None else "unparsed"))
    return out
