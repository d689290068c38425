"""The scorer contract: how one metric turns predictions into numbers.

A scorer is declared once, in one place: its public name, its options (a
pydantic model, written into results), a per-sample function that produces
*sufficient statistics*, and an aggregation that turns a table of those
statistics into metric values. Confidence intervals come for free: the
bootstrap resamples rows of the statistics table and calls ``aggregate``
again, so a corpus metric (WER, BLEU) is recomputed from resampled documents
rather than averaged per document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class ScoreInput(BaseModel):
    """What a scorer sees of one sample: never the model, never the dataset."""

    model_config = ConfigDict(frozen=True)

    id: str
    prediction: str
    references: list[str]
    choices: list[str] | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Stats = dict[str, float]
"""Per-sample sufficient statistics, e.g. ``{"score": 1.0}`` or ``{"edits": 3, "words": 9}``."""

StatsTable = Mapping[str, np.ndarray]
"""Column-wise statistics: one float array per statistic, one row per sample."""


@dataclass(frozen=True)
class Scorer:
    """A registered metric.

    ``score(inputs, options)`` returns one ``Stats`` dict per input, in order.
    It receives the whole list so corpus-level preprocessing (a tokenizer run
    once per corpus, document frequencies for CIDEr) happens once.
    ``aggregate(table, options)`` returns ``{metric_name: value}``; it must be
    a pure function of the table so bootstrap resampling is valid.
    ``corpus_level`` is true when a sample's statistics depend on the other
    samples (CIDEr's IDF): the runner then scores the task once, at the end,
    instead of batch by batch.
    ``primary`` names the metric that represents the scorer in tables.
    """

    name: str
    score: Callable[[Sequence[ScoreInput], BaseModel], list[Stats]]
    aggregate: Callable[[StatsTable, BaseModel], dict[str, float]]
    options: type[BaseModel] = NoOptions
    primary: str = ""
    corpus_level: bool = False
    description: str = ""
    metrics: tuple[str, ...] = field(default_factory=tuple)

    def parse_options(self, raw: Mapping[str, Any] | None) -> BaseModel:
        return self.options.model_validate(dict(raw or {}))


_REGISTRY: dict[str, Scorer] = {}


def register_scorer(scorer: Scorer) -> Scorer:
    if scorer.name in _REGISTRY:
        raise ValueError(f"scorer {scorer.name!r} is registered twice")
    _REGISTRY[scorer.name] = scorer
    return scorer


def stats_table(rows: Sequence[Stats]) -> dict[str, np.ndarray]:
    """Turn per-sample stats dicts into float64 columns (missing keys are NaN)."""
    keys: list[str] = []
    for row in rows:
        for k in row:
            if k not in keys:
                keys.append(k)
    return {k: np.array([row.get(k, np.nan) for row in rows], dtype=np.float64) for k in keys}


def safe_divide(numerator: Any, denominator: Any) -> np.ndarray:
    """Elementwise ``numerator / denominator`` with NaN where the denominator is 0."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, np.nan, num / np.where(den == 0, 1.0, den))


class TotalsAggregate:
    """An aggregation that sees the table only through column totals and the row count.

    ``from_totals(totals, n, options)`` gets ``{column: total}`` for the declared
    ``columns`` and the number of rows ``n``, as NumPy arrays of any (common)
    shape, and returns ``{metric: array}``. Calling the object on a table gives
    the usual ``{metric: float}``. Because every metric is a function of sums,
    the bootstrap (``evals.scoring.stats``) can compute all resamples at once with one
    matrix product instead of calling ``aggregate`` per resample. Mean metrics,
    corpus WER and corpus BLEU are all of this form.
    """

    def __init__(
        self,
        columns: Sequence[str],
        from_totals: Callable[[dict[str, np.ndarray], np.ndarray, BaseModel], dict[str, np.ndarray]],
    ) -> None:
        self.columns = tuple(columns)
        self.from_totals = from_totals

    def totals(self, table: StatsTable) -> tuple[dict[str, np.ndarray], np.ndarray]:
        n = len(next(iter(table.values()))) if table else 0
        totals = {
            c: np.asarray(np.sum(table[c]) if c in table else np.nan, dtype=np.float64) for c in self.columns
        }
        return totals, np.asarray(float(n))

    def __call__(self, table: StatsTable, options: BaseModel) -> dict[str, float]:
        totals, n = self.totals(table)
        return {k: float(v) for k, v in self.from_totals(totals, n, options).items()}


def mean_aggregate(column: str = "score", metric: str | None = None) -> TotalsAggregate:
    """Aggregation for metrics that are a plain mean of a per-sample column (NaN when empty)."""

    name = metric or column

    def from_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
        return {name: safe_divide(totals[column], n)}

    return TotalsAggregate((column,), from_totals)


def means_aggregate(columns: Mapping[str, str]) -> TotalsAggregate:
    """Several mean metrics at once: ``{metric_name: column}``."""

    def from_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
        return {metric: safe_divide(totals[column], n) for metric, column in columns.items()}

    return TotalsAggregate(tuple(dict.fromkeys(columns.values())), from_totals)
