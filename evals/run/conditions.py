"""Robustness conditions in a run: a task clean and under each condition, compared on the samples both scored.

``omnieval run --conditions clean,white_noise:20,white_noise:0`` runs each task once per condition (a condition is
a task of its own: ``harvard_asr.white_noise_20``, its hash including the condition; ``spec.task.under_condition``).
``compare_conditions`` then pairs each condition's sample records with the clean run's by sample id and bootstraps
the difference of the task's primary metric with the same draws for both (``scoring.stats.paired_comparison``),
clusters included, so the interval and the p-value are those of the change the condition made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from evals.results import ConditionComparison, RunResults, iter_samples
from evals.scoring.contract import stats_table
from evals.scoring.registry import get_scorer
from evals.scoring.stats import paired_comparison
from evals.spec.conditions import CONDITIONS, parse_condition
from evals.spec.task import TaskSpec, under_condition


def _fits(spec: TaskSpec, condition: str) -> bool:
    name, _ = parse_condition(condition)
    return name == "clean" or CONDITIONS[name].kind == spec.modality


def condition_specs(specs: Sequence[TaskSpec], conditions: Sequence[str]) -> list[TaskSpec]:
    """Each task under each condition that applies to its medium (an image condition does nothing to a sound), clean
    first; ``left_out`` says which did not."""
    return [under_condition(spec, condition) for spec in specs for condition in conditions if _fits(spec, condition)]


def left_out(spec: TaskSpec, conditions: Sequence[str]) -> list[str]:
    """One line for each of ``conditions`` that ``condition_specs`` leaves out of ``spec`` (another medium's), saying why:
    ``jpeg:10 left out for harvard_asr: an image condition, and harvard_asr is an audio task``."""

    def a(medium: str) -> str:
        return f"a {medium}" if medium == "video" else f"an {medium}"

    return [f"{condition} left out for {spec.name}: {a(CONDITIONS[parse_condition(condition)[0]].kind)} condition, "
            f"and {spec.name} is {a(spec.modality)} task" for condition in conditions if not _fits(spec, condition)]


def compare_conditions(run_dir: Path, results: RunResults, specs: Sequence[TaskSpec], n_resamples: int = 1000,
                       seed: int = 0) -> list[ConditionComparison]:
    """Every (task, condition) of ``specs`` whose clean task is in the same run, against it."""
    clean = {s.name: s for s in specs if s.condition is None}
    rows = []
    for spec in specs:
        if spec.condition is None:
            continue
        base = next((c for c in clean.values() if under_condition(c, spec.condition).name == spec.name), None)
        if base is None or base.name not in results.tasks or spec.name not in results.tasks:
            continue
        if base.submission is not None:  # scored by the benchmark's server: each condition has its own file, no score here
            continue
        ref = base.scorers[0]
        scorer, options = get_scorer(ref.name), get_scorer(ref.name).parse_options(ref.options)
        metric = results.tasks[base.name].primary_metric
        by_id = {r.id: r for r in iter_samples(run_dir, base.name) if scorer.name in r.scores}
        pairs = [(r, by_id[r.id]) for r in iter_samples(run_dir, spec.name) if scorer.name in r.scores and r.id in by_id]
        if not pairs:
            continue
        under = stats_table([p[0].scores[scorer.name] for p in pairs])
        clean_table = stats_table([p[1].scores[scorer.name] for p in pairs])
        clusters = [p[1].cluster for p in pairs]
        cmp = paired_comparison(scorer, under, clean_table, options, metric, n_resamples=n_resamples, seed=seed,
                                clusters=clusters if any(clusters) else None)
        value = float(scorer.aggregate(under, options)[metric])
        clean_value = value - cmp["diff"]
        direction = scorer.direction_of(metric)
        worse = cmp["diff"] if direction == "lower" else -cmp["diff"]
        rows.append(ConditionComparison(
            task=base.name, condition=spec.condition, condition_task=spec.name, metric=metric, direction=direction, clean=clean_value,
            value=value, diff=cmp["diff"], ci_low=cmp["ci_low"], ci_high=cmp["ci_high"], p_value=cmp["p_value"], n=cmp["n"],
            relative_degradation=worse / abs(clean_value) if clean_value else None,
        ))
    return rows
