"""The one statistics engine: bootstrap intervals, paired comparisons and subgroup breakdowns.

Results (``TaskScoring``), ``omnieval score`` and the leaderboard all draw
their resamples here, so the same statistics give the same interval
everywhere.

A resample draws *units* with replacement and re-runs the scorer's
aggregation on the rows they hold, so corpus metrics (WER, BLEU) are
recomputed from resampled documents, never averaged per document. A unit is
one row (the ordinary bootstrap) or, when samples carry cluster ids and some
cluster holds more than one row, one cluster: all rows of a drawn cluster
come together (the cluster bootstrap), because questions about one image are
not independent and resampling them one by one makes intervals too narrow.

- When ``scorer.aggregate`` is a ``TotalsAggregate`` (mean metrics, WER,
  corpus BLEU...), all resamples are computed at once: a resample is a vector
  of unit counts, and the column totals of every resample are one matrix
  product ``counts @ unit_totals`` (the row count too: ``counts @ unit_sizes``).
- Otherwise ``aggregate`` is called once per resample.

Resampling is seeded (``numpy.random.default_rng(seed)``, one
``integers(0, n_units, (chunk, n_units))`` draw per chunk) and reproducible;
several tables over the same rows (one per model) share the draws. Intervals
are percentile bootstrap intervals; NaN resamples (e.g. a resample with no
reference words) are ignored when taking percentiles.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Hashable

import numpy as np
from pydantic import BaseModel

from evals.scoring.contract import Scorer, StatsTable, TotalsAggregate
from evals.results import MetricValue

__all__ = [
    "aggregate_with_ci",
    "bootstrap_ci",
    "bootstrap_distribution",
    "bootstrap_distributions",
    "ci_method",
    "cluster_codes",
    "joint_bootstrap",
    "largest_subgroup_gap",
    "metric_values",
    "paired_comparison",
    "paired_p_value",
    "percentile_interval",
    "resample_indices",
    "subgroup_breakdown",
]

Clusters = Sequence[Hashable | None] | None
"""One cluster id per row (None: the row is a cluster of its own), or None for no clusters."""

_CHUNK_CELLS = 4_000_000  # resamples x units per chunk (bounds memory)


def _n_rows(table: StatsTable) -> int:
    lengths = {len(v) for v in table.values()}
    if len(lengths) > 1:
        raise ValueError(f"statistics table has columns of different lengths: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def cluster_codes(clusters: Clusters, n: int) -> tuple[np.ndarray, int] | None:
    """``(cluster number of each row, number of clusters)`` when the cluster bootstrap applies, else None.

    Clusters are numbered in order of first appearance. The cluster bootstrap
    applies only when some cluster holds more than one row: with singletons it
    would be the row bootstrap, so the row bootstrap (and its numbers) is used.
    """
    if clusters is None:
        return None
    if len(clusters) != n:
        raise ValueError(f"clusters has {len(clusters)} entries for a table of {n} rows")
    numbers: dict[Any, int] = {}
    codes = np.empty(n, dtype=np.int64)
    for i, c in enumerate(clusters):
        key = ("row", i) if c is None else ("cluster", c)  # a row without a cluster is its own
        codes[i] = numbers.setdefault(key, len(numbers))
    if len(numbers) == n:
        return None
    return codes, len(numbers)


def ci_method(clusters: Clusters, n: int) -> tuple[str, int | None]:
    """How intervals over these rows are drawn: ``("cluster_bootstrap", n_clusters)`` or ``("bootstrap", None)``."""
    plan = cluster_codes(clusters, n)
    return ("cluster_bootstrap", plan[1]) if plan is not None else ("bootstrap", None)


def resample_indices(rng: np.random.Generator, n_units: int, n_resamples: int) -> Iterator[np.ndarray]:
    """Index matrices (chunk x n_units) of drawn units covering ``n_resamples`` resamples, in order."""
    chunk = max(1, min(n_resamples, _CHUNK_CELLS // max(n_units, 1)))
    done = 0
    while done < n_resamples:
        size = min(chunk, n_resamples - done)
        yield rng.integers(0, n_units, size=(size, n_units))
        done += size


def _counts(idx: np.ndarray, n_units: int) -> np.ndarray:
    """Unit-count matrix (resamples x n_units) of an index matrix."""
    b = idx.shape[0]
    flat = (idx + (np.arange(b)[:, None] * n_units)).ravel()
    return np.bincount(flat, minlength=b * n_units).reshape(b, n_units).astype(np.float64)


def bootstrap_distributions(
    scorer: Scorer,
    tables: Sequence[StatsTable],
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
    clusters: Clusters = None,
) -> list[dict[str, np.ndarray]]:
    """Per table, ``{metric: n_resamples values}``; all tables (same rows, e.g. one per model) share the draws.

    With ``clusters`` (one id per row) whole clusters are drawn when some
    cluster holds more than one row (see ``cluster_codes``).
    """
    if not tables:
        return []
    n = _n_rows(tables[0])
    if any(_n_rows(t) != n for t in tables):
        raise ValueError(f"tables resampled together need the same rows; got {sorted({_n_rows(t) for t in tables})} rows")
    if n == 0 or n_resamples <= 0:
        return [{} for _ in tables]
    plan = cluster_codes(clusters, n)
    n_units = plan[1] if plan is not None else n
    rng = np.random.default_rng(seed)
    columns = [{k: np.asarray(v, dtype=np.float64) for k, v in t.items()} for t in tables]
    aggregate = scorer.aggregate
    parts: list[dict[str, list[np.ndarray]]] = [{} for _ in tables]
    if isinstance(aggregate, TotalsAggregate):
        names = [[c for c in aggregate.columns if c in cols] for cols in columns]
        units = []  # per table: (units x columns) totals; rows themselves for the row bootstrap
        for cols, present in zip(columns, names):
            matrix = np.stack([cols[c] for c in present], axis=1) if present else np.zeros((n, 0))
            if plan is not None:
                totals = np.zeros((n_units, matrix.shape[1]))
                np.add.at(totals, plan[0], matrix)
                matrix = totals
            units.append(matrix)
        sizes = np.bincount(plan[0], minlength=n_units).astype(np.float64) if plan is not None else None
        for idx in resample_indices(rng, n_units, n_resamples):
            counts = _counts(idx, n_units)
            size = idx.shape[0]
            rows = counts @ sizes if sizes is not None else np.full(size, float(n))
            for t, (matrix, present) in enumerate(zip(units, names)):
                sums = counts @ matrix
                totals = {c: sums[:, j] for j, c in enumerate(present)}
                for c in aggregate.columns:
                    totals.setdefault(c, np.full(size, np.nan))
                for k, v in aggregate.from_totals(totals, rows, options).items():
                    parts[t].setdefault(k, []).append(np.broadcast_to(np.asarray(v, dtype=np.float64), (size,)))
    else:
        members = None
        if plan is not None:
            order = np.argsort(plan[0], kind="stable")
            members = np.split(order, np.cumsum(np.bincount(plan[0], minlength=n_units))[:-1])
        for idx in resample_indices(rng, n_units, n_resamples):
            for draw in idx:
                rows = draw if members is None else np.concatenate([members[u] for u in draw])
                for t, cols in enumerate(columns):
                    for k, v in aggregate({c: x[rows] for c, x in cols.items()}, options).items():
                        parts[t].setdefault(k, []).append(np.asarray([v], dtype=np.float64))
    return [{k: np.concatenate(v) for k, v in p.items()} for p in parts]


def bootstrap_distribution(
    scorer: Scorer,
    table: StatsTable,
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
    clusters: Clusters = None,
) -> dict[str, np.ndarray]:
    """``{metric: array of n_resamples values}``, one per bootstrap resample of the rows (or clusters)."""
    return bootstrap_distributions(scorer, [table], options, n_resamples, seed, clusters)[0]


def joint_bootstrap(
    scorer: Scorer,
    tables: Sequence[StatsTable],
    options: BaseModel,
    metric: str,
    n_resamples: int,
    seed: int,
    clusters: Clusters = None,
) -> np.ndarray:
    """``(tables, n_resamples)`` values of ``metric``, every table resampled with the same draws (NaN where none)."""
    out = np.full((len(tables), max(n_resamples, 0)), np.nan)
    for i, dist in enumerate(bootstrap_distributions(scorer, tables, options, n_resamples, seed, clusters)):
        if metric in dist:
            out[i] = dist[metric]
    return out


def percentile_interval(values: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    """The ``alpha/2`` and ``1 - alpha/2`` quantiles of the finite values (NaN, NaN when there are none)."""
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
    clusters: Clusters = None,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap interval ``{metric: (low, high)}`` at level ``1 - alpha``."""
    dist = bootstrap_distribution(scorer, table, options, n_resamples, seed, clusters)
    return {k: percentile_interval(v, alpha) for k, v in dist.items()}


def aggregate_with_ci(
    scorer: Scorer,
    table: StatsTable,
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    clusters: Clusters = None,
) -> dict[str, dict[str, float]]:
    """``{metric: {"value", "ci_low", "ci_high", "n"}}``: point estimate plus bootstrap interval."""
    n = _n_rows(table)
    values = scorer.aggregate(table, options)
    cis = bootstrap_ci(scorer, table, options, n_resamples, seed, alpha, clusters) if n_resamples > 0 and n > 0 else {}
    return {
        k: {"value": float(v), "ci_low": cis.get(k, (np.nan, np.nan))[0], "ci_high": cis.get(k, (np.nan, np.nan))[1],
            "n": n}  # fmt: skip
        for k, v in values.items()
    }


def _finite(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def metric_values(
    scorer: Scorer,
    table: StatsTable,
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    clusters: Clusters = None,
) -> dict[str, MetricValue]:
    """``aggregate_with_ci`` as results record it: ``MetricValue``s with the interval's method and cluster count."""
    n = _n_rows(table)
    method, n_clusters = ci_method(clusters, n) if n_resamples > 0 and n > 0 else (None, None)
    return {
        k: MetricValue(value=m["value"], ci_low=_finite(m["ci_low"]), ci_high=_finite(m["ci_high"]), n=int(m["n"]),
                       ci_method=method, n_clusters=n_clusters)  # fmt: skip
        for k, m in aggregate_with_ci(scorer, table, options, n_resamples, seed, alpha, clusters).items()
    }


def equal_tailed_test(diffs: np.ndarray, alpha: float = 0.05) -> tuple[float, float, float]:
    """``(ci_low, ci_high, p_value)`` of a difference from its bootstrap draws, made to agree: the interval is the
    draws' equal-tailed order statistics (the ``k``-th from each end, ``k = ceil(n * alpha / 2)``), and the p-value
    the two-sided tail share ``2 * min(#{d* <= 0}, #{d* >= 0}) / n``, so the interval excludes 0 exactly when
    ``p < alpha``. NaN, NaN, NaN without finite draws."""
    finite = np.sort(diffs[~np.isnan(diffs)])
    n = finite.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    k = max(1, math.ceil(n * alpha / 2 - 1e-9))
    low, high = float(finite[k - 1]), float(finite[n - k])
    p = min(1.0, 2 * min(int(np.sum(finite <= 0)), int(np.sum(finite >= 0))) / n)
    return low, high, p


def paired_p_value(diff: float, diffs: np.ndarray) -> float:
    """Two-sided bootstrap p-value of ``diff == 0`` from the resampled differences ``diffs``.

    The bootstrap distribution is shifted to the null:
    ``p = (1 + #{|d* - d| >= |d|}) / (1 + #finite resamples)``; 1 when ``diff`` is 0.
    """
    diffs = diffs[~np.isnan(diffs)]
    if diffs.size == 0 or math.isnan(diff):
        return float("nan")
    if diff == 0:
        return 1.0
    return float((1 + int(np.sum(np.abs(diffs - diff) >= abs(diff)))) / (1 + diffs.size))


def paired_comparison(
    scorer: Scorer,
    table_a: StatsTable,
    table_b: StatsTable,
    options: BaseModel,
    metric: str,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    clusters: Clusters = None,
) -> dict[str, float]:
    """Paired bootstrap of ``metric(A) - metric(B)`` over shared samples.

    Row *i* of both tables must be the same sample (the caller aligns them).
    Both systems are resampled with the same draws (rows, or clusters). See
    ``paired_p_value`` for the test. Returns ``diff``, ``ci_low``,
    ``ci_high``, ``p_value``, ``n``.
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
    dist = joint_bootstrap(scorer, [table_a, table_b], options, metric, n_resamples, seed, clusters)
    diffs = dist[0] - dist[1]
    low, high = percentile_interval(diffs, alpha)
    return {"diff": diff, "ci_low": low, "ci_high": high, "p_value": paired_p_value(diff, diffs), "n": n}


def _take(table: StatsTable, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.asarray(v)[rows] for k, v in table.items()}


def subgroup_breakdown(
    scorer: Scorer,
    table: StatsTable,
    groups: Sequence[Hashable],
    options: BaseModel,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    clusters: Clusters = None,
) -> dict[Hashable, dict[str, dict[str, float]]]:
    """``{group_value: {metric: {value, ci_low, ci_high, n}}}``, one bootstrap per subgroup.

    ``groups[i]`` is the subgroup of row *i*; groups are listed in sorted order
    of their string form. ``clusters`` (one per row) apply within each group.
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
        sub_clusters = [clusters[i] for i in rows] if clusters is not None else None
        out[originals[label]] = aggregate_with_ci(scorer, _take(table, rows), options, n_resamples, seed, alpha, sub_clusters)
    return out


SMALL_GROUP = 30
"""Groups with fewer samples are flagged: their intervals are wide and a gap that rests on them is fragile."""


def group_gap(
    scorer: Scorer,
    table: StatsTable,
    groups: Sequence[Hashable],
    options: BaseModel,
    metric: str,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    clusters: Clusters = None,
) -> dict[str, Any] | None:
    """The largest gap in ``metric`` between groups (fairness: is some group served worse?), with its uncertainty.

    The gap is that between the two named groups, the worst and the best by the metric's direction. Each group is
    bootstrapped on its own rows (or clusters), a stratified bootstrap (groups are disjoint samples); the interval and
    the test are both read from the same draws of ``best - worst`` (``equal_tailed_test``), so the interval excludes
    0 exactly when ``p < alpha`` (``significant``). Picking the two extremes among several groups is not corrected
    for: read it as a screen. Returns ``worst``, ``best``, ``gap`` (``|best - worst|``), ``ci_low``, ``ci_high``
    (of ``best - worst`` in the direction that makes the gap positive), ``p_value``, ``significant``, ``sizes`` and
    ``small_groups`` (under ``SMALL_GROUP`` samples); None with fewer than two groups.
    """
    labels = np.asarray([str(g) for g in groups], dtype=object)
    names = sorted(set(labels))
    if len(names) < 2:
        return None
    values, draws, sizes = {}, {}, {}
    for k, name in enumerate(names):
        rows = np.flatnonzero(labels == name)
        sub = _take(table, rows)
        values[name] = float(scorer.aggregate(sub, options)[metric])
        sizes[name] = int(len(rows))
        sub_clusters = [clusters[i] for i in rows] if clusters is not None else None
        draws[name] = bootstrap_distribution(scorer, sub, options, n_resamples, seed + k, sub_clusters).get(metric, np.array([]))
    finite = {n: v for n, v in values.items() if not math.isnan(v)}
    if len(finite) < 2:
        return None
    higher = scorer.direction_of(metric) == "higher"
    worst = min(finite, key=finite.get) if higher else max(finite, key=finite.get)
    best = max(finite, key=finite.get) if higher else min(finite, key=finite.get)
    gap = abs(finite[best] - finite[worst])
    out: dict[str, Any] = {"metric": metric, "worst": worst, "best": best, "gap": gap, "ci_low": None, "ci_high": None, "p_value": None,
                           "significant": None, "sizes": sizes, "small_groups": [n for n in names if sizes[n] < SMALL_GROUP]}
    if len(draws[best]) and len(draws[worst]):
        sign = 1.0 if higher else -1.0  # so that the gap and its draws are positive when best is better
        low, high, p = equal_tailed_test(sign * (draws[best] - draws[worst]), alpha)
        if gap == 0:
            p = 1.0  # groups that scored the same show no difference, whatever the draws' spread
        if not math.isnan(p):
            out.update(ci_low=_finite(low), ci_high=_finite(high), p_value=p, significant=p < alpha)
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


def krippendorff_alpha(ratings: np.ndarray, metric: str = "interval") -> float | None:
    """Krippendorff's alpha for complete data: ``ratings`` is units x raters (no missing values).

    ``metric``: ``interval`` (squared difference; judge scores on a scale) or ``nominal``
    (0 when equal, else 1; labels). alpha = 1 - D_o / D_e, where D_o averages the
    disagreement between the ratings of each unit and D_e that between all pairable
    ratings (Krippendorff 2011). None with fewer than two units or raters, or when every
    rating is the same (no expected disagreement to compare with).
    """
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        return None
    n_units, m = x.shape

    def delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a - b) ** 2 if metric == "interval" else (a != b).astype(np.float64)

    if metric not in ("interval", "nominal"):
        raise ValueError(f"metric {metric!r} is not 'interval' or 'nominal'")
    total = n_units * m
    within = delta(x[:, :, None], x[:, None, :]).sum() / (m - 1)  # ordered pairs inside each unit
    observed = within / total
    values = x.ravel()
    expected = delta(values[:, None], values[None, :]).sum() / (total * (total - 1))
    if expected == 0:
        return None
    return float(1.0 - observed / expected)
