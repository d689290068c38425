"""``muirbench_accuracy``: MuirBench's answer reading (muirbench/MuirBench eval/utils/postprocess.py).

The official post-processing is MMMU's ``parse_multi_choice_response`` (MMMU-Benchmark/MMMU eval/utils/eval_utils.py,
copied into MuirBench's repository), with ``all_choices`` the letters of the options and ``index2ans`` letter ->
option text. Rules, in its order, on the answer stripped of ``, . ! ? ; : '`` at both ends (one character kind after
the other) and padded with a space on each side:

1. ``bracketed``: every ``(X)`` in it;
2. else ``letter``: every `` X `` (the letter between spaces);
3. else, for an answer of more than 5 words, ``option_text``: every option whose text occurs in it (case-insensitive);
4. several candidates: the one found last (``(X)``, `` X `` or the option's text; none found again: the first, as
   ``numpy.argmax`` of all -1 gives).

Unlike MMMU-Pro's version (``mmmu.parse_mmmu_pro``) there is no ``Answer:`` line rule, no ``X.`` rule, and a bare
letter must have a space on both sides. Departure (pinned in tests/conformance/test_muirbench.py): where nothing is
found the official code returns a random letter; here the answer is unparsed, wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, LETTERS, score_letters
from evals.scoring.metrics.mmmu import pick_candidate

_STRIP = (",", ".", "!", "?", ";", ":", "'")


def parse_mmmu_multi_choice(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """The option letter MMMU's original ``parse_multi_choice_response`` reads, ``(letter, rule)`` or ``(None, "unparsed")``."""
    letters = LETTERS[: len(choices)]
    text = prediction if isinstance(prediction, str) else ""
    for char in _STRIP:
        text = text.strip(char)
    text = f" {text} "
    rule, candidates = "bracketed", [c for c in letters if f"({c})" in text]
    if not candidates:
        rule, candidates = "letter", [c for c in letters if f" {c} " in text]
    if not candidates and len(text.split()) > 5:
        rule, candidates = "option_text", [c for c, option in zip(letters, choices) if str(option).lower() in text.lower()]
    return pick_candidate(text, letters, choices, candidates, rule)


@scorer(
    "muirbench_accuracy",
    **LETTER_ACCURACY,
    description="MuirBench accuracy: the official post-processing (MMMU's parse_multi_choice_response); unparsed answers are "
                "wrong and counted, never a random letter.",
)
def score_muirbench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter the official rules read (``extracted``), the rule that decided, right when it is the answer."""
    return score_letters(inputs, parse_mmmu_multi_choice, with_choices=True)
