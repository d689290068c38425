"""``omnibench_accuracy``: OmniBench's answer reading (multimodal-art-projection/OmniBench inference/answer_parsing.py).

The official ``parse_multi_choice_response`` (MMMU's, as OmniBench's ``demo_api_call.py`` calls it: ``do_strip=False``,
``index2ans`` letter -> option text) reads the answer padded with a space on each side, nothing stripped. Rules in its
order:

1. ``bracketed``: every ``(X)`` in it;
2. else ``letter_space``: every ``X `` (the letter followed by a space, anywhere: ``B `` in ``A B``, also the end of a
   word such as ``PLAN B ``);
3. else ``letter_dot``: every ``X.``;
4. else, for an answer of more than 5 words, ``option_text``: every option whose text occurs in it (case-insensitive);
5. several candidates: the one found last (``(X)``, `` X `` or the option's text, by the rule that found them; none found
   again: the first, as ``numpy.argmax`` of all -1 gives).

Unlike MMMU-Pro's copy (``mmmu.parse_mmmu_pro``) there is no ``Answer:`` line rule and nothing is stripped; unlike
MuirBench's (``muirbench.parse_mmmu_multi_choice``) a letter needs no space before it and ``X.`` counts. Departure
(pinned in tests/conformance/test_omnibench.py): where nothing is found the official code returns a random letter; here
the answer is unparsed, wrong and counted in ``unparsed_rate``, never guessed.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, LETTERS, score_letters
from evals.scoring.metrics.mmmu import pick_candidate


def parse_omnibench(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """The option letter OmniBench's ``parse_multi_choice_response`` reads, ``(letter, rule)`` or ``(None, "unparsed")``."""
    letters = LETTERS[: len(choices)]
    text = f" {prediction if isinstance(prediction, str) else ''} "
    rule, candidates = "bracketed", [c for c in letters if f"({c})" in text]
    if not candidates:
        rule, candidates = "letter_space", [c for c in letters if f"{c} " in text]
    if not candidates:
        rule, candidates = "letter_dot", [c for c in letters if f"{c}." in text]
    if not candidates and len(text.split()) > 5:
        rule, candidates = "option_text", [c for c, option in zip(letters, choices) if str(option).lower() in text.lower()]
    return pick_candidate(text, letters, choices, candidates, rule)


@scorer(
    "omnibench_accuracy",
    **LETTER_ACCURACY,
    description="OmniBench accuracy: the official answer parsing (inference/answer_parsing.py); unparsed answers are wrong "
                "and counted, never a random letter.",
)
def score_omnibench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter the official rules read (``extracted``), the rule that decided, right when it is the answer."""
    return score_letters(inputs, parse_omnibench, with_choices=True)
