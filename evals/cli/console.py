"""Terminal output: progress (a bar per model and task on a terminal, periodic plain lines elsewhere) and the results tables."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from evals.report.render_md import gap_verdict, p_text, signed
from evals.results import RunResults
from evals.run.runner import TaskProgress

console = Console(stderr=True)

_LINE_EVERY_S = 10.0


def _rate(p: TaskProgress, elapsed: float) -> str:
    """New samples per second; a cached sample costs nothing, so it does not count."""
    if p.ran and elapsed > 0:
        return f"{p.ran / elapsed:.1f} new/s"
    return "all cached" if p.done and p.cached == p.done else ""


@contextmanager
def progress_display(enabled: bool = True) -> Iterator[Callable[[str, TaskProgress], None] | None]:
    """Yields an ``on_progress(label, TaskProgress)`` callback: a rich bar per label on a terminal, plain lines otherwise."""
    if not enabled:
        yield None
        return
    if not console.is_terminal:
        yield _plain_lines()
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TextColumn("cached {task.fields[cached]} new {task.fields[ran]} errors {task.fields[errors]}"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False,
    )
    ids: dict[str, int] = {}
    started: dict[str, float] = {}

    def update(label: str, p: TaskProgress) -> None:
        if label not in ids:
            ids[label] = progress.add_task(escape(label), total=p.total, cached=0, ran=0, errors=0, rate="")
            started[label] = time.monotonic()
        progress.update(ids[label], completed=p.done, cached=p.cached, ran=p.ran, errors=p.errors,
                        rate=_rate(p, time.monotonic() - started[label]))

    with progress:
        yield update


def _plain_lines() -> Callable[[str, TaskProgress], None]:
    """Progress as one clean line per label every few seconds and when it completes (logs, CI, pipes)."""
    started: dict[str, float] = {}
    last: dict[str, float] = {}

    def update(label: str, p: TaskProgress) -> None:
        now = time.monotonic()
        started.setdefault(label, now)
        finished = p.total is not None and p.done >= p.total
        if not finished and now - last.get(label, 0.0) < _LINE_EVERY_S:
            return
        last[label] = now
        total = f"/{p.total}" if p.total is not None else ""
        rate = _rate(p, now - started[label])
        console.print(f"{escape(label)}: {p.done}{total} samples (cached {p.cached}, new {p.ran}, errors {p.errors})"
                      f"{', ' + rate if rate else ''}, {now - started[label]:.0f}s", soft_wrap=True, highlight=False)

    return update


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def _hidden(metric: str) -> bool:
    return metric in ("n", "dropped") or metric.endswith("_count")


def results_tables(runs: list[RunResults]) -> list[Table]:
    """One table per model, titled with its full name (never cut), rows per task and metric; the primary metric in bold."""
    tables = []
    for run in runs:
        table = Table(title=escape(run.model), title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, expand=False)
        table.add_column("task", overflow="fold")
        table.add_column("metric", overflow="fold")
        for col in ("value", "95% CI", "n", "errors", "cached"):
            table.add_column(col, justify="right", no_wrap=True)
        for name, res in run.tasks.items():
            for metric, mv in res.metrics.items():
                if _hidden(metric):
                    continue
                ci = f"[{_fmt(mv.ci_low)}, {_fmt(mv.ci_high)}]" if mv.ci_low is not None else "-"
                bold = "[bold]" if metric == res.primary_metric else ""
                table.add_row(escape(name), f"{bold}{escape(metric)}", f"{bold}{mv.value:.4f}", ci, str(mv.n),
                              str(res.n_errors + res.n_score_errors), str(res.n_cached))
        tables.append(table)
    return tables



def comparison_lines(runs: list[RunResults], board: dict | None) -> list[str]:
    """After a run: each model against each task's best on the same samples (the leaderboard's paired test, ``board``
    built from this command's runs; None with one model), then every subgroup field's largest gap per model and task."""
    lines = []
    if board is not None:
        cols = {c["key"]: c for c in board["columns"]}
        cells = sorted(board["cells"], key=lambda c: (c["column"], c["rank"], c["model"]))
        best = {c["column"]: c for c in cells if c["is_top"]}
        for c in cells:
            if cols[c["column"]]["n_models"] < 2 or c["is_top"] or c["column"] not in best:
                continue
            top = best[c["column"]]
            vs = ("not tested (too few shared samples)" if c["p_vs_top"] is None
                  else f"{signed(-c['diff_vs_top'], 4)} from the best, {p_text(c['p_vs_top'])}")
            lines.append(f"paired: {c['column']} {c['metric']}: {c['model']} {_fmt(c['value'])} against {top['model']} "
                         f"{_fmt(top['value'])}: {vs}, n={c['n']}")
    condition_tasks = {c.condition_task for run in runs for c in run.robustness or []}
    for run in runs:
        for name, res in run.tasks.items():
            for report in res.subgroups if name not in condition_tasks else []:
                g = report.gap
                if g is None:
                    continue
                small = f" (under 30 samples: {', '.join(g.small_groups)})" if g.small_groups else ""
                head = f"groups: {run.model} {name} by {report.field}: {g.metric}"
                if g.gap == 0:
                    lines.append(f"{head}: no gap, every group {_fmt(report.groups[g.worst][g.metric].value)}{small}")
                    continue
                ci = f" [{signed(g.ci_low, 4)}, {signed(g.ci_high, 4)}]" if g.ci_low is not None else ""
                significant = g.significant if g.significant is not None or g.p_value is None else g.p_value < 0.05
                lines.append(f"{head} worst {g.worst} {_fmt(report.groups[g.worst][g.metric].value)}, best {g.best} "
                             f"{_fmt(report.groups[g.best][g.metric].value)}, gap {g.gap:.4f}{ci}, {p_text(g.p_value)}: "
                             f"{gap_verdict(g.gap, significant)}{small}")
    return lines
