"""``omnieval score``: score a JSONL file of predictions with one registered metric.

Input lines: ``{"id": str, "prediction": str, "references": [str, ...], "choices": [str, ...]?,
"subgroups": {str: str}?, "metadata": {...}?, "cluster": str?, "prompt": str?}`` (``ScoreInput``;
the older ``"meta"`` is read as ``subgroups``).
Every line is validated first; if any is malformed, all problems are reported
with their line numbers and nothing is scored.

``score_inputs`` is the reusable core (the ``--task`` variant calls it too);
``score_command`` is the typer command, mounted by the CLI with
``app.command("score")(score_command)``.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Mapping, Sequence

import typer

if TYPE_CHECKING:
    from evals.scoring.contract import ScoreInput

# numpy and pydantic load inside the functions: `omnieval --help` imports this module.
__all__ = ["InputFileError", "parse_option_pairs", "read_score_inputs", "score_command", "score_inputs"]


class InputFileError(ValueError):
    """A scoring input file has malformed lines; ``problems`` holds ``(line_number, message)``."""

    def __init__(self, path: Path | str, problems: list[tuple[int, str]]) -> None:
        self.path = str(path)
        self.problems = problems
        shown = "\n".join(f"  {self.path}:{line}: {msg}" for line, msg in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} malformed line(s) in {self.path}:\n{shown}{more}")


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def read_score_inputs(path: Path | str) -> list[ScoreInput]:
    """Parse a JSONL file into ``ScoreInput``s, or raise ``InputFileError`` listing every bad line."""
    from pydantic import ValidationError

    from evals.scoring.contract import ScoreInput

    inputs: list[ScoreInput] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append((number, f"not valid JSON ({e.msg} at column {e.colno})"))
                continue
            if not isinstance(record, dict):
                problems.append((number, f"expected a JSON object, got {type(record).__name__}"))
                continue
            if isinstance(record.get("id"), int):
                record["id"] = str(record["id"])
            try:
                item = ScoreInput.model_validate(record)
            except ValidationError as e:
                msg = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'line'}: {err['msg']}" for err in e.errors())
                problems.append((number, msg))
                continue
            if item.id in seen:
                problems.append((number, f"duplicate id {item.id!r} (first on line {seen[item.id]})"))
                continue
            seen[item.id] = number
            inputs.append(item)
    if problems:
        raise InputFileError(path, problems)
    return inputs


def parse_option_pairs(pairs: Sequence[str]) -> dict[str, Any]:
    """``["a=1", "b=true", "c=text"]`` -> ``{"a": 1, "b": True, "c": "text"}`` (values read as JSON when they parse)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"option {pair!r} is not of the form key=value")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def score_inputs(
    scorer_name: str,
    options: Mapping[str, Any] | None,
    inputs: Sequence[ScoreInput],
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score ``inputs``; returns (summary with bootstrap CIs, per-sample records).

    Summary: ``{"scorer", "options", "primary", "value", "ci", "ci_level",
    "ci_method", "n_clusters", "n", "n_score_errors", "unparsed", "metrics":
    {name: {"value", "ci_low", "ci_high", "n"}}, "notes": [...]}``; ``notes``
    holds what the scorer had to skip (SPICE without its jars); ``n`` counts the samples
    scored (a sample the scorer cannot score, or one without references, is a
    scoring error and left out); ``unparsed`` is the number of unparsed
    predictions for parsing scorers, else ``None``. Intervals resample whole
    clusters when inputs carry ``cluster`` ids that group them.
    Per-sample records: ``{"id", "prediction", **stats}``, with the scorer's
    ``internal_stats`` (corpus sufficient statistics) under ``stats``, plus ``extracted``,
    ``rule``, ``explanation`` and ``score_error`` when the scorer gave them.
    """
    from evals.scoring.contract import options_record, stats_table
    from evals.scoring.isolate import score_samples
    from evals.scoring.registry import get_scorer
    from evals.scoring.stats import aggregate_with_ci, ci_method

    scorer = get_scorer(scorer_name)
    parsed = scorer.parse_options(options)
    with warnings.catch_warnings(record=True) as caught:
        # Scorers warn about what they had to skip (SPICE without its jars): a note in the summary, as in a run's results.
        warnings.simplefilter("always")
        results = score_samples(scorer, list(inputs), parsed)
    rows = [r.stats for r in results if r.error is None]
    clusters = [item.cluster for item, r in zip(inputs, results) if r.error is None]
    table = stats_table(rows)
    metrics = aggregate_with_ci(scorer, table, parsed, n_resamples=n_resamples, seed=seed, alpha=alpha, clusters=clusters)
    metrics = {k: {kk: _finite(vv) for kk, vv in v.items()} for k, v in metrics.items()}
    method, n_clusters = ci_method(clusters, len(rows)) if n_resamples > 0 and rows else (None, None)
    primary = scorer.primary or next(iter(metrics), "")
    head = metrics.get(primary, {})
    summary = {
        "scorer": scorer.name,
        "options": options_record(parsed),
        "primary": primary,
        "value": head.get("value"),
        "ci": [head.get("ci_low"), head.get("ci_high")],
        "ci_level": 1 - alpha,
        "ci_method": method,
        "n_clusters": n_clusters,
        "n": len(rows),
        "n_score_errors": len(results) - len(rows),
        "unparsed": int(sum(r.get("unparsed", 0.0) for r in rows)) if "unparsed" in table else None,
        "metrics": metrics,
        "notes": sorted({str(w.message) for w in caught}),
    }
    samples = []
    for item, r in zip(inputs, results):
        extra = {"extracted": r.extracted, "rule": r.rule, "explanation": r.explanation, "score_error": r.error}
        samples.append({"id": item.id, "prediction": item.prediction, **_readable_stats(scorer.internal_stats, r.stats),
                        **{k: v for k, v in extra.items() if v is not None}})  # fmt: skip
    return summary, samples


def _readable_stats(internal: frozenset[str], stats: Mapping[str, float]) -> dict[str, Any]:
    """A sample's statistics, with those kept only for corpus aggregation (BLEU counts, METEOR's
    ``meteor_s0..22``) under ``stats`` so the per-sample metrics stay readable."""
    shown = {k: _finite(v) for k, v in stats.items() if k not in internal}
    hidden = {k: _finite(v) for k, v in stats.items() if k in internal}
    return {**shown, "stats": hidden} if hidden else shown


def _format_table(summary: dict[str, Any]) -> str:
    lines = [f"{summary['scorer']}  (n={summary['n']}, options={json.dumps(summary['options'])})"]
    width = max((len(k) for k in summary["metrics"]), default=6)
    for name, m in summary["metrics"].items():
        value = "nan" if m["value"] is None else f"{m['value']:.4f}"
        if m["ci_low"] is None:
            ci = ""
        else:
            ci = f"  [{m['ci_low']:.4f}, {m['ci_high']:.4f}]"
        mark = " *" if name == summary["primary"] else ""
        lines.append(f"  {name:<{width}}  {value}{ci}{mark}")
    if summary["unparsed"] is not None:
        lines.append(f"  unparsed predictions: {summary['unparsed']}")
    if summary["n_score_errors"]:
        lines.append(f"  scoring errors (left out): {summary['n_score_errors']}")
    lines.extend(f"  note: {note}" for note in summary.get("notes", []))
    if summary["ci_method"] == "cluster_bootstrap":
        lines.append(f"  intervals resample {summary['n_clusters']} clusters")
    lines.append("  * primary metric; [low, high]: 95% bootstrap interval")
    return "\n".join(lines)


def score_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT.jsonl", help="JSONL: one {id, prediction, references, \\[choices]} per line.", exists=True, dir_okay=False, readable=True)],
    metric: Annotated[str | None, typer.Option("--metric", "-m", help="Registered scorer name, e.g. vqa_accuracy, wer, caption.", rich_help_panel="Metric")] = None,
    task: Annotated[str | None, typer.Option("--task", "-t", help="Score with a task's own scorers and options instead of --metric.", rich_help_panel="Metric")] = None,
    option: Annotated[list[str] | None, typer.Option("--option", "-o", help="Scorer option key=value (repeatable); values are read as JSON when they parse.", rich_help_panel="Metric")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="Write per-sample scores to this JSONL file.", dir_okay=False, rich_help_panel="Output")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.", rich_help_panel="Output")] = False,
    n_resamples: Annotated[int, typer.Option("--resamples", min=0, help="Bootstrap resamples for the confidence interval (0: none).", rich_help_panel="Statistics")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.", rich_help_panel="Statistics")] = 0,
) -> None:
    """Score predictions in INPUT.jsonl with a metric (or a task's scorers), with bootstrap confidence intervals."""
    from pydantic import ValidationError

    from evals.scoring.registry import get_scorer

    if (metric is None) == (task is None):
        typer.echo("error: give exactly one of --metric NAME or --task TASK", err=True)
        raise typer.Exit(2)
    try:
        if task is not None:
            from evals.spec.catalog import load_task

            if option:
                raise ValueError("--option applies to --metric; a task's scorer options come from its YAML")
            plan = [(s.name, dict(s.options)) for s in load_task(task).scorers]
        else:
            plan = [(metric, parse_option_pairs(option or []))]
        for name, options in plan:
            get_scorer(name).parse_options(options)  # fail on bad options before reading anything
        inputs = read_score_inputs(input_path)
        if not inputs:
            raise ValueError(f"{input_path}: no predictions to score (the file has no JSON lines)")
    except (InputFileError, ValueError, KeyError, ValidationError) as e:
        typer.echo(f"error: {e.args[0] if isinstance(e, KeyError) else e}", err=True)
        raise typer.Exit(2) from None
    summaries, merged = [], [dict(id=i.id, prediction=i.prediction) for i in inputs]
    try:
        for name, options in plan:
            summary, samples = score_inputs(name, options, inputs, n_resamples=n_resamples, seed=seed)
            summaries.append(summary)
            for record, sample in zip(merged, samples):
                record.update({k: v for k, v in sample.items() if k not in ("id", "prediction")} if len(plan) == 1 else {name: {k: v for k, v in sample.items() if k not in ("id", "prediction")}})
    except (ValueError, RuntimeError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    if output is not None:
        with open(output, "w", encoding="utf-8") as f:
            for record in merged:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
    if json_output:
        typer.echo(json.dumps(summaries[0] if len(summaries) == 1 and task is None else {"task": task, "scorers": summaries}))
    else:
        typer.echo("\n".join(_format_table(s) for s in summaries))
