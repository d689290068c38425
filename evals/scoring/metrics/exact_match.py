"""``exact_match``: the prediction equals one of the references, after light normalisation.

Options (written into results): ``ignore_case`` (default true), ``ignore_punctuation``
(default false: removes every Unicode punctuation character, category ``P*``) and
``strip`` (default true: strips surrounding whitespace and squeezes inner runs of
whitespace to one space). Per-sample stat ``score`` is 1.0 or 0.0; the metric is its mean.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import ScoreInput, Stats, mean_aggregate, scorer

_WS = re.compile(r"\s+")


class ExactMatchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore_case: bool = True
    ignore_punctuation: bool = False
    strip: bool = True


def normalize_exact(text: str, options: ExactMatchOptions) -> str:
    if options.ignore_punctuation:
        text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
    if options.strip:
        text = _WS.sub(" ", text).strip()
    if options.ignore_case:
        text = text.casefold()
    return text


@scorer(
    "exact_match",
    aggregate=mean_aggregate("score", "exact_match"),
    options=ExactMatchOptions,
    primary="exact_match",
    metrics=("exact_match",),
    description="Prediction equals any reference (case/punctuation/whitespace options).",
)
def score_exact_match(inputs: Sequence[ScoreInput], options: ExactMatchOptions) -> list[Stats]:
    rows = []
    for item in inputs:
        pred = normalize_exact(item.prediction, options)
        hit = any(pred == normalize_exact(ref, options) for ref in item.references)
        rows.append({"score": 1.0 if hit else 0.0})
    return rows
