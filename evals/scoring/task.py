"""Scores -> metrics: per-sample statistics for each scorer, then aggregates with CIs and subgroups.

Scorers whose statistics depend only on their own sample are run batch by
batch as responses arrive; corpus-level scorers (CIDEr's IDF) run once at
the end. A sample a scorer cannot score (it raises, or the sample has no
references) is that sample's scoring error: it is left out of that scorer's
statistics, counted in ``n_score_errors``, and the task goes on. Confidence
intervals resample clusters when samples carry cluster ids that group them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Union

import numpy as np

from evals.scoring.contract import SampleScore, ScoreInput, Scorer, Stats, options_record, stats_table
from evals.scoring.isolate import score_samples
from evals.scoring.registry import get_scorer
from evals.results import GroupGap, MetricValue, SampleRecord, SubgroupReport

if TYPE_CHECKING:
    from evals.spec.task import ScorerSpec

ScorerRef = Union["ScorerSpec", tuple[str, Mapping[str, Any]], str]
"""A scorer to run: a task's ``ScorerSpec`` (``name`` and ``options``), a ``(name, options)`` pair, or a name."""


def _resolve(ref: Any) -> tuple[Scorer, Any]:
    if isinstance(ref, str):
        name, options = ref, {}
    elif isinstance(ref, tuple):
        name, options = ref
    else:
        name, options = ref.name, ref.options
    scorer = get_scorer(name)
    return scorer, scorer.parse_options(options)


class SampleScores(dict):
    """One sample's outcome over a task's scorers.

    As a dict it is ``{scorer name: stats}`` for every scorer that scored the
    sample, exactly what ``SampleRecord.scores`` holds (so it can be stored
    there as before). ``outcomes`` keeps each scorer's ``SampleScore``;
    ``error``, ``extracted``, ``rule`` and ``explanation`` summarise them for
    the sample record (``fill``).
    """

    def __init__(self, outcomes: Mapping[str, SampleScore] | None = None) -> None:
        self.outcomes: dict[str, SampleScore] = dict(outcomes or {})
        super().__init__({name: dict(s.stats) for name, s in self.outcomes.items() if s.error is None})

    def _first(self, attr: str) -> str | None:
        # Scorers are in the task's order, so the first scorer's reading wins.
        return next((getattr(s, attr) for s in self.outcomes.values() if getattr(s, attr) is not None), None)

    @property
    def error(self) -> str | None:
        """``"scorer: message"`` for each scorer that could not score the sample, joined by ``"; "``; None when all did."""
        errors = [f"{name}: {s.error}" for name, s in self.outcomes.items() if s.error is not None]
        return "; ".join(errors) or None

    @property
    def extracted(self) -> str | None:
        return self._first("extracted")

    @property
    def rule(self) -> str | None:
        return self._first("rule")

    @property
    def explanation(self) -> str | None:
        return self._first("explanation")

    def merged(self, other: SampleScores) -> SampleScores:
        """This sample's outcomes together with ``other``'s (e.g. streaming scorers, then corpus-level ones)."""
        return SampleScores({**self.outcomes, **other.outcomes})

    def record_fields(self) -> dict[str, Any]:
        """The ``SampleRecord`` fields this outcome sets: ``scores``, ``score_error``, ``extracted``, ``extraction_rule``, ``explanation``."""
        return {"scores": dict(self), "score_error": self.error, "extracted": self.extracted,
                "extraction_rule": self.rule, "explanation": self.explanation}  # fmt: skip

    def fill(self, record: SampleRecord) -> None:
        """Add this outcome to ``record`` in place, keeping what an earlier ``fill`` (other scorers) put there."""
        record.scores = {**record.scores, **self}
        if self.error:
            record.score_error = f"{record.score_error}; {self.error}" if record.score_error else self.error
        record.extracted = record.extracted if record.extracted is not None else self.extracted
        record.extraction_rule = record.extraction_rule if record.extraction_rule is not None else self.rule
        record.explanation = record.explanation if record.explanation is not None else self.explanation


LABEL_SEPARATOR = " | "
"""Between the labels of a multi-label subgroup value (a field declared ``path[*]``, e.g. MathVista's skills)."""


def is_multi_label(field: str) -> bool:
    """A subgroup field ending in ``[*]`` lists labels; a sample belongs to the group of each one."""
    return field.endswith("[*]")


class TaskScoring:
    """Accumulates the scored samples of one task and produces its metrics.

    ``add`` scores a batch with the per-sample scorers; ``finish_corpus`` runs
    the corpus-level ones over everything added. Both return one
    ``SampleScores`` per input, in order.
    """

    def __init__(self, scorers: Sequence[ScorerRef], subgroup_fields: Sequence[str], seed: int = 0, n_resamples: int = 1000,
                 combine: Callable[[list[Stats]], Stats] | None = None) -> None:
        """``combine``: when samples are variants of one question (``metadata["group"]`` and ``["group_size"]``, set by a
        transform), each scorer's rows of a complete group become one row, and metrics count questions, not variants."""
        self.scorers: list[tuple[Scorer, Any]] = [_resolve(s) for s in scorers]
        self.combine = combine
        self.groups: list[str | None] = []  # the question each added sample is a variant of
        self.group_sizes: dict[str, int] = {}  # variants per question, as the transform declared it
        self.planned: dict[str, int] = {}  # variants per question among the planned samples, answered or not (``expect``)
        self.n_incomplete: dict[str, int] = {}  # per scorer: questions left out because a variant has no row
        self.subgroup_fields = list(subgroup_fields)
        self.seed = seed
        self.n_resamples = n_resamples
        self.inputs: list[ScoreInput] = []  # kept only for corpus-level scorers
        self.labels: list[dict[str, str]] = []  # subgroup values of each added sample
        self.clusters: list[str | None] = []  # cluster id of each added sample
        self.n_scored = 0  # samples added (each had a prediction); n_score_errors of them failed a scorer
        self.stats: list[list[Stats]] = [[] for _ in self.scorers]  # per scorer: rows of the samples it scored
        self.rows_of: list[list[int]] = [[] for _ in self.scorers]  # per scorer: which added sample each row is
        self._errored: set[int] = set()

    @property
    def streaming(self) -> bool:
        return not any(s.is_corpus_level(o) for s, o in self.scorers)

    @property
    def n_score_errors(self) -> int:
        """Samples at least one scorer could not score."""
        return len(self._errored)

    def options_record(self) -> dict[str, dict[str, Any]]:
        return {s.name: options_record(opts) for s, opts in self.scorers}

    def signatures(self) -> dict[str, dict[str, str]]:
        """``{scorer: {metric: signature}}`` for the scorers that declare one (sacreBLEU's), for the results."""
        return {s.name: s.signature(opts) for s, opts in self.scorers if s.signature is not None}

    def _run(self, k: int, inputs: Sequence[ScoreInput], first: int, outcomes: list[dict[str, SampleScore]]) -> None:
        """Scorer ``k`` over ``inputs`` (added samples ``first``, ``first + 1``, ...); each result into ``outcomes``."""
        scorer, opts = self.scorers[k]
        for j, result in enumerate(score_samples(scorer, inputs, opts)):
            outcomes[j][scorer.name] = result
            if result.error is None:
                self.stats[k].append(dict(result.stats))
                self.rows_of[k].append(first + j)
            else:
                self._errored.add(first + j)

    def expect(self, group: str | None) -> None:
        """One planned sample of question ``group`` (answered or not): with ``fields.group`` the data, not a
        transform, says which samples form a question, and a question is whole only when all of them are scored."""
        if group is not None:
            self.planned[group] = self.planned.get(group, 0) + 1

    def add(self, inputs: Sequence[ScoreInput]) -> list[SampleScores]:
        """Score a batch with the per-sample scorers; returns each sample's outcome so far."""
        first = self.n_scored
        if not self.streaming:
            self.inputs.extend(inputs)
        self.labels.extend({f: inp.sample_field(f) for f in self.subgroup_fields} for inp in inputs)
        self.clusters.extend(inp.cluster for inp in inputs)
        for inp in inputs:
            group = inp.metadata.get("group")
            self.groups.append(group)
            if group is not None:
                self.group_sizes[group] = int(inp.metadata.get("group_size", 1))
        self.n_scored += len(inputs)
        outcomes: list[dict[str, SampleScore]] = [{} for _ in inputs]
        for k, (scorer, opts) in enumerate(self.scorers):
            if not scorer.is_corpus_level(opts) and inputs:
                self._run(k, inputs, first, outcomes)
        return [SampleScores(o) for o in outcomes]

    def finish_corpus(self) -> list[SampleScores]:
        """Run the corpus-level scorers over everything added; returns their outcome for each added sample."""
        outcomes: list[dict[str, SampleScore]] = [{} for _ in self.inputs]
        for k, (scorer, opts) in enumerate(self.scorers):
            if scorer.is_corpus_level(opts) and self.inputs:
                self.stats[k], self.rows_of[k] = [], []
                self._run(k, self.inputs, 0, outcomes)
        return [SampleScores(o) for o in outcomes]

    def n_unparsed(self) -> int:
        total = 0
        for k in range(len(self.scorers)):
            total = max(total, int(sum(r.get("unparsed", 0.0) for r in self._rows(k)[0])))
        return total

    def _rows(self, k: int) -> tuple[list[Stats], list[int]]:
        """Scorer ``k``'s statistics rows and the added sample each stands for, variants combined per question."""
        if self.combine is None:
            return self.stats[k], self.rows_of[k]
        members: dict[Any, list[int]] = {}
        for pos, i in enumerate(self.rows_of[k]):
            members.setdefault(self.groups[i] if self.groups[i] is not None else ("single", i), []).append(pos)
        rows, owners, incomplete = [], [], 0
        for group, positions in members.items():
            if isinstance(group, str) and len(positions) < max(self.group_sizes.get(group, 1), self.planned.get(group, 0)):
                incomplete += 1  # a variant failed or could not be scored: the question cannot be judged
                continue
            rows.append(self.combine([self.stats[k][p] for p in positions]) if isinstance(group, str) else self.stats[k][positions[0]])
            owners.append(self.rows_of[k][positions[0]])
        self.n_incomplete[self.scorers[k][0].name] = incomplete
        return rows, owners

    def _clusters(self, owners: list[int]) -> list[str | None]:
        return [self.clusters[i] for i in owners]

    def metrics(self) -> dict[str, MetricValue]:
        """Each scorer's metrics over the samples it scored, with bootstrap CIs (cluster bootstrap when samples cluster)."""
        from evals.scoring.stats import metric_values

        out: dict[str, MetricValue] = {}
        for k, (scorer, opts) in enumerate(self.scorers):
            rows, owners = self._rows(k)
            if not rows:
                continue
            values = metric_values(scorer, stats_table(rows), opts, n_resamples=self.n_resamples, seed=self.seed,
                                   clusters=self._clusters(owners))  # fmt: skip
            for name, value in values.items():
                key = name if name not in out else f"{scorer.name}.{name}"
                out[key] = value
        return out

    def subgroups(self) -> list[SubgroupReport]:
        from evals.scoring.stats import ci_method, group_gap, subgroup_breakdown

        reports = []
        for field in self.subgroup_fields:
            groups: dict[str, dict[str, MetricValue]] = {}
            primary_gap: GroupGap | None = None
            for k, (scorer, opts) in enumerate(self.scorers):
                rows, owners = self._rows(k)
                if not rows:
                    continue
                labels = [self.labels[i].get(field, "") for i in owners]
                clusters = self._clusters(owners)
                if is_multi_label(field):  # one row per label: a sample counts in the group of each of its labels
                    picks = [(j, lab) for j, value in enumerate(labels) for lab in value.split(LABEL_SEPARATOR) if lab]
                    rows, labels, clusters = [rows[j] for j, _ in picks], [lab for _, lab in picks], [clusters[j] for j, _ in picks]
                    if not rows:
                        continue
                table = stats_table(rows)
                breakdown = subgroup_breakdown(scorer, table, labels, opts, n_resamples=self.n_resamples, seed=self.seed,
                                               clusters=clusters)  # fmt: skip
                if k == 0 and scorer.primary:  # the task's headline: the first scorer's primary metric
                    found = group_gap(scorer, table, labels, opts, scorer.primary, self.n_resamples, self.seed, clusters=clusters)
                    primary_gap = GroupGap(**found) if found else None
                for value, metrics in breakdown.items():
                    members = [c for c, lab in zip(clusters, labels) if lab == value]
                    method, n_clusters = ci_method(members, len(members)) if self.n_resamples > 0 else (None, None)
                    for name, m in metrics.items():
                        groups.setdefault(str(value), {})[name] = MetricValue(
                            value=float(m["value"]), ci_low=_finite(m.get("ci_low")), ci_high=_finite(m.get("ci_high")),
                            n=int(m["n"]), ci_method=method, n_clusters=n_clusters,
                        )
            gaps: dict[str, float] = {}
            names = {n for g in groups.values() for n in g}
            for name in sorted(names):
                vals = [g[name].value for g in groups.values() if name in g and not np.isnan(g[name].value)]
                if len(vals) > 1:
                    gaps[name] = float(max(vals) - min(vals))
            reports.append(SubgroupReport(field=field, groups=groups, max_gap=gaps, gap=primary_gap))
        return reports


def _finite(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)
