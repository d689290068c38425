"""Confidence intervals, paired comparisons and subgroup breakdowns for scorers.

Everything here resamples *rows* of a scorer's statistics table (one row per
sample) and re-runs the scorer's aggregation, so corpus metrics (WER, BLEU)
are recomputed from resampled documents, never averaged per document.

- When ``scorer.aggregate`` is a ``TotalsAggregate`` (mean metrics, WER,
  corpus BLEU...), all resamples are computed at once: a resample is a vector
  of row counts, and the column totals of every resample are one matrix
  product ``counts @ columns``.
- Otherwise ``aggregate`` is called once per resample.

Resampling is seeded (``numpy.random.default_rng(seed)``) and reproducible.
Intervals are percentile bootstrap intervals; NaN resamples (e.g. a resample
with no reference words) are ignored when taking percentiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Hashable

import numpy as np
from pydantic import BaseModel

from evals.scoring.contract import Scorer, StatsTable, TotalsAggregate

__all__ = [
    "aggregate_with_ci",
    "bootstrap_ci",
    "bootstrap_distribution",
    "largest_subgroup_gap",
    "paired_comparison",
    "subgroup_breakdown",
]

_CHUNK_CELLS = 4_000_000  # resample rows x table rows per chunk (bounds memory)


def _n_rows(table: StatsTable) -> int:
    lengths = {len(v) for v in table.values()}
    if len(lengths) > 1:
        raise ValueError(f"statistics table has columns of different lengths: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _resample_indices(rng: np.random.Generator, n: int, n_resamples: int) -> Any:
    """Yield index matrices (chunk x n) covering ``n_resamples`` resamples, in order."""
    chunk = max(1, min(n_resamples, _CHUNK_CELLS // max(n, 1)))
    done = 0
    while done < n_resamples:
        size = min(chunk, n_resamples - done)
        yield rng.integers(0, n, size=(size, n))
        done += size


def _counts(idx: np.ndarray, n: int) -> np.ndarray:
    """Row-count matrix (resamples x n) of an index matrix."""
    b = idx.shape[0]
    flat = (idx + (np.arange(b)[:, None] * n)).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


def bootstrap_distribution(
    scorer: Scorer,
    table: StatsTable,
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """``{metric: array of n_resamples values}``, one per bootstrap resample of the rows."""
    n = _n_rows(table)
    if n == 0:
        return {}
    rng = np.random.default_rng(seed)
    columns = {k: np.asarray(v, dtype=np.float64) for k, v in table.items()}
    aggregate = scorer.aggregate
    parts: dict[str, list[np.ndarray]] = {}
    if isinstance(aggregate, TotalsAggregate):
        names = [c for c in aggregate.columns if c in columns]
        matrix = np.stack([columns[c] for c in names], axis=1) if names else np.zeros((n, 0))
        for idx in _resample_indices(rng, n, n_resamples):
            sums = _counts(idx, n) @ matrix
            totals = {c: sums[:, j] for j, c in enumerate(names)}
            for c in aggregate.columns:
                totals.setdefault(c, np.full(idx.shape[0], np.nan))
            out = aggregate.from_totals(totals, np.full(idx.shape[0], float(n)), options)
            for k, v in out.items():
                parts.setdefault(k, []).append(np.broadcast_to(np.asarray(v, dtype=np.float64), (idx.shape[0],)))
    else:
        for idx in _resample_indices(rng, n, n_resamples):
            for row in idx:
                out = aggregate({k: v[row] for k, v in columns.items()}, options)
                for k, v in out.items():
                    parts.setdefault(k, []).append(np.asarray([v], dtype=np.float64))
    return {k: np.concatenate(v) for k, v in parts.items()}


def _percentiles(values: np.ndarray, alpha: float) -> tuple[float, float]:
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def bootstrap_ci(
    scorer: Scorer,
    table: StatsTable,
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap interval ``{metric: (low, high)}`` at level ``1 - alpha``."""
    dist = bootstrap_distribution(scorer, table, options, n_resamples, seed)
    return {k: _percentiles(v, alpha) for k, v in dist.items()}


def aggregate_with_ci(
    scorer: Scorer,
    table: StatsTable,
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[str, dict[str, float]]:
    """``{metric: {"value", "ci_low", "ci_high", "n"}}``: point estimate plus bootstrap interval."""
    n = _n_rows(table)
    values = scorer.aggregate(table, options)
    cis = bootstrap_ci(scorer, table, options, n_resamples, seed, alpha) if n_resamples > 0 and n > 0 else {}
    return {
        k: {"value": float(v), "ci_low": cis.get(k, (np.nan, np.nan))[0], "ci_high": cis.get(k, (np.nan, np.nan))[1],
            "n": n}  # fmt: skip
        for k, v in values.items()
    }


def _take(table: StatsTable, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.asarray(v)[rows] for k, v in table.items()}


def paired_comparison(
    scorer: Scorer,
    table_a: StatsTable,
    table_b: StatsTable,
    options: BaseModel,
    metric: str,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[str, float]:
    """Paired bootstrap of ``metric(A) - metric(B)`` over shared samples.

    Row *i* of both tables must be the same sample (the caller aligns them).
    Both systems are resampled with the same rows. The two-sided p-value
    tests ``diff == 0`` with the bootstrap distribution shifted to the null:
    ``p = (1 + #{|d* - d| >= |d|}) / (1 + n_resamples)``.
    Returns ``diff``, ``ci_low``, ``ci_high``, ``p_value``, ``n``.
    """
    n = _n_rows(table_a)
    if _n_rows(table_b) != n:
        raise ValueError(f"paired_comparison needs aligned tables; got {n} and {_n_rows(table_b)} rows")
    if n == 0:
        raise ValueError("paired_comparison needs at least one shared sample")
    value_a = scorer.aggregate(table_a, options)
    value_b = scorer.aggregate(table_b, options)
    if metric not in value_a:
        raise KeyError(f"metric {metric!r} is not produced by scorer {scorer.name!r}; it gives {sorted(value_a)}")
    diff = float(value_a[metric] - value_b[metric])
    # Same seed for both tables -> identical resampled rows.
    dist_a = bootstrap_distribution(scorer, table_a, options, n_resamples, seed)[metric]
    dist_b = bootstrap_distribution(scorer, table_b, options, n_resamples, seed)[metric]
    diffs = dist_a - dist_b
    diffs = diffs[~np.isnan(diffs)]
    low, high = _percentiles(diffs, alpha)
    if diffs.size == 0 or np.isnan(diff):
        p_value = float("nan")
    elif diff == 0:
        p_value = 1.0
    else:
        extreme = int(np.sum(np.abs(diffs - diff) >= abs(diff)))
        p_value = (1 + extreme) / (1 + diffs.size)
    return {"diff": diff, "ci_low": low, "ci_high": high, "p_value": float(p_value), "n": n}


def subgroup_breakdown(
    scorer: Scorer,
    table: StatsTable,
    groups: Sequence[Hashable],
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[Hashable, dict[str, dict[str, float]]]:
    """``{group_value: {metric: {value, ci_low, ci_high, n}}}``, one bootstrap per subgroup.

    ``groups[i]`` is the subgroup of row *i*; groups are listed in sorted order
    of their string form.
    """
    n = _n_rows(table)
    if len(groups) != n:
        raise ValueError(f"groups has {len(groups)} entries for a table of {n} rows")
    labels = np.asarray([str(g) for g in groups], dtype=object)
    originals: dict[str, Hashable] = {}
    for g in groups:
        originals.setdefault(str(g), g)
    out: dict[Hashable, dict[str, dict[str, float]]] = {}
    for label in sorted(originals):
        rows = np.flatnonzero(labels == label)
        out[originals[label]] = aggregate_with_ci(scorer, _take(table, rows), options, n_resamples, seed, alpha)
    return out


def largest_subgroup_gap(breakdown: Mapping[Hashable, Mapping[str, Mapping[str, float]]], metric: str) -> dict[str, Any]:
    """The pair of subgroups furthest apart on ``metric``: ``{metric, high_group, high, low_group, low, gap}``."""
    values = {g: m[metric]["value"] for g, m in breakdown.items() if metric in m and not np.isnan(m[metric]["value"])}
    if len(values) < 2:
        return {"metric": metric, "high_group": None, "high": float("nan"), "low_group": None,
                "low": float("nan"), "gap": float("nan")}  # fmt: skip
    high_group = max(values, key=lambda g: values[g])
    low_group = min(values, key=lambda g: values[g])
    return {"metric": metric, "high_group": high_group, "high": values[high_group], "low_group": low_group,
            "low": values[low_group], "gap": values[high_group] - values[low_group]}  # fmt: skip
