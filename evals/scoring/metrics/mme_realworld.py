"""``mme_realworld_accuracy``: MME-RealWorld's answer reading (yfzhang114/MME-RealWorld evaluation/eval_your_results.py
``extract_characters_regex``, commit 11af66f26e15a2a2c504c186fba3408195ad1f45; lmms-eval's mme_realworld task has the same rules).

The official code compares the letter it reads with the answer column (``A`` .. ``E``). It reads an answer by these rules,
in this order, on the answer stripped of surrounding whitespace:

1. the phrases ``The best answer is``, ``The correct answer is``, ``The answer is``, ``The answer`` and the two run-together
   strings ``The best option isThe correct option is`` and ``Best answer:Best option:`` (two missing commas in the official
   list: the four phrases they join are never removed alone) are removed wherever they occur;
2. an answer of more than ten words with no capital ``A`` .. ``E`` is read as nothing (``unparsed``);
3. ``letter``: the first capital ``A`` .. ``E`` anywhere in what is left, whatever the number of options (so the ``B`` of a
   leading "Based on ..." is the answer, as officially);
4. ``option_text``: else the first option (written ``(A) text`` as the data writes them) that contains what is left,
   case-insensitively: its letter;
5. else nothing (``unparsed``).

Departure (pinned in tests/conformance/test_mme_realworld.py): an answer that is empty once stripped and rid of those
phrases is contained in every option, and the official code reads it as the first option's letter (``A``); here it is
unparsed, wrong and counted in ``unparsed_rate``: a failure is never scored as an answer.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

# The official list as Python reads it: adjacent string literals without a comma between them are one string.
MME_REALWORLD_PREFIXES = ("The best answer is", "The correct answer is", "The answer is", "The answer",
                          "The best option is" "The correct option is", "Best answer:" "Best option:")  # noqa: ISC001
_LETTER = re.compile(r"[ABCDE]")


def parse_mme_realworld(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """The letter MME-RealWorld's ``extract_characters_regex`` reads, ``(letter, rule)`` or ``(None, "unparsed")``;
    ``choices`` are the options as the data writes them (``(A) text``)."""
    if not isinstance(prediction, str):
        return None, "unparsed"
    s = prediction.strip()
    for prefix in MME_REALWORLD_PREFIXES:
        s = s.replace(prefix, "")
    if len(s.split()) > 10 and not _LETTER.search(s):
        return None, "unparsed"
    m = _LETTER.search(s)
    if m:
        return m.group(0), "letter"
    if not s:
        return None, "unparsed"  # departure: the official code reads "" as the first option (it is in every option)
    for choice in choices:
        if s.lower() in choice.lower():
            return choice[1:2] or None, "option_text"
    return None, "unparsed"


@scorer(
    "mme_realworld_accuracy",
    **LETTER_ACCURACY,
    description="MME-RealWorld accuracy: the official extract_characters_regex (evaluation/eval_your_results.py); an empty "
                "answer is unparsed (wrong, counted), where the official code reads it as A.",
)
def score_mme_realworld(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter the official rules read (``extracted``), the rule that decided, right when it is the answer."""
    return score_letters(inputs, parse_mme_realworld, with_choices=True)
