"""Synthetic run directories in the exact ``evals.results`` schema, for tests and benchmarks.

Values and CIs are computed with the real scorers (``get_scorer``) and the
statistics engine results use (``evals.scoring.stats.metric_values``, cluster
bootstrap when ``clusters`` group samples) from the per-sample statistics
written, so a synthetic run is internally consistent like a real one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.results import DatasetRecord, Manifest, MetricValue, RunResults, SampleRecord, TaskResult, write_json


@dataclass
class SynthTask:
    """One task of a synthetic run: per-sample stats of one scorer, plus what identifies the task."""

    stats: list[dict[str, float]]
    scorer: str = "exact_match"
    options: dict[str, Any] = field(default_factory=dict)
    task_hash: str = "aaaaaaaaaaaaaaaa"
    spec_hash: str = "bbbbbbbbbbbbbbbb"
    revision: str | None = None
    modality: str = "image"
    kind: str = "vqa"
    limit: int | None = None
    prompt_override: bool = False
    predictions: list[str | None] | None = None
    references: list[list[str]] | None = None
    errors: list[str | None] | None = None
    ids: list[str] | None = None
    image_shas: list[str] | None = None
    clusters: list[str | None] | None = None
    extra: list[dict[str, Any]] | None = None
    """Further ``SampleRecord`` fields per sample (``extracted``, ``extraction_rule``, ``score_error``, ``variant``, ``group``)."""


def make_run(root: Path, run_id: str, model: str, tasks: dict[str, SynthTask], started: str = "2025-01-01T00:00:00+00:00",
             model_args: dict[str, Any] | None = None, n_resamples: int = 200, overrides: dict[str, Any] | None = None) -> Path:
    """Write ``root/run_id`` with manifest, results and samples; returns the run directory.

    ``overrides``: fields of ``manifest.json`` to set (``git_commit``, ``command``, ``host``, ``packages``, ``finished``...).
    """
    from evals.hashing import stable_hash
    from evals.scoring.contract import stats_table
    from evals.scoring.registry import get_scorer
    from evals.scoring.stats import metric_values

    run_dir = Path(root) / run_id
    (run_dir / "samples").mkdir(parents=True, exist_ok=True)
    kind, _, name = model.partition(":")
    fingerprint = {"kind": kind, "model": name, "adapter_version": "1", "args": dict(model_args or {})}
    model_hash = stable_hash(fingerprint)
    results = RunResults(run_id=run_id, model=model, model_hash=model_hash, model_fingerprint=fingerprint, tasks={})
    for task, t in tasks.items():
        n = len(t.stats)
        errors = t.errors or [None] * n
        ids = t.ids or [f"s{i}" for i in range(n)]
        scorer = get_scorer(t.scorer)
        opts = scorer.parse_options(t.options)
        clusters = t.clusters or [None] * n
        scored = [s for s, e in zip(t.stats, errors) if e is None]
        metrics: dict[str, MetricValue] = {}
        if scored:
            metrics = metric_values(scorer, stats_table(scored), opts, n_resamples=n_resamples, seed=0,
                                    clusters=[c for c, e in zip(clusters, errors) if e is None])
        with open(run_dir / "samples" / f"{task}.jsonl", "w") as f:
            for i in range(n):
                rec = SampleRecord(
                    task=task, index=i, id=ids[i], cluster=clusters[i],
                    prompt=[{"role": "user", "content": ([{"type": "image", "sha": t.image_shas[i]}] if t.image_shas else [])
                             + [{"type": "text", "text": f"question {i}?"}]}],
                    prediction=None if errors[i] else (t.predictions[i] if t.predictions else "answer"),
                    references=t.references[i] if t.references else ["answer"],
                    scores={} if errors[i] or (t.extra and t.extra[i].get("score_error")) else {t.scorer: t.stats[i]}, error=errors[i],
                    **(t.extra[i] if t.extra else {}),
                )
                f.write(rec.model_dump_json(exclude_none=True) + "\n")
        selection = "all" if t.limit is None else f"{t.limit} of {10 * t.limit}, evenly spaced"
        results.tasks[task] = TaskResult(
            task=task, task_version=1, modality=t.modality, kind=t.kind, task_hash=t.task_hash, spec_hash=t.spec_hash,
            dataset=DatasetRecord(path=f"synthetic/{task}", split="test", revision=t.revision, fingerprint="f" * 16,
                                  origin="synthetic", selection=selection),
            primary_metric=scorer.primary or scorer.name, metrics=metrics, scorers={t.scorer: opts.model_dump(mode="json")},
            n_samples=n, n_scored=len(scored), n_errors=n - len(scored), limit=t.limit, prompt_override=t.prompt_override,
        )
    written = Manifest(run_id=run_id, omnieval_version="0.1.0", git_commit=None, command=["synthetic"], model=model,
                       model_hash=model_hash, model_fingerprint=fingerprint,
                       tasks={k: {"task_hash": v.task_hash} for k, v in results.tasks.items()}, seed=0, limit=None,
                       batch_size=1, started=started, finished=started, host={}, packages={})
    if overrides:
        written = Manifest.model_validate({**written.model_dump(), **overrides})
    write_json(run_dir / "results.json", results)
    write_json(run_dir / "manifest.json", written)
    return run_dir


def accuracy_stats(correct: list[int] | list[bool]) -> list[dict[str, float]]:
    """``exact_match`` per-sample stats from 0/1 outcomes."""
    return [{"score": float(c)} for c in correct]


def wer_stats(edits: list[int], words: list[int]) -> list[dict[str, float]]:
    """``wer`` per-sample stats (all edits counted as substitutions)."""
    return [{"score": e / max(w, 1), "edits": float(e), "substitutions": float(e), "deletions": 0.0, "insertions": 0.0,
             "ref_words": float(w), "dropped": 0.0} for e, w in zip(edits, words)]
