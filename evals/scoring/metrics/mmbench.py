"""``mmbench_match``: MMBench's answer extraction as current VLMEvalKit reads it (``can_infer``).

The reading follows ``vlmeval/utils/matching_util.py`` (``can_infer``, ``can_infer_option``,
``can_infer_text``) of open-compass/VLMEvalKit at commit e8e78f05f3080fe28154f2130321f17951c3be94
(the file last changed in 2cf2a36c), with ``VERBOSE`` unset, as its MMBench evaluation calls it
with the question's options only (a two-option question has the letters A and B). In order:

1. ``refused``: the answer holds one of VLMEvalKit's refusal sentences ("Cannot determine the
   answer", "I can't process this file.", ...): read as ``Z``, no option, scored wrong (the
   judge is not asked, as VLMEvalKit does not ask it).
2. ``option_letter``: with ``.()[],:;!*#{}`` made spaces and the answer split on whitespace,
   exactly one of the question's option letters is a word, and its first occurrence is among
   the last four words (``B``, ``(B)``, ``**C**``, ``\\boxed{A}``, ``Answer: B``; not ``b``, not
   ``E`` for a four-option question). No option letter but the word ``Z``: ``refused`` (``Z``).
3. ``answer_is``: else the first "answer is X" / "correct answer is **X**" (any case; X one of
   A-D and among the options): ``the answer is b``, ``The correct answer is **B**.``. Like
   VLMEvalKit this reads the first letter of a word (``The answer is Blue`` is B).
4. ``option_text``: else, unless the answer is more than twice as long as all option texts
   together, exactly one option's text occurs in it (both lower-cased, plain substring).
   An answer holding "Failed to obtain answer via API" skips rules 1-3.
5. ``judge``: answers none of these reads go to the task's extraction judge (the official prompt;
   its reply read as an option letter, "E" meaning no option fits). Deliberate departure: without
   a judge they stay unparsed, wrong and counted (``unparsed_rate``). VLMEvalKit scores them
   ``Z`` (wrong) without a judge, and with one falls back to a random letter when the judge
   fails three times; here a failed judge call is a scoring error, never a guess.

``rules: opencompass_v1`` keeps the reading omnieval used before (the old OpenCompass
``tools/eval_mmbench.py`` order): a bare letter A-E anywhere (not when the answer also has the
word ``A`` and more than three words), else exactly one of the forms ``B.``, ``B,``, ``B:``,
``B)``, ``B).``, ``(B)``, ``(B).``, ``:B``, ``:B,``, ``:B.``, ``:B)``, ``:B).``, else option text
without the length limit; no refusal, no "answer is".

Circular evaluation is the task's: MMBench's dev split holds each question once per rotation of
its options (``index``, ``index + 1e6``, ...), and the task's ``fields.group`` makes a question
right only when every copy is.
"""

from __future__ import annotations

import re
import string
from typing import ClassVar, Literal, Sequence

from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

NO_OPTION = "Z"  # VLMEvalKit's letter for an answer that picks none of the options
_API_FAILURE = "Failed to obtain answer via API"
_REFUSALS = ("Sorry, I can't help with images of people yet.", "I can't process this file.",
             "I'm sorry, but without the image provided", "Cannot determine the answer")
_SPACED = str.maketrans(dict.fromkeys(".()[],:;!*#{}", " "))
_ANSWER_IS = re.compile(r"(?:correct\s+)?answer\s+is\s+\**([abcd])\**", re.IGNORECASE)


class MMBenchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    LATE_OPTIONS: ClassVar[tuple[str, ...]] = ("rules",)

    rules: Literal["vlmevalkit", "opencompass_v1"] = "vlmevalkit"
    """``vlmevalkit``: current VLMEvalKit ``can_infer`` (the default); ``opencompass_v1``: the old OpenCompass reading."""


def _letters(choices: Sequence[str]) -> str:
    return string.ascii_uppercase[: len(choices)]


def _option_text(prediction: str, choices: Sequence[str], limit: bool) -> tuple[str | None, str]:
    answer = prediction.lower()
    if limit and len(answer) > 2 * sum(len(str(text)) for text in choices):
        return None, "unparsed"
    found = [letter for letter, text in zip(_letters(choices), choices) if str(text).lower() in answer]
    return (found[0], "option_text") if len(found) == 1 else (None, "unparsed")


def _option_letter(prediction: str, letters: str) -> tuple[str | None, str]:
    if any(sentence in prediction for sentence in _REFUSALS):
        return NO_OPTION, "refused"
    words = prediction.translate(_SPACED).split()
    present = [letter for letter in letters if letter in words]
    if len(present) == 1:
        if words.index(present[0]) >= len(words) - 4:
            return present[0], "option_letter"
    elif not present and NO_OPTION in words:
        return NO_OPTION, "refused"
    match = _ANSWER_IS.search(prediction)
    if match and match.group(1).upper() in letters:
        return match.group(1).upper(), "answer_is"
    return None, "unparsed"


def mmbench_letter(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` as current VLMEvalKit's ``can_infer`` reads ``prediction`` against the question's
    options ``choices`` (A, B, ... in order); ``("Z", "refused")`` for no option; ``(None, "unparsed")``."""
    prediction = str(prediction)
    if _API_FAILURE not in prediction:
        letter, rule = _option_letter(prediction, _letters(choices))
        if letter is not None:
            return letter, rule
    return _option_text(prediction, choices, limit=True)


_V1_FORMS = (("", "."), ("", ","), ("", ":"), ("", ")"), ("", ")."), ("(", ")"), ("(", ")."),
             (":", ""), (":", ","), (":", "."), (":", ")"), (":", ")."))


def opencompass_v1_letter(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` as omnieval read MMBench answers before (``rules: opencompass_v1``)."""
    words = [w.strip() for w in prediction.split()]
    bare = [c for c in "ABCDE" if c in words]
    if len(bare) == 1 and not ("A" in words and len(words) > 3):
        return bare[0], "option_letter"
    for prefix, suffix in _V1_FORMS:
        found = [c for c in "ABCDE" if prefix + c + suffix in words]
        if len(found) == 1:
            return found[0], "option_letter"
    return _option_text(prediction, choices[:4], limit=False)


@scorer("mmbench_match", **LETTER_ACCURACY, options=MMBenchOptions,
        description="MMBench's answer extraction as current VLMEvalKit reads it (can_infer: option letter, answer is X, "
                    "option text), then the optional judge; unparsed = wrong. rules: opencompass_v1 for the old reading.")
def score_mmbench(inputs: Sequence[ScoreInput], options: MMBenchOptions) -> list[SampleScore]:
    read = opencompass_v1_letter if options.rules == "opencompass_v1" else mmbench_letter
    return score_letters(inputs, read, with_choices=True)
