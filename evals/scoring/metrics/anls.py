"""``anls``: Average Normalized Levenshtein Similarity (ST-VQA / DocVQA).

Per question: prediction and each reference are lower-cased and
whitespace-normalised (``" ".join(s.strip().lower().split())``); for each
reference ``nl = levenshtein / max(len(ref), len(pred))`` (0 when both are
empty); the question score is ``1 - min(nl)`` over references, set to 0 when it
is below ``threshold`` (default 0.5, as in the official evaluation:
``if question_result < threshold: question_result = 0``). The metric is
the mean, as a fraction in [0, 1]. Levenshtein is over characters.
"""

from __future__ import annotations

from typing import Sequence

from pydantic import BaseModel, ConfigDict, Field

from evals.scoring.contract import ScoreInput, Stats, mean_aggregate, scorer
from evals.scoring.metrics.levenshtein import distance


class ANLSOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(0.5, ge=0.0, le=1.0)


def _normalize(text: str) -> str:
    return " ".join(text.strip().lower().split())


def anls_one(prediction: str, references: Sequence[str], threshold: float = 0.5) -> float:
    if not references:
        raise ValueError("anls needs at least one reference")
    pred = _normalize(prediction)
    best = 1.0
    for ref in references:
        gt = _normalize(ref)
        length = max(len(gt), len(pred))
        nl = 0.0 if length == 0 else distance(gt, pred) / length
        best = min(best, nl)
    score = 1.0 - best
    return 0.0 if score < threshold else score


@scorer(
    "anls",
    aggregate=mean_aggregate("score", "anls"),
    options=ANLSOptions,
    primary="anls",
    metrics=("anls",),
    description="Average Normalized Levenshtein Similarity (DocVQA/ST-VQA), threshold 0.5.",
)
def score_anls(inputs: Sequence[ScoreInput], options: ANLSOptions) -> list[Stats]:
    rows = []
    for item in inputs:
        if not item.references:
            raise ValueError(f"anls: sample {item.id!r} has no reference")
        rows.append({"score": anls_one(item.prediction, item.references, options.threshold)})
    return rows


def anls_package_score(prediction: str, references: Sequence[str], threshold: float = 0.5) -> float:
    """ANLS as the PyPI ``anls`` package (0.0.2, ``anls.metrics.score.anls_score``) computes it, which ChartQAPro's
    official ``evaluate_predictions.py`` calls. It differs from :func:`anls_one` at the threshold: a normalized distance
    must be strictly below ``threshold`` to count (``1 - nl if nl < threshold else 0``), so a distance of exactly 0.5
    scores 0 here and 0.5 in :func:`anls_one`; and the length dividing the distance is that of the upper-cased strings
    (``max(len(s1.upper()), len(s2.upper()))``: "ß" counts two). The best reference counts."""
    if not references:
        raise ValueError("anls needs at least one reference")
    pred = _normalize(prediction)
    scores = []
    for ref in references:
        gt = _normalize(ref)
        length = max(len(pred.upper()), len(gt.upper()))
        nl = 0.0 if length == 0 else distance(pred, gt) / length
        scores.append(1.0 - nl if nl < threshold else 0.0)
    return max(scores)
