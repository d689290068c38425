"""Scores -> metrics: per-sample statistics for each scorer, then aggregates with CIs and subgroups.

Scorers whose statistics depend only on their own sample are run batch by
batch as responses arrive; corpus-level scorers (CIDEr's IDF) run once at
the end.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from evals.scoring.contract import ScoreInput, Scorer, stats_table
from evals.scoring.registry import get_scorer
from evals.results import MetricValue, SubgroupReport

if TYPE_CHECKING:
    from evals.spec.task import ScorerSpec


def _finite(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


class TaskScoring:
    """Accumulates the scored samples of one task and produces its metrics."""

    def __init__(self, scorers: list[ScorerSpec], subgroup_fields: list[str], seed: int = 0, n_resamples: int = 1000) -> None:
        self.scorers: list[tuple[Scorer, Any]] = []
        for s in scorers:
            scorer = get_scorer(s.name)
            self.scorers.append((scorer, scorer.parse_options(s.options)))
        self.subgroup_fields = subgroup_fields
        self.seed = seed
        self.n_resamples = n_resamples
        self.inputs: list[ScoreInput] = []  # kept only for corpus-level scorers
        self.labels: list[dict[str, str]] = []  # subgroup values of each scored sample
        self.n_scored = 0
        self.stats: list[list[dict[str, float]]] = [[] for _ in self.scorers]

    @property
    def streaming(self) -> bool:
        return not any(s.corpus_level for s, _ in self.scorers)

    def options_record(self) -> dict[str, dict[str, Any]]:
        return {s.name: opts.model_dump(mode="json") for s, opts in self.scorers}

    def add(self, inputs: list[ScoreInput]) -> list[dict[str, dict[str, float]]]:
        """Score a batch with the per-sample scorers; returns each sample's stats so far."""
        if not self.streaming:
            self.inputs.extend(inputs)
        self.labels.extend(inp.meta for inp in inputs)
        self.n_scored += len(inputs)
        per_sample: list[dict[str, dict[str, float]]] = [{} for _ in inputs]
        for k, (scorer, opts) in enumerate(self.scorers):
            if scorer.corpus_level or not inputs:
                continue
            rows = scorer.score(inputs, opts)
            self.stats[k].extend(rows)
            for d, row in zip(per_sample, rows):
                d[scorer.name] = row
        return per_sample

    def finish_corpus(self) -> list[dict[str, dict[str, float]]]:
        """Run the corpus-level scorers over everything added; returns their per-sample stats."""
        per_sample: list[dict[str, dict[str, float]]] = [{} for _ in self.inputs]
        for k, (scorer, opts) in enumerate(self.scorers):
            if not scorer.corpus_level or not self.inputs:
                continue
            rows = scorer.score(self.inputs, opts)
            self.stats[k] = rows
            for d, row in zip(per_sample, rows):
                d[scorer.name] = row
        return per_sample

    def n_unparsed(self) -> int:
        total = 0
        for rows in self.stats:
            total = max(total, int(sum(r.get("unparsed", 0.0) for r in rows)))
        return total

    def metrics(self) -> dict[str, MetricValue]:
        from evals.scoring.stats import bootstrap_ci

        out: dict[str, MetricValue] = {}
        for k, (scorer, opts) in enumerate(self.scorers):
            if not self.stats[k]:
                continue
            table = stats_table(self.stats[k])
            values = scorer.aggregate(table, opts)
            cis = bootstrap_ci(scorer, table, opts, n_resamples=self.n_resamples, seed=self.seed)
            for name, value in values.items():
                lo, hi = cis.get(name, (None, None))
                key = name if name not in out else f"{scorer.name}.{name}"
                out[key] = MetricValue(value=float(value), ci_low=_finite(lo), ci_high=_finite(hi), n=len(self.stats[k]))
        return out

    def subgroups(self) -> list[SubgroupReport]:
        from evals.scoring.stats import subgroup_breakdown

        reports = []
        for field in self.subgroup_fields:
            labels = [meta.get(field, "") for meta in self.labels]
            groups: dict[str, dict[str, MetricValue]] = {}
            for k, (scorer, opts) in enumerate(self.scorers):
                if not self.stats[k]:
                    continue
                table = stats_table(self.stats[k])
                breakdown = subgroup_breakdown(scorer, table, labels, opts, n_resamples=self.n_resamples, seed=self.seed)
                for value, metrics in breakdown.items():
                    for name, m in metrics.items():
                        groups.setdefault(str(value), {})[name] = MetricValue(
                            value=float(m["value"]), ci_low=_finite(m.get("ci_low")), ci_high=_finite(m.get("ci_high")), n=int(m["n"])
                        )
            gaps: dict[str, float] = {}
            names = {n for g in groups.values() for n in g}
            for name in sorted(names):
                vals = [g[name].value for g in groups.values() if name in g and not np.isnan(g[name].value)]
                if len(vals) > 1:
                    gaps[name] = float(max(vals) - min(vals))
            reports.append(SubgroupReport(field=field, groups=groups, max_gap=gaps))
        return reports
