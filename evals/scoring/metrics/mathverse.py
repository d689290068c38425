"""``mathverse_match``: MathVerse testmini's answer reading without GPT, then the official quick match.

The official evaluation (ZrrSkywalker/MathVerse ``evaluation/extract_answer_s1.py`` then ``score_answer_s2.py``,
commit 937b090; VLMEvalKit's ``MathVerse_auxeval_extract`` / ``MathVerse_auxeval_score``; lmms-eval's
``MathVerseEvaluator``) asks GPT to extract the answer, then compares it with the standard answer: exactly
(``--quick_match``; VLMEvalKit's ``post_check_score`` before any GPT call), else by asking GPT whether the two are
consistent. None of them reads answers by rules. Ours, in order (the record's ``extraction_rule``):

1. ``empty``: an empty answer extracts nothing (unparsed);
2. ``boxed``: the last ``\\boxed{X}``;
3. ``answer_phrase``: the last "answer is X" / "Answer: X" (any case), X to the end of its line, final ``.`` cut;
4. ``letter`` (multiple choice): a one-line answer that starts with an option letter (``B``, ``(B) 60°``, ``B.``, ``B: 60°``);
5. ``direct``: a one-line answer of at most 40 characters is its own extraction (the ``query_wo`` prompt asks for
   the answer directly);
6. ``judge``: the task's extraction judge with the official extraction prompt (``--judge``); its ``null`` is none.
   Without one the answer stays unparsed: wrong and counted, never guessed.

The extraction is right when it equals the standard answer once stripped (the official quick match), or, ours in
place of the official GPT consistency check: for a multiple-choice question, when the letters read from both are
the same (``(C)`` and ``C``); for a free-form one, when MATH-Vision's ``is_equal`` holds between both after its
clean-up (numbers equal at 2 decimals: ``14.0`` and ``14``, ``\\frac{1}{2}`` and ``0.5``). Answers the GPT check
would accept in other forms (``50cm`` for ``0.5m``, an equation written another way) are wrong here.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, judge_letter
from evals.scoring.metrics.mathvision import find_math_answer, is_equal
from evals.scoring.metrics.mathvista import _last_boxed

_ANSWER_PHRASE = re.compile(r"(?:answer\s+is\s*:?|answer\s*:)[ \t]*(.*)", re.IGNORECASE)
_LETTER = re.compile(r"^(?:\(([A-F])\)|([A-F])(?=[.:)]|\s*$))")
_DIRECT_MAX = 40


def _letter(text: str) -> str | None:
    m = _LETTER.match(text.strip())
    return (m.group(1) or m.group(2)) if m else None


def extract(prediction: str, multiple_choice: bool) -> tuple[str | None, str]:
    """``(extraction, rule)`` by the rules above, or ``(None, rule)`` (``empty`` / ``unparsed``) for the judge to read."""
    text = prediction.strip()
    if not text:
        return None, "empty"
    boxed = _last_boxed(text)
    if boxed:
        return boxed, "boxed"
    found = _ANSWER_PHRASE.findall(text)
    if found:
        answer = found[-1].split("\n")[0].strip().rstrip(".").strip()
        if answer:
            return answer, "answer_phrase"
    if multiple_choice and "\n" not in text:
        letter = _letter(text)
        if letter:
            return letter, "letter"
    if "\n" not in text and len(text) <= _DIRECT_MAX:
        return text, "direct"
    return None, "unparsed"


def matches(extraction: str, answer: str, multiple_choice: bool) -> tuple[bool, str | None]:
    """``(right, how)``: the official quick match, else ours (the letters, or MATH-Vision's ``is_equal``)."""
    if extraction.strip() == answer.strip():
        return True, None
    if multiple_choice:
        mine, theirs = _letter(extraction), _letter(answer)
        return (mine is not None and mine == theirs), "option letters compared"
    return is_equal(find_math_answer(answer), find_math_answer(extraction)), "compared after MATH-Vision's clean-up (is_equal)"


@scorer("mathverse_match", **LETTER_ACCURACY,
        description="MathVerse: rule-based answer extraction (then the optional judge with the official extraction prompt) and the official quick match.")
def score_mathverse(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references or "question_type" not in item.metadata:
            raise ValueError(f"mathverse_match: sample {item.id!r} lacks its answer or question_type (fields.references / fields.metadata)")
        multiple_choice = item.metadata["question_type"] == "multi-choice"
        extraction, rule = extract(item.prediction, multiple_choice)
        if extraction is None:
            answer, rule, error = judge_letter(item, rule)  # the judge's extraction, its failure, or nothing
            if error:
                out.append(SampleScore(error=error))
                continue
            extraction = answer
        if extraction is None:
            out.append(SampleScore(stats={"score": 0.0, "unparsed": 1.0}, extracted=None, rule=rule))
            continue
        right, how = matches(extraction, item.references[0], multiple_choice)
        out.append(SampleScore(stats={"score": float(right), "unparsed": 0.0}, extracted=extraction, rule=rule, explanation=how))
    return out
