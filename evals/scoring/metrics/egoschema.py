"""``egoschema_match``: EgoSchema's answer reading as lmms-eval scores its 500-question subset
(``tasks/egoschema/utils.py`` ``egoschema_process_results_generation``, which calls that file's own
``parse_multi_choice_response``; EvolvingLMMs-Lab/lmms-eval at commit 75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3).

The answer is stripped of each of ``, . ! ? ; : '`` at both ends in turn and padded with a space on each side. Then,
unlike MMMU's original (``muirbench.parse_mmmu_multi_choice``), every form adds its candidates, one after the other:
``(X)`` (``bracketed``), ``X `` (``letter_space``: the capital followed by a space anywhere, "A cat" included) and
``X.`` (``letter_dot``), for X in A-E. Without any, an answer of more than five words names the options whose text
(the whole ``A. text`` of the dataset, case-insensitive) occurs in it (``option_text``). Of several candidates the one
whose form occurs FIRST, by its last occurrence (``numpy.argmin`` of ``rfind``), wins (``_first`` is added to the
rule); the same letter found by two forms counts twice, as there.

Departure (pinned in tests/conformance/test_video_mc.py): where nothing is found lmms-eval returns a random letter;
here the answer is unparsed, wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, LETTERS, score_letters

_STRIP = (",", ".", "!", "?", ";", ":", "'")
_FORMS = (("bracketed", "({})"), ("letter_space", "{} "), ("letter_dot", "{}."))


def egoschema_letter(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` as lmms-eval's EgoSchema ``parse_multi_choice_response`` reads ``prediction``, or
    ``(None, "unparsed")``; ``choices`` are the options as the dataset writes them (``A. text``)."""
    letters = LETTERS[: len(choices)]
    text = prediction if isinstance(prediction, str) else ""
    for char in _STRIP:
        text = text.strip(char)
    text = f" {text} "
    found = [(rule, form.format(c), c) for rule, form in _FORMS for c in letters if form.format(c) in text]
    where = [text.rfind(mark) for _, mark, _ in found]
    if not found and len(text.split()) > 5:
        options = {c: str(option).strip() for c, option in zip(letters, choices)}
        found = [("option_text", options[c], c) for c in letters if options[c].lower() in text.lower()]
        where = [text.lower().rfind(options[c].lower()) for _, _, c in found]
    if not found:
        return None, "unparsed"
    if len(found) == 1:
        return found[0][2], found[0][0]
    rule, _, letter = found[where.index(min(where))]
    return letter, f"{rule}_first"


@scorer("egoschema_match", **LETTER_ACCURACY,
        description="EgoSchema's answer reading as lmms-eval runs it (its parse_multi_choice_response); unparsed = wrong.")
def score_egoschema(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, egoschema_letter, with_choices=True)
