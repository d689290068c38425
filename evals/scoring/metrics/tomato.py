"""``tomato_match``: TOMATO's answer reading as lmms-eval scores it (``tasks/tomato/utils.py``
``parse_multi_choice_response`` with ``USE_GPT_PARSER = False``, its default; EvolvingLMMs-Lab/lmms-eval at commit
75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3).

The answer is stripped of each of ``, . ! ? ; : '`` at both ends in turn and padded with a space on each side. Every
option letter that occurs ANYWHERE in it is a candidate (``letter_anywhere``: the "A" of "Answer" too; lmms-eval's
next rule, a letter between spaces, can therefore never add one). Without any, an answer of more than five words names
the options whose text occurs in it, case-insensitive (``option_text``). Of several candidates the one whose ``(X)``
occurs last wins, the first of them when none is bracketed (``numpy.argmax`` of all -1); of several option texts, the
one found last (``_last`` is added to the rule).

Departure (pinned in tests/conformance/test_video_mc.py): where nothing is found lmms-eval answers "A"; here the answer
is unparsed, wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, LETTERS, score_letters
from evals.scoring.metrics.mmmu import pick_candidate

_STRIP = (",", ".", "!", "?", ";", ":", "'")


def tomato_letter(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` as lmms-eval's TOMATO ``parse_multi_choice_response`` reads ``prediction``, or ``(None, "unparsed")``."""
    letters = LETTERS[: len(choices)]
    text = prediction if isinstance(prediction, str) else ""
    for char in _STRIP:
        text = text.strip(char)
    text = f" {text} "
    candidates = [c for c in letters if c in text]
    if candidates:  # ties go as MMMU's: the last "(X)", else the first candidate
        letter, rule = pick_candidate(text, letters, choices, candidates, "bracketed")
        return letter, rule.replace("bracketed", "letter_anywhere")
    if len(text.split()) > 5:
        return pick_candidate(text, letters, choices, [c for c, o in zip(letters, choices) if str(o).lower() in text.lower()],
                              "option_text")
    return None, "unparsed"


@scorer("tomato_match", **LETTER_ACCURACY,
        description="TOMATO's answer reading as lmms-eval runs it (its parse_multi_choice_response); unparsed = wrong.")
def score_tomato(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, tomato_letter, with_choices=True)
