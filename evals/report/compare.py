"""Which results may be ranked together, and the statistics of ranking them.

Comparability: two cells of one task are comparable only when the task hash,
the dataset revision and the scorer options agree. ``pick_results`` keeps one
result per model and key (the most complete run, then the newest; a rescored
result replaces its original); ``select_columns`` groups results into
*columns* (a task at one such key) and refuses mixed tasks unless told to
show the odd ones separately.

Statistics, per column, on the samples every model in it scored, all drawn
by the one engine of results too (``evals.scoring.stats``):

- a joint bootstrap (``evals.scoring.stats.joint_bootstrap``): the same resampled
  samples for every model, the scorer's own aggregation recomputed per
  resample, so corpus metrics (WER) are resampled by document; when the
  sample records carry cluster ids that group samples (shared media), whole
  clusters are resampled;
- rank intervals: the 2.5-97.5% range of each model's rank over resamples;
- top model vs each other model: the paired bootstrap test
  (``evals.scoring.stats.paired_p_value``) on the joint resamples, only on
  at least ``min_shared`` shared samples (or clusters);
- the overall rank: mean rank over the block of columns that a set of models
  all have (``overall_block``), with its interval over the same resamples;
  models outside the block get per-task ranks only.

A metric's direction (is lower better?) is the scorer registry's
(``evals.scoring.registry.metric_direction``); only a metric no registered
scorer declares (an old results file) falls back to guessing from its name.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Callable, Any

import numpy as np

from evals.report.index import LeaderboardError
from evals.results import samples_path
from evals.scoring.stats import joint_bootstrap, paired_p_value

__all__ = ["Column", "ColumnStats", "DEFAULT_MIN_SHARED", "RankedColumn", "column_stats", "competition_ranks", "joint_bootstrap",
           "lower_is_better", "overall_block", "overall_ranks", "paired_p_value", "pick_results", "primary_scorer_name",
           "read_sample_stats", "select_columns"]

_LOWER_IS_BETTER = {"wer", "cer"}
_LOWER_PREFIXES = ("substitution", "deletion", "insertion")


def lower_is_better(metric: str, scorer: str | None = None) -> bool:
    """Whether lower values of ``metric`` (produced by ``scorer``, when known) are better.

    The scorer registry decides; for a metric it does not know (a results
    file from a scorer that no longer exists) error-like names go down:
    wer, cer, *error*, edit-type rates.
    """
    from evals.scoring.registry import metric_direction

    direction = metric_direction(metric, scorer)
    if direction is not None:
        return direction == "lower"
    base = metric.rsplit(".", 1)[-1].lower()
    return base in _LOWER_IS_BETTER or "error" in base or base.startswith(_LOWER_PREFIXES)


@dataclass
class Column:
    """One leaderboard column: a task at one comparability key (task hash, revision, scorer options)."""

    key: str
    task: str
    variant: bool
    task_hash: str
    spec_hash: str
    revision: str | None
    scorers: str
    primary_metric: str
    modality: str
    kind: str
    rows: Any  # pandas.DataFrame: one row per model

    @property
    def lower_is_better(self) -> bool:
        return lower_is_better(self.primary_metric, primary_scorer_name(self.scorers, self.primary_metric))


def _fmt_scorers(scorers: str) -> str:
    return ", ".join(f"{k} {json.dumps(v, sort_keys=True)}" for k, v in json.loads(scorers).items())


def _describe_conflict(task: str, groups: list[Any]) -> str:
    lines = [f"task {task!r}: results are not comparable, so they cannot be ranked together:"]
    for g in groups:
        first = g.iloc[0]
        lines.append(
            f"  - task_hash {first.task_hash} (spec {first.spec_hash}, dataset revision {first.revision or 'unpinned'}, "
            f"data fingerprint {first.fingerprint}, scorers {_fmt_scorers(first.scorers)}"
            + (f", judge {first.judge}" if getattr(first, "judge", "") else "") + "): models "
            + ", ".join(sorted(g.model.unique()))
        )
    firsts = [g.iloc[0] for g in groups]
    diffs = []
    for attr, what in (("spec_hash", "task definition (spec hash)"), ("revision", "dataset revision"),
                       ("fingerprint", "dataset files (fingerprint)"), ("scorers", "metric options"), ("judge", "judge (model, prompt)")):
        values = {str(getattr(f, attr, "") or "none") for f in firsts}
        if len(values) > 1:
            diffs.append(f"{what}: " + " vs ".join(sorted(values)))
    if diffs:
        lines.append("  differs in: " + "; ".join(diffs))
    return "\n".join(lines)


def _coverage_text(r: Any) -> str:
    return f"{int(r.n_samples)} samples" + (f" ({r.selection})" if r.partial else "") + (
        f", {int(r.n_errors)} failed" if r.n_errors else "")


def _supersede_reason(loser: Any, winner: Any) -> str:
    if getattr(winner, "rescored_from", None) == loser.run_id:
        return f"rescored as run {winner.run_id}"
    def completeness(r: Any) -> tuple[bool, int, int]:
        return bool(r.partial), int(r.n_samples), int(r.n_scored)

    if completeness(loser) != completeness(winner):
        return f"less complete ({_coverage_text(loser)}) than run {winner.run_id} ({_coverage_text(winner)})"
    return f"older than run {winner.run_id}, which is as complete"


def pick_results(frame: Any) -> tuple[Any, list[dict[str, Any]]]:
    """One result per (model, task, comparability key): the most complete, then the newest; and what was set aside.

    Most complete: a run of the whole split before a partial one (``--limit``),
    then more samples, then more samples answered (fewer failed requests).
    Among equally complete results the newest wins. A result rescored from a
    run (``omnieval rescore``) replaces that run's result of the task, whatever
    its task hash: it is the same predictions scored again.
    """
    frame = frame.assign(
        revision_key=frame.revision.map(lambda r: r if isinstance(r, str) else ""),  # None would become NaN, which never groups
        _complete=(~frame.partial.astype(bool)).astype(int),
    )
    superseded: list[dict[str, Any]] = []
    replaced = {(r.model_hash, r.task, r.rescored_from): r for r in frame.itertuples() if isinstance(r.rescored_from, str)}
    if replaced:
        gone = [(r.model_hash, r.task, r.run_id) in replaced for r in frame.itertuples()]
        for r, out in zip(frame.itertuples(), gone):
            if out:
                w = replaced[(r.model_hash, r.task, r.run_id)]
                superseded.append({"model": r.model, "task": r.task, "run_id": r.run_id, "run_dir": r.run_dir,
                                   "by": w.run_id, "reason": _supersede_reason(r, w)})
        frame = frame[[not g for g in gone]]
    frame = frame.sort_values(["_complete", "n_samples", "n_scored", "started", "run_id"], ascending=False, kind="stable")
    key_cols = ["model_hash", "task", "task_hash", "revision_key", "scorers"]
    dup = frame.duplicated(key_cols, keep="first")
    winners = {tuple(getattr(r, k) for k in key_cols): r for r in frame[~dup].itertuples()}
    for r in frame[dup].itertuples():
        w = winners[tuple(getattr(r, k) for k in key_cols)]
        superseded.append({"model": r.model, "task": r.task, "run_id": r.run_id, "run_dir": r.run_dir, "by": w.run_id,
                           "reason": _supersede_reason(r, w)})
    return frame[~dup], superseded


def select_columns(frame: Any, allow_mixed: bool = False) -> tuple[list[Column], list[dict[str, Any]]]:
    """Group a results frame into rankable columns; also return the results set aside (``pick_results``).

    A model with several runs of one task at the same key keeps the most
    complete, then the newest (``pick_results``). When a task has more than
    one key: raise ``LeaderboardError`` naming what differs, or with
    ``allow_mixed`` keep the key most models share as the task's column and
    put each other key in a separate variant column.
    """
    if frame.empty:
        raise LeaderboardError("no task results in the given runs")
    frame, superseded = pick_results(frame)
    frame = frame.sort_values(["started", "run_id"], ascending=False, kind="stable")
    columns: list[Column] = []
    conflicts: list[str] = []
    for task in sorted(frame.task.unique()):
        sub = frame[frame.task == task]
        groups = [g for _, g in sub.groupby(["task_hash", "revision_key", "scorers"], sort=False, dropna=False)]
        # The key most models share is the task's column; ties go to the newest run.
        groups.sort(key=lambda g: (-g.model_hash.nunique(), -_rank_of_newest(g, sub)))
        if len(groups) > 1 and not allow_mixed:
            conflicts.append(_describe_conflict(task, groups))
            continue
        for i, g in enumerate(groups):
            first = g.iloc[0]
            columns.append(Column(
                key=task if i == 0 else f"{task}@{first.task_hash[:8]}", task=task, variant=i > 0,
                task_hash=first.task_hash, spec_hash=first.spec_hash, revision=first.revision, scorers=first.scorers,
                primary_metric=first.primary_metric, modality=first.modality, kind=first.kind,
                rows=g.reset_index(drop=True),
            ))
    if conflicts:
        raise LeaderboardError(
            "\n".join(conflicts)
            + "\nRe-run the odd models on the same task version and data, or pass --allow-mixed to show them in separate columns."
        )
    return columns, superseded


def _rank_of_newest(group: Any, task_frame: Any) -> float:
    newest = task_frame.started.max()
    return float((group.started == newest).any())


# --------------------------------------------------------------------------- statistics


def primary_scorer_name(scorers: str, metric: str) -> str:
    """The scorer (by name, in the task's ``scorers`` record) that produces ``metric``."""
    from evals.scoring.registry import get_scorer

    names = list(json.loads(scorers))
    if "." in metric and metric.split(".", 1)[0] in names:
        return metric.split(".", 1)[0]
    for name in names:
        try:
            s = get_scorer(name)
        except KeyError:
            continue
        if metric == (s.primary or s.name) or metric in s.metrics:
            return name
    return names[0]


class SampleStats(dict):
    """``{sample id: the scorer's per-sample stats}`` of one run's task, and ``clusters``: ``{sample id: cluster id}``."""

    def __init__(self) -> None:
        super().__init__()
        self.clusters: dict[str, str] = {}


def read_sample_stats(run_dir: str, task: str, scorer: str, keep: int,
                      combine: Callable[[list[dict[str, float]]], dict[str, float]] | None = None) -> tuple[SampleStats, list[dict[str, Any]]]:
    """``{sample id: the scorer's per-sample stats}`` for scored samples (with their clusters), and the first ``keep`` raw records.

    This is the hot path (every sample of every run): only the id, cluster, group, error and scores of a record are
    decoded (``evals.report.records.ScoreFields``). With ``combine`` (a transform's reducer), the variants of one
    question are combined into one row, as the run's results count them; a question any variant of which failed or
    was not scored is left out, as in the run's own metrics.
    """
    from evals.report.records import ScoreFields, read_records

    path = samples_path(run_dir, task)
    stats = SampleStats()
    if not path.is_file():
        return stats, []
    kept: list[dict[str, Any]] = []
    if keep:
        with open(path) as f:
            kept = [json.loads(line) for _, line in zip(range(keep), f)]
    records = read_records(path, ScoreFields)
    if combine is None:
        for rec in records:
            s = rec.scores.get(scorer) if rec.error is None else None
            if s is not None:
                stats[rec.id] = s
                if rec.cluster is not None:
                    stats.clusters[rec.id] = rec.cluster
        return stats, kept
    members: dict[str, list[dict[str, float] | None]] = {}
    clusters: dict[str, str] = {}
    for rec in records:
        key = rec.group or rec.id
        members.setdefault(key, []).append(rec.scores.get(scorer) if rec.error is None else None)
        if rec.cluster is not None:
            clusters.setdefault(key, rec.cluster)
    for key, rows in members.items():
        if rows and all(r is not None for r in rows):
            stats[key] = combine(rows) if len(rows) > 1 else rows[0]  # type: ignore[arg-type]
            if key in clusters:
                stats.clusters[key] = clusters[key]
    return stats, kept


def _table(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    from evals.scoring.contract import stats_table

    return stats_table(rows)


def competition_ranks(values: np.ndarray, lower: bool) -> np.ndarray:
    """Rank 1 = best; equal values share the better rank; NaN ranks last. Works along axis 0."""
    v = np.where(np.isnan(values), np.inf if lower else -np.inf, values)
    if lower:
        better = v[None, :, ...] < v[:, None, ...]
    else:
        better = v[None, :, ...] > v[:, None, ...]
    return 1 + better.sum(axis=1)


@dataclass
class ColumnStats:
    """Per model (in the column's row order): ranks, rank intervals and the test against the top model.

    ``tested``: whether the paired tests ran (``n_units`` shared samples, or
    clusters of them, reached ``min_shared``); when not, ``p_vs_top`` is None
    and nobody is marked as tied with the top model.
    """

    rank: list[int]
    rank_low: list[int | None]
    rank_high: list[int | None]
    p_vs_top: list[float | None]
    diff_vs_top: list[float | None]
    tied_with_top: list[bool]
    n_shared: int
    top: int | None
    resample_ranks: np.ndarray | None  # (models, B) or None when no bootstrap was possible
    notes: list[str] = field(default_factory=list)
    resample_values: np.ndarray | None = None  # (models, B): the metric per joint resample
    tested: bool = False
    n_units: int = 0
    min_shared: int = 0


DEFAULT_MIN_SHARED = 30


def column_stats(column: Column, samples: list[dict[str, dict[str, float]]], n_resamples: int, seed: int,
                 alpha: float = 0.05, min_shared: int = DEFAULT_MIN_SHARED) -> ColumnStats:
    """Ranks with bootstrap rank intervals and top-vs-rest paired tests for one column.

    ``samples[i]`` is model *i*'s ``{sample id: stats}`` for the column's primary scorer; when
    they carry ``clusters`` (``SampleStats``) that group samples, whole clusters are resampled.
    Paired tests run only on at least ``min_shared`` shared samples (clusters, when clusters
    are resampled): on fewer, a bootstrap p-value means little, so none is given.
    """
    from evals.scoring.registry import get_scorer
    from evals.scoring.stats import ci_method

    values = column.rows.metric_value.to_numpy(dtype=np.float64)
    lower = column.lower_is_better
    m = len(values)
    rank = competition_ranks(values, lower).tolist()
    notes: list[str] = []
    order = sorted(range(m), key=lambda i: (rank[i], column.rows.model[i]))
    top = order[0] if m else None
    empty = ColumnStats(rank, [None] * m, [None] * m, [None] * m, [None] * m, [False] * m, 0, top, None, notes,
                        min_shared=min_shared)
    if m == 0 or n_resamples <= 0:
        return empty
    shared = set(samples[0])
    for s in samples[1:]:
        shared &= set(s)
    if not shared:
        notes.append("no sample was scored by every model here; no rank intervals or significance tests")
        return empty
    sizes = {len(s) for s in samples}
    if len(sizes) > 1 or len(shared) != max(sizes):
        notes.append(f"rank intervals and tests use the {len(shared)} samples every model scored")
    scorer_name = primary_scorer_name(column.scorers, column.primary_metric)
    metric = column.primary_metric.split(".", 1)[1] if column.primary_metric.startswith(scorer_name + ".") else column.primary_metric
    try:
        scorer = get_scorer(scorer_name)
    except KeyError as e:
        notes.append(f"scorer {scorer_name!r} is unknown here ({e.args[0]}); no rank intervals")
        return empty
    options = scorer.parse_options(json.loads(column.scorers).get(scorer_name))
    ids = sorted(shared)
    tables = [_table([s[i] for i in ids]) for s in samples]
    known: dict[str, str] = {}
    for s in samples:  # clusters come from the data, so every model's records agree; take any that has one
        for sid, c in getattr(s, "clusters", {}).items():
            known.setdefault(sid, c)
    clusters = [known.get(i) for i in ids] if known else None
    method, n_clusters = ci_method(clusters, len(ids))
    units = len(ids)
    if method == "cluster_bootstrap":
        units = n_clusters
        notes.append(f"rank intervals and tests resample {n_clusters} clusters of samples (shared media), not samples")
    dist = joint_bootstrap(scorer, tables, options, metric, n_resamples, seed, clusters)
    point = np.array([scorer.aggregate(t, options).get(metric, np.nan) for t in tables], dtype=np.float64)
    ranks = competition_ranks(dist, lower)  # (models, B)
    low = np.quantile(ranks, alpha / 2, axis=1, method="lower").astype(int).tolist()
    high = np.quantile(ranks, 1 - alpha / 2, axis=1, method="higher").astype(int).tolist()
    p_vs_top: list[float | None] = [None] * m
    diff_vs_top: list[float | None] = [None] * m
    tied = [False] * m
    tested = units >= min_shared
    if m > 1 and not tested:
        what = "clusters of shared samples" if method == "cluster_bootstrap" else "shared samples"
        notes.append(f"no significance tests: {units} {what}, fewer than the minimum of {min_shared} (--min-shared)")
    for i in range(m):
        if i == top or not tested:
            continue
        d = float(point[top] - point[i])
        p = paired_p_value(d, dist[top] - dist[i])
        p_vs_top[i] = p
        diff_vs_top[i] = d
        tied[i] = bool(not math.isnan(p) and p >= alpha)
    return ColumnStats(rank, low, high, p_vs_top, diff_vs_top, tied, len(ids), top, ranks, notes,
                       resample_values=dist, tested=tested, n_units=units, min_shared=min_shared)


@dataclass
class RankedColumn:
    """What the overall ranking needs of one column: its models, their values and resampled values, the direction."""

    key: str
    models: list[str]
    values: np.ndarray
    lower: bool
    resample_values: np.ndarray | None = None


def _intersection_closure(sets: list[frozenset[str]], cap: int = 512) -> set[frozenset[str]]:
    closed = set(sets)
    frontier = set(sets)
    while frontier and len(closed) < cap:
        new = {a & b for a in frontier for b in closed} - closed
        new.discard(frozenset())
        closed |= new
        frontier = new
    return closed


def overall_block(coverage: dict[str, set[str]]) -> tuple[list[str], list[str], str]:
    """The models and columns an overall rank is fair over, and a sentence saying so (or why there is none).

    Mean ranks are comparable only between models ranked on the same tasks, so
    the overall rank covers one block of models x columns in which every model
    has every column: the block with the most cells (then the most models, then
    the most columns), among sets of columns that models share. Without such a
    block of at least two models, or when two different blocks are equally
    large, there is no overall rank: only per-task ranks.
    """
    cov = {m: frozenset(c) for m, c in coverage.items() if c}
    if len(cov) < 2:
        return [], [], "an overall rank needs at least two models"
    candidates = _intersection_closure(sorted(set(cov.values()), key=sorted))
    scored = []
    for cols in candidates:
        if not cols:
            continue
        models = sorted(m for m, c in cov.items() if cols <= c)
        if len(models) >= 2:
            scored.append(((len(models) * len(cols), len(models), len(cols)), cols, models))
    if not scored:
        return [], [], "no two models share a task, so there is no overall rank: see the per-task ranks"
    scored.sort(key=lambda x: x[0], reverse=True)
    best = scored[0]
    if len(scored) > 1 and scored[1][0] == best[0]:
        return [], [], ("models share tasks only in separate groups of equal size, so there is no overall rank: "
                        "see the per-task ranks")
    cols = sorted(best[1])
    left_out = sorted(set(cov) - set(best[2]))
    text = (f"overall rank: {len(best[2])} models by their mean rank among themselves on the {len(cols)} task column(s) "
            "they all have")
    if left_out:
        text += f"; {len(left_out)} model(s) without all of them get per-task ranks only"
    return best[2], cols, text


def overall_ranks(models: list[str], columns: list[RankedColumn], n_resamples: int,
                  alpha: float = 0.05) -> dict[str, dict[str, Any]]:
    """Mean rank over ``columns`` among ``models`` (each has every column), its rank, and the bootstrap interval.

    Ranks are recomputed among ``models`` only. Resample *b* of every column is
    combined into one overall ranking, so the interval carries the uncertainty
    of every task.
    """
    mm = len(models)
    b = max(n_resamples, 1)
    total = np.zeros((mm, b))
    point_total = np.zeros(mm)
    for col in columns:
        pos = {name: i for i, name in enumerate(col.models)}
        rows = np.array([pos[n] for n in models])
        point_total += competition_ranks(col.values[rows], col.lower)
        if col.resample_values is not None and col.resample_values.shape[1] >= b:
            total += competition_ranks(col.resample_values[rows, :b], col.lower)
        else:
            total += competition_ranks(col.values[rows], col.lower)[:, None]
    n = max(len(columns), 1)
    point_rank = competition_ranks(point_total, lower=True)
    ranks = competition_ranks(total, lower=True)
    low = np.quantile(ranks, alpha / 2, axis=1, method="lower")
    high = np.quantile(ranks, 1 - alpha / 2, axis=1, method="higher")
    bootstrapped = n_resamples > 0 and all(c.resample_values is not None for c in columns)
    return {
        name: {"mean_rank": float(point_total[i] / n), "rank": int(point_rank[i]),
               "rank_low": int(low[i]) if bootstrapped else None, "rank_high": int(high[i]) if bootstrapped else None}
        for i, name in enumerate(models)
    }
