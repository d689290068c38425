"""``muchomusic_accuracy``: MuChoMusic's answer reading as lmms-eval scores it (lmms_eval/tasks/muchomusic/utils.py).

lmms-eval's ``parse_multi_choice_response`` for MuChoMusic is MMMU's, cut down, over the fixed letters A-D: the answer,
stripped of whitespace and then of ``, . ! ? ; : '`` at both ends (one character kind after the other) and padded with a
space on each side, is read by the first rule that finds any letter:

1. ``bracketed``: every ``(X)`` in it;
2. else ``letter``: every `` X `` (the letter between spaces);
3. else ``letter_dot``: every ``X.``;
4. several candidates: the one whose `` X `` occurs last, whatever rule found them (none found again: the first, as
   ``numpy.argmax`` of all -1 gives) — ``mmmu.pick_candidate``'s letter rule.

Unlike MuirBench's (``muirbench.parse_mmmu_multi_choice``) there is no option-text rule and there is an ``X.`` rule;
unlike MMMU-Pro's (``mmmu.parse_mmmu_pro``) no ``Answer:`` line rule and a bare letter needs a space on both sides.
Departure (pinned in tests/conformance/test_muchomusic.py): where nothing is found the official code returns a random
letter; here the answer is unparsed, wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters
from evals.scoring.metrics.mmmu import pick_candidate

MUCHOMUSIC_LETTERS = ("A", "B", "C", "D")
_STRIP = (",", ".", "!", "?", ";", ":", "'")


def parse_muchomusic(prediction: str) -> tuple[str | None, str]:
    """The option letter lmms-eval's MuChoMusic reading finds, ``(letter, rule)`` or ``(None, "unparsed")``."""
    text = prediction.strip() if isinstance(prediction, str) else ""
    for char in _STRIP:
        text = text.strip(char)
    text = f" {text} "
    rule, candidates = "bracketed", [c for c in MUCHOMUSIC_LETTERS if f"({c})" in text]
    if not candidates:
        rule, candidates = "letter", [c for c in MUCHOMUSIC_LETTERS if f" {c} " in text]
    if not candidates:
        rule, candidates = "letter_dot", [c for c in MUCHOMUSIC_LETTERS if f"{c}." in text]
    letter, how = pick_candidate(text, MUCHOMUSIC_LETTERS, MUCHOMUSIC_LETTERS, candidates, "letter")
    return letter, how.replace("letter", rule, 1) if letter is not None else how


@scorer(
    "muchomusic_accuracy",
    **LETTER_ACCURACY,
    description="MuChoMusic accuracy: lmms-eval's answer reading over A-D; unparsed answers are wrong and counted, never a "
                "random letter.",
)
def score_muchomusic(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter lmms-eval's rules read (``extracted``), the rule that decided, right when it is the answer."""
    return score_letters(inputs, parse_muchomusic)
