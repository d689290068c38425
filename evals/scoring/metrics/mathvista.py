"""``mathvista_match``: MathVista's answer extraction and normalisation (its ``extract_answer.py`` and ``calculate_score.py``).

Each sample's metadata gives ``question_type`` (``multi_choice`` | ``free_form``),
``answer_type`` (``text`` | ``integer`` | ``float`` | ``list``) and ``precision``
(decimal places of a float answer). An answer is extracted by the first rule that
applies, in the official order, then by two rules of ours for answers the official
pipeline would send to its GPT extractor and which that extractor only copies out:

1. ``empty``: an empty answer extracts nothing (unparsed);
2. ``choice_text``: a multiple-choice answer that is exactly one option's text;
3. ``number``: an integer (float) question whose answer parses as an integer (float) as it stands;
4. ``answer_is``: ``The answer is "X".`` (the official quick extraction);
5. ``boxed`` (ours): the last ``\\boxed{X}`` (reasoning models);
6. ``letter`` (ours): a multiple-choice answer that is a bare option letter (``B``, ``(B)``, ``B.``, ``B) 8/11``);
7. ``judge``: the task's extraction judge with the official few-shot prompt (``--judge``);
   without one the answer stays unparsed: wrong and counted, never guessed.

The extraction is then normalised as the official scorer does: a multiple-choice
letter (also ``(B)`` inside the extraction) becomes its option's text, any other
non-empty extraction the option nearest by edit distance (``explanation`` says so);
integers are ``str(int(float(x)))``, floats ``str(round(float(x), precision))``,
lists ``str(x)``; a value that does not convert is wrong. Right when the
normalised value equals the answer string exactly.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, LETTERS, judge_letter, parse_choice
from evals.scoring.metrics.levenshtein import distance

_ANSWER_IS = re.compile(r'The answer is "(.*)"\.')
_BOXED = "\\boxed{"


def _last_boxed(text: str) -> str | None:
    start = text.rfind(_BOXED)
    if start < 0:
        return None
    depth, i = 1, start + len(_BOXED)
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j].strip()
    return None


def extract(prediction: str, meta: dict[str, Any], choices: Sequence[str]) -> tuple[str | None, str]:
    """``(extraction, rule)`` by the rules above, or ``(None, rule)`` (``empty`` / ``unparsed``) for the judge to read."""
    if prediction == "":
        return None, "empty"
    if meta.get("question_type") == "multi_choice" and prediction in choices:
        return prediction, "choice_text"
    try:
        if meta.get("answer_type") == "integer":
            return str(int(prediction)), "number"
        if meta.get("answer_type") == "float":
            return str(float(prediction)), "number"
    except ValueError:
        pass
    m = _ANSWER_IS.search(prediction)
    if m:
        return m.group(1), "answer_is"
    boxed = _last_boxed(prediction)
    if boxed:
        return boxed, "boxed"
    if meta.get("question_type") == "multi_choice":
        letter, rule = parse_choice(prediction, choices)
        if rule in ("bare", "leading"):
            return letter, "letter"
    return None, "unparsed"


def normalize(extraction: str, meta: dict[str, Any], choices: Sequence[str]) -> tuple[str | None, str | None]:
    """``(value, note)``: the extraction in the answer's form (None when it does not convert), and how it got there."""
    if meta.get("question_type") == "multi_choice":
        text = extraction.strip()
        letters = re.findall(r"\(([a-zA-Z])\)", text)
        if letters:
            text = letters[0].upper()
        if len(text) == 1 and text in LETTERS[: len(choices)]:
            return choices[LETTERS.index(text)], None
        if not text or not choices:
            return None, None
        nearest = min(range(len(choices)), key=lambda i: (distance(text, choices[i]), i))
        return choices[nearest], f"nearest option by edit distance to {text[:40]!r}"
    try:
        if meta.get("answer_type") == "integer":
            return str(int(float(extraction))), None
        if meta.get("answer_type") == "float":
            return str(round(float(extraction), int(meta.get("precision") or 0))), None
    except (TypeError, ValueError, OverflowError):
        return None, f"{extraction[:40]!r} is not a number"
    return str(extraction), None


@scorer("mathvista_match", **LETTER_ACCURACY,
        description="MathVista: official answer extraction (then the optional judge) and normalisation by answer type and precision.")
def score_mathvista(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        missing = [k for k in ("question_type", "answer_type") if k not in item.metadata]
        if missing or not item.references:
            raise ValueError(f"mathvista_match: sample {item.id!r} lacks {', '.join(missing) or 'its answer'} (fields.metadata / references)")
        choices = item.choices or []
        extraction, rule = extract(item.prediction, item.metadata, choices)
        if extraction is None:
            answer, rule, error = judge_letter(item, rule)  # the judge's extraction, its failure, or nothing
            if error:
                out.append(SampleScore(error=error))
                continue
            extraction = answer
        value, note = normalize(extraction, item.metadata, choices) if extraction is not None else (None, None)
        right = value is not None and value == item.references[0]
        out.append(SampleScore(stats={"score": float(right), "unparsed": float(extraction is None)},
                               extracted=value if value is not None else extraction, rule=rule, explanation=note))
    return out
