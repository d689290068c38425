"""``mmmu_accuracy``: MMMU's mixed multiple-choice and open questions in one accuracy.

A sample with ``choices`` is multiple choice: ``references[0]`` is the
correct letter and the prediction is parsed by ``choice.parse_choice`` (no
random guess when parsing fails: the sample is wrong and counted unparsed).
A sample without choices is open: following MMMU's ``parse_open_response`` /
``eval_open``, candidate answers are taken from the prediction (the text after
the last "answer is"-style indicator, else the whole text, plus every number
in it); a number reference matches a candidate number (rounded to 2 places),
a text reference matches when its normalised form occurs in a normalised
candidate. Several references (MMMU stores some as a list) mean any may match.
"""

from __future__ import annotations

import re
from typing import Sequence


from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, means_aggregate, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, LETTERS, parse_choice, reference_letter, score_letters

_INDICATORS = re.compile(r"(?:answer is|answer:|could be|thus|therefore|final answer|result is|so)\s*", re.I)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?", re.I)


def _to_number(text: str) -> float | None:
    text = text.strip().rstrip(".").replace(",", "")
    if text.endswith("%"):
        text = text[:-1]
    try:
        return round(float(text), 2)
    except ValueError:
        return None


def _normalise(text: str) -> str:
    return " ".join(text.lower().strip().rstrip(".").split())


def open_candidates(prediction: str) -> tuple[set[float], list[str]]:
    """Numbers and normalised text spans a free-form answer may be giving."""
    tail = prediction
    matches = list(_INDICATORS.finditer(prediction))
    if matches:
        tail = prediction[matches[-1].end():]
    numbers = {n for n in (_to_number(m.group(0)) for m in _NUMBER.finditer(prediction)) if n is not None}
    texts = [t for t in dict.fromkeys([_normalise(tail), _normalise(prediction)]) if t]  # the answer span first
    return numbers, texts


def open_match(prediction: str, references: Sequence[str]) -> tuple[str | None, str]:
    """``(the candidate that matched, "number" | "text")``, or ``(the answer span read, "no_match")``."""
    numbers, texts = open_candidates(prediction)
    for ref in references:
        value = _to_number(ref)
        if value is not None:
            if value in numbers:
                return f"{value:g}", "number"
        else:
            hit = next((t for t in texts if _normalise(ref) in t), None)
            if hit is not None:
                return hit, "text"
    matches = list(_INDICATORS.finditer(prediction))
    span = _normalise(prediction[matches[-1].end():] if matches else prediction)
    return span or None, "no_match"


def open_correct(prediction: str, references: Sequence[str]) -> bool:
    return open_match(prediction, references)[1] != "no_match"


@scorer(
    "mmmu_accuracy",
    aggregate=means_aggregate({"accuracy": "score", "unparsed_rate": "unparsed", "open_fraction": "open"}),
    primary="accuracy",
    metrics=("accuracy", "unparsed_rate", "open_fraction"),
    metric_directions={"unparsed_rate": "lower"},
    description="MMMU accuracy: option letters for multiple choice, MMMU's number/substring rules for open questions.",
)
def score_mmmu(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the extracted letter (multiple choice) or matched answer (open) and the rule that decided it."""
    rows = []
    for item in inputs:
        if item.choices:
            ref = reference_letter(item, "mmmu_accuracy")
            letter, rule = parse_choice(item.prediction, item.choices)
            rows.append(SampleScore({"score": float(letter == ref), "unparsed": float(letter is None), "open": 0.0},
                                    extracted=letter, rule=rule))  # fmt: skip
        else:
            answer, rule = open_match(item.prediction, item.references)
            rows.append(SampleScore({"score": float(rule != "no_match"), "unparsed": 0.0, "open": 1.0},
                                    extracted=answer, rule=f"open_{rule}"))  # fmt: skip
    return rows


# --- MMMU-Pro ---------------------------------------------------------------------------------------

_PRO_STRIP = (",", ".", "!", "?", ";", ":", "'")


def parse_mmmu_pro(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """The option letter MMMU-Pro's official evaluator reads from an answer, ``(letter, rule)`` or ``(None, "unparsed")``.

    MMMU-Benchmark/MMMU mmmu-pro/evaluate.py ``parse_multi_choice_response`` (commit bb0b95a), rules in its order:

    1. ``answer_line``: after the last ``Answer:`` (case-sensitive), the one letter of A.. that occurs anywhere in the rest
       (a substring test: ``Answer: B. Because of D`` names two, and falls through);
    2. the answer stripped of ``, . ! ? ; : '`` at both ends (one character kind after the other), padded with spaces;
       ``bracketed``: every ``(X)`` in it; else ``letter_space``: every ``X `` (a capital followed by a space, anywhere);
       else ``letter_dot``: every ``X.``;
    3. ``option_text``: an answer of more than 5 words containing options' texts (case-insensitive substrings);
    4. several candidates: the one found last (``(X)``, `` X `` or the option's text, by the rule that found them; none
       found again: the first, as ``numpy.argmax`` of all -1 gives).

    Departure (pinned in tests/conformance/test_mmmu_pro.py): where nothing is found the official code returns a random
    letter; here the answer is unparsed, scored wrong and counted in ``unparsed_rate``, never guessed.
    """
    letters = LETTERS[: len(choices)]
    if not isinstance(prediction, str):
        prediction = ""
    at = prediction.rfind("Answer:")
    if at != -1:
        named = [c for c in letters if c in prediction[at + len("Answer:"):].strip()]
        if len(named) == 1:
            return named[0], "answer_line"
    text = prediction
    for char in _PRO_STRIP:
        text = text.strip(char)
    text = f" {text} "
    rule = "bracketed"
    candidates = [c for c in letters if f"({c})" in text]
    if not candidates:
        rule, candidates = "letter_space", [c for c in letters if f"{c} " in text]
    if not candidates:
        rule, candidates = "letter_dot", [c for c in letters if f"{c}." in text]
    if not candidates and len(text.split()) > 5:
        rule, candidates = "option_text", [c for c, option in zip(letters, choices) if option.lower() in text.lower()]
    return pick_candidate(text, letters, choices, candidates, rule)


def pick_candidate(text: str, letters: Sequence[str], choices: Sequence[str], candidates: list[str], rule: str) -> tuple[str | None, str]:
    """How MMMU's ``parse_multi_choice_response`` (and MMMU-Pro's, MuirBench's copies of it) ends: no candidate is
    ``(None, "unparsed")``, one is the answer, of several the one found last in ``text`` (``(X)`` for ``bracketed``,
    the option's text for ``option_text``, `` X `` for the letter rules; none found again: the first, as ``numpy.argmax``
    of all -1 gives), with ``_last`` added to the rule."""
    if not candidates:
        return None, "unparsed"
    if len(candidates) == 1:
        return candidates[0], rule
    if rule == "bracketed":
        where = [text.rfind(f"({c})") for c in candidates]
    elif rule == "option_text":
        where = [text.lower().rfind(str(choices[letters.index(c)]).lower()) for c in candidates]
    else:
        where = [text.rfind(f" {c} ") for c in candidates]
    return candidates[where.index(max(where))], f"{rule}_last"


@scorer(
    "mmmu_pro_accuracy",
    **LETTER_ACCURACY,
    description="MMMU-Pro accuracy: the official evaluator's letter parsing (mmmu-pro/evaluate.py); unparsed answers are "
                "wrong and counted, never a random letter.",
)
def score_mmmu_pro(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter the official rules read (``extracted``), the rule that decided, right when it is the answer."""
    return score_letters(inputs, parse_mmmu_pro, with_choices=True)


# --- VideoMMMU: lmms-eval's videommmu reading --------------------------------------------------------------------------

from evals.scoring.metrics.videomme import mcq_letter  # noqa: E402  (lmms-eval's extract_mcq_answer)

_OPEN_KEYS = ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ", "are ", "in total ", "total ",
              "identify ", "recognize ", "calculated as ", "counted as ", "measured as ", "observed as ", "concluded as ",
              "found to be ", "equals ", "determined to be ", "number of ", "value is ", "adds up to ", "have ", "has ")
_NUMBER_FORMS = (re.compile(r"-?\b\d{1,3}(?:,\d{3})+\b"), re.compile(r"-?\d+(?:\.\d+)?[eE][+-]?\d+"),
                 re.compile(r"-?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])"))


def mmmu_normalise(text: str) -> list[str | float]:
    """MMMU's ``normalize_str``: a number (``float`` accepts it, commas dropped) rounded to 2 places; else lower case, a
    single character padded on either side (``[" a", "a "]``)."""
    text = text.strip()
    try:
        return [round(float(text.replace(",", "")), 2)]
    except ValueError:
        text = text.lower()
        return [" " + text, text + " "] if len(text) == 1 else [text]


def mmmu_open_predictions(response: str) -> list[str | float] | None:
    """MMMU's ``parse_open_response`` as lmms-eval's VideoMMMU runs it (lmms_eval/tasks/videommmu/utils.py): the
    shortest tail after a key phrase in each line of the lower-cased answer (``=`` too in the last line; the whole
    answer when no line has one), every number in those tails, each normalised (``mmmu_normalise``). ``None`` for an
    empty answer (lmms-eval's "API Error")."""
    if response == "":
        return None
    text = response.strip().strip(".").lower()
    lines = re.split(r"\.\s(?=[A-Z])|\n", text)
    keys: list[str] = []
    for index, line in enumerate(lines):
        shortest = None
        for key in _OPEN_KEYS + (("=",) if index == len(lines) - 1 else ()):
            if key in line:
                tail = line.split(key)[-1].strip()
                if not shortest or len(tail) < len(shortest):
                    shortest = tail
        if shortest and shortest.strip() not in (":", ",", ".", "!", "?", ";", "'"):
            keys.append(shortest)
    keys = keys or [text]
    found = keys + [n for key in keys for form in _NUMBER_FORMS for n in form.findall(key)]
    return list(dict.fromkeys(v for item in found for v in mmmu_normalise(item)))


def mmmu_open_right(answer: str, predictions: Sequence[str | float]) -> bool:
    """MMMU's ``eval_open``: a text answer (normalised) inside a text prediction, or a number equal to one."""
    gold = mmmu_normalise(answer)
    for pred in predictions:
        if isinstance(pred, str):
            if any(isinstance(g, str) and g in pred for g in gold):
                return True
        elif pred in gold:
            return True
    return False


_VIDEOMMMU_CHOICE_TYPES = ("multiple-choice", "perception")


@scorer(
    "videommmu_accuracy",
    aggregate=means_aggregate({"accuracy": "score", "unparsed_rate": "unparsed", "open_fraction": "open"}),
    primary="accuracy",
    metrics=("accuracy", "unparsed_rate", "open_fraction"),
    metric_directions={"unparsed_rate": "lower"},
    description="VideoMMMU as lmms-eval scores it: extract_mcq_answer over the options' letters for multiple choice, "
                "MMMU's parse_open_response/eval_open for open questions; unread answers wrong and counted.",
)
def score_videommmu(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Multiple choice when ``metadata.question_type`` is one (else when the sample has choices): right when the letter
    read is the answer exactly (``eval_multi_choice``). Open otherwise. An empty answer is unparsed, wrong and counted
    (lmms-eval drops it from the denominator as an "API Error")."""
    rows = []
    for item in inputs:
        if not item.references:
            rows.append(SampleScore(error="no reference"))
            continue
        qtype = item.metadata.get("question_type")
        if (qtype in _VIDEOMMMU_CHOICE_TYPES) if qtype is not None else bool(item.choices):
            letters = LETTERS[: len(item.choices or [])]
            letter, rule = mcq_letter(item.prediction, letters)  # no options: lmms-eval reads A-H
            rows.append(SampleScore({"score": float(letter is not None and letter == item.references[0]), "unparsed": float(letter is None),
                                     "open": 0.0}, extracted=letter, rule=rule))
            continue
        predictions = mmmu_open_predictions(item.prediction)
        right = predictions is not None and mmmu_open_right(item.references[0], predictions)
        rows.append(SampleScore({"score": float(right), "unparsed": float(predictions is None), "open": 1.0},
                                extracted=None if predictions is None else " | ".join(map(str, predictions)),
                                rule="open_unparsed" if predictions is None else ("open_match" if right else "open_no_match")))
    return rows
