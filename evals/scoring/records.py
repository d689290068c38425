"""Stored sample records as scorer inputs: ``record_input`` (used by the runner, the judge and rescoring alike),
and ``score_records``, which scores them again without a model (the core of ``omnieval rescore``).

A run's sample records hold everything a scorer sees: prediction,
references, choices, subgroup values, cluster and the prompt. The caller reads
them (``evals.results.iter_samples``), ``score_records`` scores them with
any scorers and returns the task's metrics, subgroups and each record's new
scores; no file is read or written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections import Counter
from typing import Any, Callable, Iterable, Sequence

from evals.scoring.contract import ScoreInput, Stats
from evals.scoring.task import SampleScores, ScorerRef, TaskScoring
from evals.results import MetricValue, SampleRecord, SubgroupReport


def prompt_text(messages: list[dict[str, Any]] | None) -> str:
    """The text of a recorded prompt (``SampleRecord.prompt``): its text parts, one line per message."""
    lines = []
    for message in messages or []:
        content = message.get("content", [])
        if isinstance(content, str):
            lines.append(content)
        else:
            lines.append(" ".join(p.get("text", "") for p in content if p.get("type") == "text" and p.get("text")))
    return "\n".join(line for line in lines if line)


def media_cluster(messages: list[dict[str, Any]] | None) -> str | None:
    """A cluster id from a recorded prompt's media: samples showing the same media share it (None without media).

    One medium gives its content hash; several give their sorted hashes joined by ``+``.
    """
    shas = sorted({p["sha"] for m in messages or [] if isinstance(m.get("content"), list)
                   for p in m["content"] if p.get("type") in ("image", "audio", "video") and p.get("sha")})  # fmt: skip
    return "+".join(shas) or None


def record_input(record: SampleRecord, group_size: int | None = None) -> ScoreInput | None:
    """What a scorer sees of a stored record; None when its request failed (no prediction: never scored).

    A transform's variant carries its question (``record.group``) and how many variants the question has.
    """
    if record.error is not None or record.prediction is None:
        return None
    metadata: dict[str, Any] = dict(record.metadata or {})
    if record.group is not None:
        metadata.update(group=record.group, group_size=group_size or 1)
    if record.judge is not None:
        metadata["judge"] = {"score": record.judge.score, "answer": record.judge.answer, "error": record.judge.error, "raw": record.judge.raw}
    return ScoreInput(id=record.id, prediction=record.prediction, references=record.references, choices=record.choices,
                      prompt=prompt_text(record.prompt), subgroups=record.subgroups, cluster=record.cluster, metadata=metadata)  # fmt: skip


@dataclass
class RecordScores:
    """The outcome of ``score_records``.

    ``samples[i]`` is record *i*'s new outcome (None when its request had
    failed); ``record.model_copy(update=samples[i].record_fields())`` is the
    rescored record.
    """

    metrics: dict[str, MetricValue]
    subgroups: list[SubgroupReport]
    samples: list[SampleScores | None]
    scorers: dict[str, dict[str, Any]]
    signatures: dict[str, dict[str, str]]
    n_samples: int
    n_scored: int
    n_errors: int
    n_score_errors: int
    n_unparsed: int


def score_records(
    records: Iterable[SampleRecord],
    scorers: Sequence[ScorerRef],
    subgroup_fields: Sequence[str],
    seed: int = 0,
    n_resamples: int = 1000,
    combine: Callable[[list[Stats]], Stats] | None = None,
) -> RecordScores:
    """Score stored sample records with ``scorers`` (task ``ScorerSpec``s, ``(name, options)`` pairs or names).

    ``combine`` joins the variants of one question (records sharing ``group``): the task's question reducer.
    """
    records = list(records)
    scoring = TaskScoring(scorers, subgroup_fields, seed=seed, n_resamples=n_resamples, combine=combine)
    sizes = Counter(r.group for r in records if r.group is not None)
    inputs = [record_input(r, sizes.get(r.group)) for r in records]
    scored = [x for x in inputs if x is not None]
    outcomes = scoring.add(scored)
    if not scoring.streaming:
        outcomes = [a.merged(b) for a, b in zip(outcomes, scoring.finish_corpus())]
    it = iter(outcomes)
    samples = [next(it) if x is not None else None for x in inputs]
    return RecordScores(
        metrics=scoring.metrics(), subgroups=scoring.subgroups(), samples=samples, scorers=scoring.options_record(),
        signatures=scoring.signatures(),
        n_samples=len(records), n_scored=scoring.n_scored, n_errors=len(records) - len(scored),
        n_score_errors=scoring.n_score_errors, n_unparsed=scoring.n_unparsed(),
    )
