"""``treebench_match``: TreeBench's answer reading as VLMEvalKit scores it (``TreeBench.evaluate``,
vlmeval/dataset/image_mcq.py, with ``extract_characters_regex`` of vlmeval/dataset/utils/multiple_choice.py, commit
e8e78f05f3080fe28154f2130321f17951c3be94). On the answer: the content of its first ``<answer>...</answer>``, stripped and
upper-cased, when it has one, else the answer itself; that stripped, the phrases "The best answer is", "The correct answer
is", "The answer is", "The answer", "The best option is", "The correct option is", "Best answer:" and "Best option:"
removed wherever they occur; then nothing when more than ten words are left without a capital A-E, else the first capital
A-E (``letter``, ``answer_tag_letter`` from a tag), else the first of ``(A)`` .. ``(E)`` that holds what is left,
case-insensitively (``paren``: ``b``, ``(c``). Right when the letter is the answer column's.

Departure: what is left holding no letter (empty, ``(``, ``)``) is inside ``(A)`` and VLMEvalKit scores it as A; here it
is unparsed, wrong and counted in ``unparsed_rate``."""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

TREEBENCH_PREFIXES = ("The best answer is", "The correct answer is", "The answer is", "The answer", "The best option is",
                      "The correct option is", "Best answer:", "Best option:")
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_LETTER = re.compile(r"[ABCDE]")
_PARENS = ("(A)", "(B)", "(C)", "(D)", "(E)")


def treebench_letter(answer: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as VLMEvalKit's TreeBench evaluation reads ``answer``, or ``(None, "unparsed")``."""
    text = str(answer)
    tag = _ANSWER_TAG.search(text)
    s = (tag.group(1).strip().upper() if tag else text).strip()
    for prefix in TREEBENCH_PREFIXES:
        s = s.replace(prefix, "")
    if len(s.split()) > 10 and not _LETTER.search(s):
        return None, "unparsed"
    m = _LETTER.search(s)
    if m:
        return m.group(0), "answer_tag_letter" if tag else "letter"
    if not re.search(r"[a-eA-E]", s):
        return None, "unparsed"  # departure: VLMEvalKit reads it as A ("" and "(" are inside "(A)")
    found = next((p[1] for p in _PARENS if s.lower() in p.lower()), None)
    return (found, "paren") if found else (None, "unparsed")


@scorer("treebench_match", **LETTER_ACCURACY,
        description="TreeBench: VLMEvalKit's reading (<answer> tag, extract_characters_regex); none = wrong, counted "
                    "(VLMEvalKit reads an empty answer as A).")
def score_treebench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, treebench_letter)
