"""Shared body of the ``evaluate`` wrappers: run an omnieval scorer on lists."""

from __future__ import annotations

from typing import Any, Sequence

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer


def compute_with_scorer(name: str, predictions: Sequence[str], references: Sequence[Any], **options: Any) -> dict[str, float]:
    scorer = get_scorer(name)
    parsed = scorer.parse_options({k: v for k, v in options.items() if v is not None})
    inputs = [
        ScoreInput(id=str(i), prediction=p, references=[r] if isinstance(r, str) else list(r))
        for i, (p, r) in enumerate(zip(predictions, references))
    ]
    return scorer.aggregate(stats_table(scorer.score(inputs, parsed)), parsed)
