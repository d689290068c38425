"""``ocrbench``: OCRBench's rule, a reference occurring in the prediction.

As in OCRBench's evaluation script: for the ``HME100k`` subset (handwritten
formulas) spaces and line breaks are removed from both sides and the match is
case-sensitive; otherwise both are lower-cased, stripped, line breaks turned
into spaces, and the sample scores 1 when any reference is a substring of the
prediction. ``score`` is the number of correct samples (the benchmark's score
out of 1000); ``accuracy`` the fraction. The sub-dataset name is read from
subgroup field ``options.dataset_field``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import ScoreInput, Stats, TotalsAggregate, safe_divide, scorer


class OCRBenchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset_field: str = "dataset"


def ocrbench_correct(prediction: str, references: Sequence[str], dataset: str = "") -> bool:
    if dataset == "HME100k":
        pred = prediction.strip().replace("\n", " ").replace(" ", "")
        return any(ref.strip().replace("\n", " ").replace(" ", "") in pred for ref in references)
    pred = prediction.lower().strip().replace("\n", " ")
    return any(ref.lower().strip().replace("\n", " ") in pred for ref in references)


def _from_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    return {"accuracy": safe_divide(totals["score"], n), "score": totals["score"]}


@scorer(
    "ocrbench",
    aggregate=TotalsAggregate(("score",), _from_totals),
    options=OCRBenchOptions,
    primary="accuracy",
    metrics=("accuracy", "score"),
    description="OCRBench: a reference occurs in the prediction (HME100k: spaces removed, case kept); score = count correct.",
)
def score_ocrbench(inputs: Sequence[ScoreInput], options: OCRBenchOptions) -> list[Stats]:
    return [{"score": float(ocrbench_correct(i.prediction, i.references, i.sample_field(options.dataset_field)))} for i in inputs]
