"""Terminal output: the progress bar and the results table."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.markup import escape
from rich.table import Table

from evals.results import RunResults
from evals.run.runner import TaskProgress

console = Console(stderr=True)


@contextmanager
def progress_display(enabled: bool = True) -> Iterator:
    """Yields an ``on_progress(task, TaskProgress)`` callback driving a rich progress bar."""
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} samples/s"), TextColumn("cached {task.fields[cached]} new {task.fields[ran]} errors {task.fields[errors]}"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False,
    )
    ids: dict[str, int] = {}

    def update(name: str, p: TaskProgress) -> None:
        if name not in ids:
            ids[name] = progress.add_task(name, total=p.total, cached=0, ran=0, errors=0, rate="-")
        task = progress.tasks[ids[name]]
        speed = task.speed
        progress.update(ids[name], completed=p.done, cached=p.cached, ran=p.ran, errors=p.errors, rate=f"{speed:.1f}" if speed else "-")

    with progress:
        yield update


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def results_table(runs: list[RunResults]) -> Table:
    table = Table(title="omnieval results", show_lines=False)
    for col in ("model", "task", "metric", "value", "95% CI", "n", "errors", "cached"):
        table.add_column(col, justify="right" if col in ("value", "n", "errors", "cached") else "left")
    for run in runs:
        for name, res in run.tasks.items():
            for metric, mv in res.metrics.items():
                if metric in ("n", "dropped") or metric.endswith("_count"):
                    continue
                ci = f"[{_fmt(mv.ci_low)}, {_fmt(mv.ci_high)}]" if mv.ci_low is not None else "-"
                primary = "[bold]" if metric == res.primary_metric else ""
                table.add_row(escape(run.model), escape(name), f"{primary}{escape(metric)}", f"{primary}{mv.value:.4f}", ci, str(res.n_scored), str(res.n_errors), str(res.n_cached))
    return table
