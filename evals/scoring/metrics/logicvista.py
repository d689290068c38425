"""``logicvista_match``: LogicVista's letter answers (one or several: ``B, D``), compared as VLMEvalKit compares them.

VLMEvalKit (open-compass/VLMEvalKit ``vlmeval/dataset/utils/logicvista.py``, commit
e8e78f05f3080fe28154f2130321f17951c3be94) and the official repository (Yijia-Xiao/LogicVista
``eval/extract_accuracy.py``, commit e5795f1) both have a GPT judge read the chosen letters out of every answer; the
options are in the image, so the question text does not list them. Here the answer is read by rules first, where the
reading is not in doubt, and only the rest goes to the optional extraction judge (``--judge``; the task's prompt is
VLMEvalKit's ``build_prompt_logicvista``):

1. ``letters``: the whole answer is upper-case option letters, each optionally in brackets, separated by commas, ``and``
   or ``&``, with an optional final full stop (``C``, ``(C)``, ``C.``, ``B, D``, ``B and D``);
2. ``answer_is``: the answer ends with "answer is" / "answers are" / "Answer:" followed by such letters;
3. ``judge``: the judge's reply, accepted as VLMEvalKit accepts it (upper-case letters only, ``res.isupper() and
   res.isalpha()``); ``Z`` (no letter chosen) or anything else is no reading.

Without a judge an answer the rules cannot read is unparsed, wrong and counted. The comparison is VLMEvalKit's: the
answer split at ``", "``, each lower-cased, sorted and joined, equal to the reading's letters lower-cased, sorted and
joined (``DB`` is right for ``B, D``). Departures: VLMEvalKit retries an unreadable judge reply up to five times at
rising temperatures; here the judge is asked once. tests/conformance/test_logicvista.py pins the comparison and the
judge-reply check against VLMEvalKit's own ``LogicVista_auxeval``.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, judge_letter

_ONE = r"[\(\[]?[A-Z][\)\]]?"
_LIST = rf"{_ONE}(?:\s*(?:,|\band\b|&)\s*{_ONE})*"
_LETTERS = re.compile(rf"^\s*({_LIST})\s*\.?\s*$")
_ANSWER_IS = re.compile(rf"(?i:answers? (?:is|are)|answer:)\s*:?\s*\**\s*({_LIST})\s*\**\s*\.?\s*$")


def _letters_of(text: str) -> str:
    return "".join(ch for ch in text if "A" <= ch <= "Z")


def read_letters(response: str) -> tuple[str | None, str]:
    """``(letters, rule)``: the chosen letters in the order written (``"BD"``), or ``(None, "unparsed")``."""
    m = _LETTERS.match(response)
    if m:
        return _letters_of(m.group(1)), "letters"
    m = _ANSWER_IS.search(response.strip())
    if m and _letters_of(m.group(1)):
        return _letters_of(m.group(1)), "answer_is"
    return None, "unparsed"


def judge_reply_letters(reply: str) -> str | None:
    """A judge reply as VLMEvalKit accepts it: upper-case letters only (``res.isupper() and res.isalpha()``), else None."""
    return reply if reply.isupper() and reply.isalpha() else None


def logicvista_hit(letters: str, answer: str) -> bool:
    """VLMEvalKit's ``hit``: the reading's letters and the answer's (split at ``", "``), lower-cased and sorted, equal."""
    return "".join(sorted(ch.lower() for ch in letters)) == "".join(sorted(a.lower() for a in answer.split(", ")))


@scorer("logicvista_match", **LETTER_ACCURACY,
        description="LogicVista: chosen letters read by rules (then the optional judge with VLMEvalKit's extraction prompt), "
                    "compared as sorted letter sets as VLMEvalKit does.")
def score_logicvista(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references:
            raise ValueError(f"logicvista_match: sample {item.id!r} has no answer (fields.references)")
        letters, rule = read_letters(item.prediction)
        if letters is None:
            reply, rule, error = judge_letter(item, rule)
            if error:
                out.append(SampleScore(error=error))
                continue
            letters = judge_reply_letters(reply.strip()) if reply else None
            if letters is None:
                rule = "unparsed"
        if letters is None:
            out.append(SampleScore(stats={"score": 0.0, "unparsed": 1.0}, extracted=None, rule=rule))
            continue
        right = logicvista_hit(letters, item.references[0])
        out.append(SampleScore(stats={"score": float(right), "unparsed": 0.0}, extracted=letters, rule=rule))
    return out
