"""``mantis_accuracy``: Mantis-Eval's answer reading (TIGER-AI-Lab/Mantis mantis/benchmark/eval.py ``get_prediction``).

Official code: TIGER-AI-Lab/Mantis at commit f3a319202d882a1794d28440b77bba7c58869a9e (eval.py last changed in
33561424de2e03b46382bbdbad977af752c32954); lmms-eval's ``mantis`` task scores with the same functions. On the answer:

* ``parse_answer``: the text after the first "final answer:", else after "the answer is", else after "answer:" (each
  found case-insensitively, stripped); else the whole answer.
* Multiple choice: ``get_option`` reads the character after an opening ``Answer: `` followed by a capital, else the
  **first letter of any kind** in that text, upper-cased ("Because..." reads B, "The..." reads T). A letter among the
  question's options (``ord(letter) - ord('A') < len(options)``) is the answer (rule ``letter``). Otherwise (no letter,
  or one past the options) the whole answer, stripped, is right only when it equals the reference option's text (with
  its own ``X.``, ``X:`` or ``(X)`` prefix removed); here it is compared with every option's text so that the option
  it names is the extracted letter (rule ``option_text``; the same verdict where option texts differ), and an answer
  that names none is unparsed (wrong, counted in ``unparsed_rate``, as the official code scores it wrong).
* The reference: ``answer`` stripped of ``()``, line breaks and spaces; longer than one character, its first letter.
* Short answer: right when the reference, lower-cased, equals ``parse_answer``'s text, lower-cased (rule ``short_answer``).

The official ``nlvr2`` rule (true/false words) is for its nlvr2 data set, not Mantis-Eval, and is not followed.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY

_ANSWER_LETTER = re.compile(r"Answer: [A-Z]")
_MARKERS = ("final answer:", "the answer is", "answer:")


def mantis_parse_answer(raw: str) -> str:
    """``parse_answer``: the text after the first of the markers found (in their order), stripped; else ``raw``."""
    lower = raw.lower()
    for marker in _MARKERS:
        if marker in lower:
            return raw[lower.index(marker) + len(marker):].strip()
    return raw


def mantis_option(answer: str) -> str | None:
    """``get_option``: the capital after an opening ``Answer: ``, else the first letter (``str.isalpha``) upper-cased."""
    if _ANSWER_LETTER.match(answer):
        return answer[8]
    return next((c.upper() for c in answer if c.isalpha()), None)


def mantis_reference(answer: str, multi_choice: bool) -> str:
    """The reference as ``get_prediction`` reads it: stripped of ``()``, line breaks and spaces; for a multiple-choice
    question longer than one character, its first letter."""
    ref = answer.strip("()\n ")
    if multi_choice and len(ref) != 1:
        ref = next((c for c in ref if c.isalpha()), ref)
    return ref


def _option_text(letter: str, option: str) -> str:
    for prefix in (letter + ".", letter + ":", "(" + letter + ")"):
        if option.startswith(prefix):
            return option[len(prefix):].strip()
    return option.strip()


def mantis_letter(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` as ``get_prediction`` reads a multiple-choice answer; ``(None, "unparsed")`` where it names no option."""
    selected = mantis_option(mantis_parse_answer(prediction))
    if selected and len(selected) == 1 and ord(selected) - ord("A") < len(choices):  # "ß".upper() is "SS": the official code fails
        return selected, "letter"
    raw = prediction.strip()
    for i, option in enumerate(choices):
        letter = chr(ord("A") + i)
        if raw == _option_text(letter, str(option)):
            return letter, "option_text"
    return None, "unparsed"


@scorer(
    "mantis_accuracy",
    **LETTER_ACCURACY,
    description="Mantis-Eval accuracy: the official get_prediction (TIGER-AI-Lab/Mantis eval.py): the first letter of the "
                "answer for multiple choice, else the option's exact text; exact match after 'Final Answer:' for short answers.",
)
def score_mantis(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter (multiple choice) or the answer text (short answer) the official code reads, and the rule."""
    out = []
    for item in inputs:
        if not item.references:
            out.append(SampleScore(error="no reference"))
            continue
        ref = mantis_reference(item.references[0], bool(item.choices))
        if item.choices:
            if len(ref) != 1:
                out.append(SampleScore(error=f"reference {item.references[0]!r} is not an option letter"))
                continue
            letter, rule = mantis_letter(item.prediction, item.choices)
            right = letter is not None and letter == ref.upper()
            out.append(SampleScore(stats={"score": float(right), "unparsed": float(letter is None)}, extracted=letter, rule=rule))
        else:
            answer = mantis_parse_answer(item.prediction)
            out.append(SampleScore(stats={"score": float(ref.lower() == answer.lower()), "unparsed": 0.0}, extracted=answer,
                                   rule="short_answer"))
    return out
