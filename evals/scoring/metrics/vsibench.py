"""``vsibench_score``: VSI-Bench's scoring as lmms-eval runs it (``tasks/vsibench/utils.py``: ``vsibench_process_results``
and ``_compute_all_subscores``; EvolvingLMMs-Lab/lmms-eval at commit 75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3, the
scoring the benchmark's own repository vision-x-nyu/thinking-in-space ships as its lmms-eval task).

Each question's ``question_type`` (its ``metadata``) decides how it is read:

* multiple choice (``object_rel_direction_easy/medium/hard``, ``object_rel_distance``, ``route_planning``,
  ``obj_appearance_order``): the answer's text up to its first space, ``.`` stripped from its end, must equal the
  ground-truth letter, case aside (``fuzzy_matching`` + ``exact_match``: "A." and "a" are A; "(A)" and " A" are not);
* numeric (``object_abs_distance``, ``object_counting``, ``object_size_estimation``, ``room_size_estimation``):
  the first number in the answer, digits (``-?\\d+(\\.\\d+)?``) or an English number-word run ("twenty-one",
  "three hundred and two"), whichever comes first (``extract_number``), scored by the Mean Relative Accuracy:
  the share of the thresholds ``numpy.linspace(.5, .95, 10)`` (the file's ``int((.95 - .5) / .05 + 2)`` is 10) with
  ``|answer - truth| / truth <= 1 - threshold``. No number: 0, as there (``unparsed`` counts it).

The figures: each question type's mean; ``object_rel_direction_accuracy`` the mean of its three difficulties'; the
primary ``overall`` the mean of the eight. A type absent from the run (a subset, a subgroup) is left out of the means,
where lmms-eval fails on a missing direction difficulty. Departures: no rounding to six places; a ground truth of 0
for a numeric question is that sample's scoring error (lmms-eval divides by it and stops).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer
from evals.scoring.metrics.cv_bench import _mean_present as mean_present  # the mean of the categories a run has

MCA_TYPES = ("object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard", "object_rel_distance",
             "route_planning", "obj_appearance_order")
NA_TYPES = ("object_abs_distance", "object_counting", "object_size_estimation", "room_size_estimation")
_DIRECTION = MCA_TYPES[:3]
CATEGORIES = {  # metric -> the question types it averages (lmms-eval's metric names)
    "obj_appearance_order_accuracy": ("obj_appearance_order",), "object_abs_distance_mra": ("object_abs_distance",),
    "object_counting_mra": ("object_counting",), "object_rel_distance_accuracy": ("object_rel_distance",),
    "object_size_estimation_mra": ("object_size_estimation",), "room_size_estimation_mra": ("room_size_estimation",),
    "route_planning_accuracy": ("route_planning",), "object_rel_direction_accuracy": _DIRECTION,
}
_THRESHOLDS = np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2))
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
          "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000}


def vsibench_number(text: str) -> float | None:
    """The number lmms-eval's VSI-Bench ``extract_number`` reads from an answer, or None."""
    s = str(text).strip().lower() if text is not None else ""
    if not s:
        return None
    digits = _NUMBER.search(s)
    start, run = None, []
    for m in re.finditer(r"[a-z]+", s):
        word = m.group(0)
        if start is None:
            if word in _WORDS:
                start, run = m.start(), [word]
        elif word in _WORDS:
            run.append(word)
        elif word != "and":
            break
    if digits is not None and (start is None or digits.start() < start):
        return float(digits.group(0))
    if start is None:
        return None
    total, current = 0, 0
    for word in run:
        value = _WORDS[word]
        if value == 100:
            current = max(current, 1) * 100
        elif value == 1000:
            total += max(current, 1) * 1000
            current = 0
        else:
            current += value
    return float(total + current)


def mean_relative_accuracy(answer: float, truth: float) -> float:
    """The share of VSI-Bench's ten thresholds the relative error ``|answer - truth| / truth`` is within ``1 - threshold`` of."""
    return float((abs(answer - truth) / truth <= 1 - _THRESHOLDS).mean())


def vsibench_sample(prediction: str, truth: str, question_type: str) -> tuple[float, str | None, str]:
    """``(score, what was read, rule)`` of one answer, as lmms-eval's ``vsibench_process_results`` scores it."""
    if question_type in MCA_TYPES:
        word = prediction.split(" ")[0].rstrip(".").strip()
        return (1.0 if word.lower() == truth.lower() else 0.0), word or None, "first_word" if word else "unparsed"
    number = vsibench_number(prediction)
    try:
        target = float(truth)
    except (TypeError, ValueError):
        target = None
    if number is None or target is None:
        return 0.0, None, "unparsed" if number is None else "number"
    if target == 0:
        raise ZeroDivisionError(f"ground truth {truth!r} is 0: no relative accuracy")
    return mean_relative_accuracy(number, target), f"{number:g}", "number"


def _vsibench_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: NoOptions) -> dict[str, np.ndarray]:
    by_type = {t: safe_divide(totals[f"s_{t}"], totals[f"n_{t}"]) for t in MCA_TYPES + NA_TYPES}
    out = {metric: mean_present(*(by_type[t] for t in types)) for metric, types in CATEGORIES.items()}
    return {"overall": mean_present(*out.values()), **out, "unparsed_rate": safe_divide(totals["unparsed"], n)}


_COLUMNS = ("unparsed", *(f"{k}_{t}" for t in MCA_TYPES + NA_TYPES for k in ("s", "n")))


@scorer(
    "vsibench_score",
    aggregate=TotalsAggregate(_COLUMNS, _vsibench_totals),
    primary="overall",
    metrics=("overall", *CATEGORIES, "unparsed_rate"),
    metric_directions={"unparsed_rate": "lower"},
    internal_stats=_COLUMNS[1:],
    description="VSI-Bench as lmms-eval scores it: the first word against the letter (multiple choice), the first number's "
                "Mean Relative Accuracy over thresholds .5:.95:.05 (numeric); overall the mean of the eight categories.",
)
def score_vsibench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        question_type = str(item.metadata.get("question_type", ""))
        if question_type not in MCA_TYPES + NA_TYPES:
            out.append(SampleScore(error=f"vsibench_score: question_type {question_type!r} is not a VSI-Bench type"))
            continue
        if not item.references:
            out.append(SampleScore(error="vsibench_score: no ground truth"))
            continue
        try:
            score, read, rule = vsibench_sample(item.prediction, item.references[0], question_type)
        except ZeroDivisionError as e:
            out.append(SampleScore(error=f"vsibench_score: {e}"))
            continue
        stats = {"unparsed": 1.0 if rule == "unparsed" else 0.0}
        for t in MCA_TYPES + NA_TYPES:
            stats[f"n_{t}"] = 1.0 if t == question_type else 0.0
            stats[f"s_{t}"] = score if t == question_type else 0.0
        out.append(SampleScore(stats=stats, extracted=read, rule=rule))
    return out
