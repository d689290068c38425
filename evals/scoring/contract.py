"""The scorer contract: how one metric turns predictions into numbers.

A scorer is declared once, in one place (the ``@scorer`` decorator, or
``register_scorer(Scorer(...))``): its public name, its options (a pydantic
model, written into results), a function that produces per-sample
*sufficient statistics*, an aggregation that turns a table of those
statistics into metric values, the primary metric, and each metric's
*direction* (is higher or lower better; the leaderboard reads it from here).
Confidence intervals come for free: the bootstrap (``evals.scoring.stats``)
resamples rows (or clusters of rows) of the statistics table and calls
``aggregate`` again, so a corpus metric (WER, BLEU) is recomputed from
resampled documents rather than averaged per document.

A per-sample result is either a plain stats dict or a ``SampleScore``, which
adds what a user looks at when a number surprises them: the answer the scorer
extracted, the rule that extracted it, an explanation, or an error.
"""

from __future__ import annotations

import itertools

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from evals.registry import Registry

Direction = Literal["higher", "lower"]


class ScoreInput(BaseModel):
    """What a scorer sees of one sample: never the model, never the dataset.

    ``subgroups`` are the task's subgroup fields (strings, e.g. MME's
    ``category``); ``metadata`` is any other sample metadata; ``cluster``
    names the group of samples that are not independent (questions about one
    image), which confidence intervals resample together. The old ``meta``
    key is still accepted on input and read as ``subgroups``.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    prediction: str
    references: list[str]
    choices: list[str] | None = None
    prompt: str = ""
    subgroups: dict[str, str] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    cluster: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_meta(cls, data: Any) -> Any:
        # Before subgroups and metadata were separate, the runner passed the subgroup fields as ``meta``.
        if isinstance(data, dict) and "meta" in data:
            data = dict(data)
            meta = data.pop("meta") or {}
            data["subgroups"] = {**{str(k): str(v) for k, v in meta.items()}, **data.get("subgroups", {})}
        return data

    def sample_field(self, name: str, default: str = "") -> str:
        """A named field of the sample: its subgroup value, else its metadata value (as text), else ``default``."""
        if name in self.subgroups:
            return self.subgroups[name]
        return str(self.metadata[name]) if name in self.metadata else default


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def options_record(options: BaseModel) -> dict[str, Any]:
    """A scorer's options as results record them (and leaderboards compare them).

    Options added after results were first published are listed in the options class's ``LATE_OPTIONS`` and left
    out while at their default, so a task that does not use them records what it always did and stays comparable
    with its earlier runs.
    """
    data = options.model_dump(mode="json")
    for name in getattr(type(options), "LATE_OPTIONS", ()):
        if data.get(name) == type(options).model_fields[name].default:
            del data[name]
    return data


Stats = dict[str, float]
"""Per-sample sufficient statistics, e.g. ``{"score": 1.0}`` or ``{"edits": 3, "words": 9}``."""

StatsTable = Mapping[str, np.ndarray]
"""Column-wise statistics: one float array per statistic, one row per sample."""


@dataclass(frozen=True)
class SampleScore(Mapping[str, float]):
    """One sample's scoring outcome: its statistics plus how the scorer read the answer.

    ``extracted`` is the answer the scorer took from the prediction (an option
    letter, a yes/no) and ``rule`` the name of the rule that decided it
    (``"bare"``, ``"option_text"``, ``"unparsed"``...); ``explanation`` is free
    text. A non-None ``error`` makes the sample a scoring error: its ``stats``
    are ignored and it is left out of the metric. A ``SampleScore`` reads as
    its ``stats`` mapping, so code written for plain stats dicts keeps working.
    """

    stats: Stats = field(default_factory=dict)
    extracted: str | None = None
    rule: str | None = None
    explanation: str | None = None
    error: str | None = None

    def __getitem__(self, key: str) -> float:
        return self.stats[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.stats)

    def __len__(self) -> int:
        return len(self.stats)


def as_sample_score(row: Mapping[str, float]) -> SampleScore:
    """A scorer's per-sample output (a stats dict or a ``SampleScore``) as a ``SampleScore``."""
    if isinstance(row, SampleScore):
        return row
    if not isinstance(row, Mapping):
        raise TypeError(f"a scorer returned {type(row).__name__} for a sample; expected a stats dict or a SampleScore")
    return SampleScore(stats={str(k): float(v) for k, v in row.items()})


ScoreFunction = Callable[[Sequence[ScoreInput], Any], list[Any]]
"""``score(inputs, options)`` -> one stats dict or ``SampleScore`` per input, in order."""


@dataclass(frozen=True)
class Scorer:
    """A registered metric.

    ``score(inputs, options)`` returns one stats dict or ``SampleScore`` per
    input, in order. It receives the whole list so corpus-level preprocessing
    (a tokenizer run once per corpus, document frequencies for CIDEr) happens
    once. ``aggregate(table, options)`` returns ``{metric_name: value}``; it
    must be a pure function of the table so bootstrap resampling is valid.
    ``corpus_level`` is true when a sample's statistics depend on the other
    samples (CIDEr's IDF): the task is then scored once, at the end, instead of
    batch by batch; a function of the options when only some options make it so
    (``wer`` with ``join_by``: parts of one call scored together). ``primary`` names the metric that represents the scorer in
    tables. ``direction`` says whether higher or lower values are better for
    every metric of the scorer, ``metric_directions`` overrides it per metric.
    ``needs_references``: a sample without references is a scoring error
    ("no reference answers") rather than being scored. ``internal_stats``
    names per-sample statistics kept only for corpus aggregation (BLEU's
    n-gram counts, METEOR's ``meteor_s0..22``): per-sample outputs file them
    under ``stats`` instead of showing them beside the metrics. ``signature``
    (options -> ``{metric: text}``) names what else decides the numbers, such
    as sacreBLEU's signature strings (tokenizer, smoothing, library version);
    results record it beside the options (``TaskResult.signatures``).
    """

    name: str
    score: ScoreFunction
    aggregate: Callable[[StatsTable, Any], dict[str, float]]
    options: type[BaseModel] = NoOptions
    primary: str = ""
    corpus_level: bool | Callable[[Any], bool] = False
    description: str = ""
    metrics: tuple[str, ...] = field(default_factory=tuple)
    direction: Direction = "higher"
    metric_directions: Mapping[str, Direction] = field(default_factory=dict)
    needs_references: bool = True
    internal_stats: frozenset[str] = frozenset()
    signature: Callable[[Any], dict[str, str]] | None = None

    def __post_init__(self) -> None:
        for d in (self.direction, *self.metric_directions.values()):
            if d not in ("higher", "lower"):
                raise ValueError(f"scorer {self.name!r}: direction {d!r} is not 'higher' or 'lower'")

    def parse_options(self, raw: Mapping[str, Any] | None) -> BaseModel:
        return self.options.model_validate(dict(raw or {}))

    def is_corpus_level(self, options: Any) -> bool:
        """Whether, with these options, a sample's statistics depend on other samples (then scored once, at the end)."""
        return bool(self.corpus_level(options) if callable(self.corpus_level) else self.corpus_level)

    def direction_of(self, metric: str) -> Direction:
        """Whether higher or lower values of ``metric`` are better (``scorer.metric`` names are accepted)."""
        if metric.startswith(self.name + ".") and metric not in self.metric_directions:
            metric = metric[len(self.name) + 1:]
        return self.metric_directions.get(metric, self.direction)

    def lower_is_better(self, metric: str) -> bool:
        return self.direction_of(metric) == "lower"


SCORERS: Registry[Scorer] = Registry("scorer")


def register_scorer(scorer: Scorer) -> Scorer:
    """Add ``scorer`` to the registry under its name (once)."""
    return SCORERS.register(scorer.name)(scorer)


def scorer(
    name: str,
    *,
    aggregate: Callable[[StatsTable, Any], dict[str, float]],
    primary: str,
    metrics: Sequence[str],
    options: type[BaseModel] = NoOptions,
    direction: Direction = "higher",
    metric_directions: Mapping[str, Direction] | None = None,
    corpus_level: bool | Callable[[Any], bool] = False,
    needs_references: bool = True,
    description: str = "",
    internal_stats: Sequence[str] = (),
    signature: Callable[[Any], dict[str, str]] | None = None,
) -> Callable[[ScoreFunction], ScoreFunction]:
    """Declare and register a scorer around its score function, in one place.

    ::

        @scorer("exact_match", options=ExactMatchOptions, aggregate=mean_aggregate("score", "exact_match"),
                primary="exact_match", metrics=("exact_match",))
        def score_exact_match(inputs, options): ...

    The function is returned unchanged; the ``Scorer`` is ``get_scorer(name)``.
    """

    def register(fn: ScoreFunction) -> ScoreFunction:
        register_scorer(Scorer(
            name=name, score=fn, aggregate=aggregate, options=options, primary=primary, corpus_level=corpus_level,
            description=description, metrics=tuple(metrics), direction=direction,
            metric_directions=dict(metric_directions or {}), needs_references=needs_references,
            internal_stats=frozenset(internal_stats), signature=signature,
        ))  # fmt: skip
        return fn

    return register


def stats_table(rows: Sequence[Mapping[str, float]]) -> dict[str, np.ndarray]:
    """Turn per-sample stats (dicts or ``SampleScore``s) into float64 columns (missing keys are NaN)."""
    keys = dict.fromkeys(itertools.chain.from_iterable(rows))  # every key, in order of first appearance
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
