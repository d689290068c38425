"""``choice_accuracy``: multiple choice scored from free-text answers.

``references[0]`` is the correct option letter (``"A"``, ``"b"``, ``"(C)"`` are
accepted); ``choices`` are the option texts, lettered A, B, C, ... in order.
``parse_choice`` extracts one letter from the model's answer with cheap rules,
tried in order; the first that decides wins and its name is returned:

1. ``bare``: the whole answer is one option letter, optionally wrapped or
   followed by punctuation: ``B``, ``(B)``, ``b.``, ``[C]``, ``Option D``.
2. ``leading``: the answer starts with a letter and a delimiter:
   ``B) red``, ``(B) red``, ``B. red``, ``B: red``, ``B - red``.
3. ``phrase``: an explicit phrase, the last one in the answer wins:
   ``answer is C``, ``Answer: (C)``, ``option C``, ``choice: C``,
   ``correct answer would be C``.
4. ``single_letter``: exactly one distinct valid capital letter appears as a
   standalone token (``A`` and ``I`` used as words, i.e. followed by a
   lower-case word other than ``or``/``and``/``nor``, do not count).
5. ``option_text``: exactly one option's text appears in the answer
   (case-insensitive, whole words, whitespace-squeezed); an option whose text
   is contained in another matched option's text is ignored.

When the task has an answer-extraction judge (``judge: {when: unparsed, verdict: {kind: choice}}``),
an answer no rule decided goes to the judge: its letter decides (rule ``judge``), its "none"
leaves the answer unparsed, and a failed judge call makes the sample a scoring error.

Otherwise the answer is *unparsed*: stat ``unparsed`` = 1, scored wrong,
reported as ``unparsed_rate``. There is never a random guess. Each sample's
result carries the extracted letter and the rule's name (``unparsed`` when
none decided), which the sample records show.
"""

from __future__ import annotations

import re
import string
from typing import Callable, Sequence


from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, means_aggregate, scorer

LETTERS = string.ascii_uppercase
PARSE_RULES = ("bare", "leading", "phrase", "single_letter", "option_text")

_BARE = re.compile(r"^\s*(?:(?:option|choice|answer)\s*[:\-]?\s*)?[\(\[\{]?\s*([A-Za-z])\s*[\)\]\}]?\s*[.:;,!]?\s*$", re.I)
_LEADING = re.compile(r"^\s*(?:\(([A-Za-z])\)|\[([A-Za-z])\]|([A-Z])\s*[\).:\]]|([A-Z])\s+-\s)")
_PHRASE = re.compile(
    r"(?:answer|option|choice)\s*(?:is|would be|will be|should be|:|-)?\s*[:\-]?\s*"
    r"(?:\*\*)?[\(\[]?((?-i:[A-Z]))[\)\]]?(?:\*\*)?(?![A-Za-z])",
    re.I,
)
_STANDALONE = re.compile(r"(?<![A-Za-z0-9'])([A-Z])(?![A-Za-z0-9'])")
_WORD_AFTER = re.compile(r"\s+(?!(?:or|and|nor)\b)[a-z]")


def _squeeze(text: str) -> str:
    return " ".join(text.lower().split())


def parse_choice(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` or ``(None, "unparsed")``; ``rule`` is one of ``PARSE_RULES``."""
    valid = LETTERS[: len(choices)]
    text = prediction.strip()

    m = _BARE.match(text)
    if m and m.group(1).upper() in valid:
        return m.group(1).upper(), "bare"

    m = _LEADING.match(text)
    if m:
        letter = next(g for g in m.groups() if g).upper()
        if letter in valid:
            return letter, "leading"

    found = [g.upper() for g in _PHRASE.findall(text) if g.upper() in valid]
    if found:
        return found[-1], "phrase"

    letters = set()
    for m in _STANDALONE.finditer(text):
        letter = m.group(1)
        if letter in ("A", "I") and _WORD_AFTER.match(text, m.end()):
            continue  # the article "A" / the pronoun "I"
        if letter in valid:
            letters.add(letter)
    if len(letters) == 1:
        return letters.pop(), "single_letter"

    answer = f" {_squeeze(re.sub(r'[^0-9A-Za-z]+', ' ', text))} "
    matched = []
    for i, choice in enumerate(choices):
        option = _squeeze(re.sub(r"[^0-9A-Za-z]+", " ", choice))
        if option and f" {option} " in answer:
            matched.append((i, option))
    matched = [(i, o) for i, o in matched if not any(o != o2 and o in o2 for _, o2 in matched)]
    if len(matched) == 1:
        return valid[matched[0][0]], "option_text"
    return None, "unparsed"


def reference_letter(item: ScoreInput, scorer: str = "choice_accuracy") -> str:
    """The correct option letter of a multiple-choice sample (``(B)``, ``b.`` -> ``B``); a clear error otherwise."""
    if not item.choices:
        raise ValueError(f"{scorer}: sample {item.id!r} has no choices")
    if not item.references:
        raise ValueError(f"{scorer}: sample {item.id!r} has no reference letter")
    ref = item.references[0].strip().strip("()[]. ").upper()
    if len(ref) != 1 or ref not in LETTERS[: len(item.choices)]:
        raise ValueError(
            f"{scorer}: sample {item.id!r} reference {item.references[0]!r} is not one of the "
            f"option letters {LETTERS[: len(item.choices)]!r}"
        )
    return ref


def judge_letter(item: ScoreInput, rule: str = "unparsed") -> tuple[str | None, str, str | None]:
    """For an answer the rules could not read: the task's extraction judge's answer (a letter, or text) ``(answer, "judge", None)``,
    its failure ``(None, rule, error)``, or nothing ``(None, rule, None)`` (no judge, or it said no option fits)."""
    verdict = item.metadata.get("judge")
    if not verdict:
        return None, rule, None
    if verdict.get("error"):
        return None, rule, str(verdict["error"])
    if verdict.get("answer"):
        return str(verdict["answer"]), "judge", None
    return None, rule, None


def score_letters(inputs: Sequence[ScoreInput], read: Callable[[str], tuple[str | None, str]],
                  official: Callable[[ScoreInput], bool] | None = None, *, with_choices: bool = False) -> list[SampleScore]:
    """A benchmark's own letter reader as a scorer: ``read(prediction)`` (``read(prediction, choices)`` when
    ``with_choices``) gives ``(letter, rule)`` or ``(None, "unparsed")``;
    an unread answer goes to the task's extraction judge when it has one. Right when the letter is the reference,
    or, for answers the rules read, when ``official(item)`` says so (a benchmark whose matcher is not letter equality)."""
    out = []
    for item in inputs:
        if not item.references:
            out.append(SampleScore(error="no reference letter"))
            continue
        letter, rule = read(item.prediction, item.choices or []) if with_choices else read(item.prediction)  # type: ignore[call-arg]
        if letter is None:
            letter, rule, error = judge_letter(item, rule)
            if error:
                out.append(SampleScore(error=error))
                continue
        if official is not None and rule != "judge":
            right = official(item)
        else:
            right = letter is not None and letter == item.references[0].strip().strip("()[]. ").upper()
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0, "unparsed": 1.0 if letter is None else 0.0},
                               extracted=letter, rule=rule))
    return out


# What every letter-reading scorer reports: accuracy, and the share of answers no rule could read.
LETTER_ACCURACY = dict(aggregate=means_aggregate({"accuracy": "score", "unparsed_rate": "unparsed"}), primary="accuracy",
                       metrics=("accuracy", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"})


@scorer(
    "choice_accuracy",
    **LETTER_ACCURACY,
    description="Multiple-choice accuracy from free text (rule-based letter/option parser; unparsed = wrong).",
)
def score_choice_accuracy(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the parsed letter (``extracted``), the rule that decided it, and whether it is the reference."""
    rows = []
    for item in inputs:
        ref = reference_letter(item)
        letter, rule = parse_choice(item.prediction, item.choices or [])
        if letter is None:
            letter, rule, error = judge_letter(item, rule)
            if error:
                rows.append(SampleScore(error=error))
                continue
        rows.append(SampleScore(
            stats={
                "score": 1.0 if letter == ref else 0.0,
                "unparsed": 1.0 if letter is None else 0.0,
                "parsed_index": float(LETTERS.index(letter)) if letter else -1.0,
                "parse_rule": float(PARSE_RULES.index(rule)) if letter and rule in PARSE_RULES else -1.0,
            },
            extracted=letter, rule=rule,
        ))  # fmt: skip
    return rows
