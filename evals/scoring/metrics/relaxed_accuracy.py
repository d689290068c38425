"""``relaxed_accuracy``: ChartQA's relaxed correctness, as defined in pix2struct.

Following ``pix2struct/metrics.py`` (``relaxed_correctness``, ``_to_float``):
a string is read as a number with Python ``float()``; a trailing ``%`` is
stripped (``rstrip('%')``) and the number divided by 100. When both target and
prediction are numbers and the target is non-zero, the prediction is correct
if ``|pred - target| / |target| <= max_relative_change`` (default 0.05).
Otherwise (either side not a number, or target 0) the comparison is
case-insensitive string equality with no other normalisation (no stripping).
Per sample the best reference counts (max over references); the metric is
the mean, as a fraction.
"""

from __future__ import annotations

from typing import Sequence

from pydantic import BaseModel, ConfigDict, Field

from evals.scoring.contract import ScoreInput, Stats, mean_aggregate, scorer


class RelaxedAccuracyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_relative_change: float = Field(0.05, ge=0.0)


def to_float(text: str) -> float | None:
    try:
        if text.endswith("%"):
            return float(text.rstrip("%")) / 100.0
        return float(text)
    except ValueError:
        return None


def relaxed_correctness(target: str, prediction: str, max_relative_change: float = 0.05) -> bool:
    prediction_float = to_float(prediction)
    target_float = to_float(target)
    if prediction_float is not None and target_float:
        return abs(prediction_float - target_float) / abs(target_float) <= max_relative_change
    return prediction.lower() == target.lower()


@scorer(
    "relaxed_accuracy",
    aggregate=mean_aggregate("score", "relaxed_accuracy"),
    options=RelaxedAccuracyOptions,
    primary="relaxed_accuracy",
    metrics=("relaxed_accuracy",),
    description="ChartQA relaxed accuracy (pix2struct): 5% relative tolerance for numbers, else exact (case-insensitive).",
)
def score_relaxed_accuracy(inputs: Sequence[ScoreInput], options: RelaxedAccuracyOptions) -> list[Stats]:
    rows = []
    for item in inputs:
        hit = any(relaxed_correctness(ref, item.prediction, options.max_relative_change) for ref in item.references)
        rows.append({"score": 1.0 if hit else 0.0})
    return rows
