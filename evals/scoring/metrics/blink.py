"""``blink_accuracy``: BLINK's answer reading (zeyofu/BLINK_Benchmark eval/test_benchmark.py ``analyze_answer``).

The official code compares the option it reads, written ``(A)``, with the answer column (``(A)``). It reads an
answer by these rules, in this order (``all_choices``: ``(A)`` .. as many as the question has options):

1. ``letter``: the whole answer is one of ``A`` .. ``E`` (any of the five, whatever the number of options);
2. ``bracketed``: the whole answer is one of ``(A)`` .. ``(E)``;
3. the options ``(X)`` that are whitespace-separated words of the answer (``intersect``) and of its last paragraph
   (after the last blank line, ``intersect_last``): where neither names exactly one, or the answer names none,
   the official code asks gpt-3.5-turbo to match the answer with an option (eval/multiple_choice.py); else
   ``bracketed_last_paragraph``: the one option of the last paragraph, or ``bracketed_word``: the one of the answer.

Departure (pinned in tests/conformance/test_blink.py): where the official code asks GPT, the answer is unparsed
here, and goes to the task's optional extraction judge (``--judge``, the official matching prompt); without one it
is wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_BLINK_LETTERS = "ABCDE"


def parse_blink(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """The option letter BLINK's ``analyze_answer`` reads without its GPT step, ``(letter, rule)`` or ``(None, "unparsed")``."""
    if not isinstance(prediction, str):
        return None, "unparsed"  # the official code's exception path: no prediction
    if prediction in tuple(_BLINK_LETTERS):
        return prediction, "letter"
    if prediction in tuple(f"({c})" for c in _BLINK_LETTERS):
        return prediction[1], "bracketed"
    options = [f"({c})" for c in _BLINK_LETTERS[: len(choices)]]
    words, last = set(prediction.split()), set(prediction.split("\n\n")[-1].split())
    named = [o for o in options if o in words]
    named_last = [o for o in options if o in last]
    if (len(named) != 1 and len(named_last) != 1) or not named:
        return None, "unparsed"  # the official code asks gpt-3.5-turbo here
    if len(named_last) == 1:
        return named_last[0][1], "bracketed_last_paragraph"
    return named[0][1], "bracketed_word"


@scorer(
    "blink_accuracy",
    **LETTER_ACCURACY,
    description="BLINK accuracy: the official analyze_answer rules (eval/test_benchmark.py); answers they cannot read go to "
                "the optional extraction judge (the official GPT matching prompt), else are wrong and counted.",
)
def score_blink(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter the official rules read (``extracted``), the rule that decided, right when it is the answer."""
    return score_letters(inputs, parse_blink, with_choices=True)
