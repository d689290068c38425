"""``videomme_match``: Video-MME's answer reading as lmms-eval scores it (``videomme_process_results``, which calls
``_task_utils/mcq_extract.py`` ``extract_mcq_answer`` with the choices A-D; EvolvingLMMs-Lab/lmms-eval at commit
75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3).

The answer is stripped of whitespace, then of each of ``, . ! ? ; : ' "`` in turn at both ends, and padded with a
space on each side. Every letter A-D is then a candidate where it appears as ``(X)`` (rule ``parentheses``),
``X.`` (``period``), ``X:`` (``colon``), ``X)`` (``right_paren``) or ``X `` (``space``), each at its last
occurrence; after the first occurrence of an answer phrase ("the answer is", "i choose", "答案是", ...; in
lower case) at the letter's first occurrence after it (``phrase``); first in the answer when the character after
it is not alphabetic (``start``), last when the character before it is not (``end``). Without any of these, a
letter anywhere is one at its last occurrence (``fallback``; "Bob" is B). The candidate of the highest rule
(start, end, phrase, parentheses, period, colon, right_paren, space, fallback) wins, the latest among equals. No
candidate: unread, wrong and counted (``unparsed_rate``), as lmms-eval counts it.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

_CHOICES = "ABCD"
_RANK = {"start": 10, "end": 9, "phrase": 7, "parentheses": 6, "period": 5, "colon": 4, "right_paren": 3, "space": 2,
         "fallback": 0}
_FORMS = (("parentheses", "({})"), ("period", "{}."), ("colon", "{}:"), ("right_paren", "{})"), ("space", "{} "))
_PHRASES = ("the answer is", "answer is", "the correct answer is", "correct answer is", "the best answer is", "best answer is",
            "the correct option is", "correct option is", "the best option is", "best option is", "the choice is", "choice is",
            "the correct choice is", "correct choice is", "i choose", "i select", "i pick", "my answer is", "my choice is",
            "옵션", "정답은", "답은", "답:", "答案是", "答案为", "选", "答えは")


def videomme_letter(prediction: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as lmms-eval's ``extract_mcq_answer`` reads ``prediction`` over A-D, or ``(None, "unparsed")``."""
    return mcq_letter(prediction, _CHOICES)


@scorer("videomme_match", **LETTER_ACCURACY,
        description="Video-MME's answer reading as lmms-eval runs it (extract_mcq_answer over A-D); unparsed = wrong.")
def score_videomme(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, videomme_letter)


def mcq_letter(prediction: str, letters: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` as lmms-eval's ``extract_mcq_answer(prediction, choices=letters)`` reads ``prediction``
    (``videomme_letter``'s rules over any list of letters: VideoMMMU's questions have up to ten options), or
    ``(None, "unparsed")``. ``letters`` empty: lmms-eval's default, A-H."""
    letters = list(letters) or list("ABCDEFGH")
    text = prediction.strip()
    if not text:
        return None, "unparsed"
    for mark in ",.!?;:'\"":
        text = text.strip(mark)
    text = f" {text} "
    found: list[tuple[int, int, str, str]] = []  # (rank, position, letter, rule), in lmms-eval's order of discovery
    for rule, form in _FORMS:
        for letter in letters:
            at = text.rfind(form.format(letter))
            if at >= 0:
                found.append((_RANK[rule], at, letter, rule))
    lowered = text.lower()
    for phrase in _PHRASES:
        at = lowered.find(phrase)
        if at >= 0:
            for letter in letters:
                pos = text.find(letter, at + len(phrase))
                if pos >= 0:
                    found.append((_RANK["phrase"], pos, letter, "phrase"))
    core = text.strip()
    for letter in letters:
        if core.startswith(letter) and (len(core) == 1 or not core[1].isalpha()):
            found.append((_RANK["start"], 0, letter, "start"))
    for letter in letters:
        if core.endswith(letter) and (len(core) == 1 or not core[-2].isalpha()):
            found.append((_RANK["end"], len(text) - 1, letter, "end"))
    if not found:
        found = [(_RANK["fallback"], text.rfind(letter), letter, "fallback") for letter in letters if letter in text]
    if not found:
        return None, "unparsed"
    best = max(found, key=lambda c: (c[0], c[1]))  # lmms-eval's stable sort: the first found of equal (rank, position)
    return best[2], best[3]
