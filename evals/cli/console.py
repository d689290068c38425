"""Terminal output: progress (a bar per model and task on a terminal, periodic plain lines elsewhere) and the results tables.

Everything fits the terminal's width (80 columns off a terminal unless ``$COLUMNS`` says otherwise) without cutting a
word: names break only after ``_`` or ``.`` (see ``evals.cli.tables``).
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console, ConsoleOptions, RenderResult
from rich.progress import Progress, ProgressBar, Task
from rich.table import Table
from rich.text import Text

from evals.cli.tables import PATH_BREAKS, Col, FitTable, Wrapped, pipe_width
from evals.report.render_md import gap_verdict, p_text, signed
from evals.results import RunResults
from evals.run.runner import TaskProgress

console = Console(stderr=True, width=pipe_width(sys.stderr))

_LINE_EVERY_S = 10.0
_LABEL_BREAKS = PATH_BREAKS + " []="


def _rate(p: TaskProgress, elapsed: float) -> str:
    """New samples per second; a cached sample costs nothing, so it does not count."""
    if p.ran and elapsed >= 0.5:
        return f"{p.ran / elapsed:.1f} new/s"
    return "all cached" if p.done and p.cached == p.done else ""


def _clock(step: float) -> str:
    """0:42, 12:05, 1:02:03."""
    s = int(step)
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


def stats_pieces(done: int, total: float | None, cached: int, ran: int, errors: int, rate: str, elapsed: float | None,
                 remaining: float | None, finished: bool) -> list[tuple[int, str]]:
    """A progress line's pieces, in display order, each with its rank: the lower ranks stay on a narrow terminal."""
    count = f"{done}/{int(total)}" if total is not None else f"{done}"
    if finished:
        timing = [(3, f"took {_clock(elapsed or 0)}")]
    else:
        timing = [(6, _clock(elapsed or 0)), (3, f"ETA {_clock(remaining) if remaining is not None else '-:--'}")]
    return [(0, count), (2, f"cached {cached}"), (5, f"new {ran}"), (1, f"errors {errors}"), *([(4, rate)] if rate else []), *timing]


def fit_pieces(pieces: list[tuple[int, str]], room: int, sep: str = "  ") -> str:
    """The pieces that fit ``room`` cells, lowest rank first, joined in display order."""
    keep: set[int] = set()
    for rank in sorted({r for r, _ in pieces}):
        trial = keep | {i for i, (r, _) in enumerate(pieces) if r == rank}
        if len(sep.join(pieces[i][1] for i in sorted(trial))) > room and keep:
            break
        keep = trial
    return sep.join(pieces[i][1] for i in sorted(keep))


def _remaining(t: Task, elapsed: float) -> float | None:
    """Seconds left at the model's own pace so far (cached answers come at once and say nothing of it)."""
    ran = t.fields["ran"]
    if t.total is None or not ran or elapsed < 0.5:
        return None
    return max(t.total - t.completed, 0) * elapsed / ran


class _TaskLines:
    """One model and task: its label on a line of its own (broken only at separators), then the bar and the counts;
    once finished, one line (the label and its counts) when it fits."""

    _MIN_BAR, _MAX_BAR, _INDENT = 10, 40, 2

    def __init__(self, task: Task, now: float) -> None:
        self.task, self.now = task, now

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t, width = self.task, options.max_width
        f = t.fields
        elapsed = f["took"] if t.finished else self.now - f["started"]
        pieces = stats_pieces(int(t.completed), t.total, f["cached"], f["ran"], f["errors"], f["rate"], elapsed,
                              _remaining(t, elapsed), t.finished)
        label = Text(t.description, style="bold")
        if t.finished and label.cell_len + 2 + len(pieces[0][1]) <= width:
            yield label + Text("  " + fit_pieces(pieces, width - label.cell_len - 2))
            return
        stats = fit_pieces(pieces, max(width - self._INDENT - self._MIN_BAR - 1, 1))
        bar = max(1, min(self._MAX_BAR, width - self._INDENT - 1 - len(stats)))
        yield Wrapped(label, _LABEL_BREAKS)
        grid = Table.grid(padding=(0, 1, 0, 0))
        grid.add_column(width=self._INDENT - 1)
        grid.add_column(width=bar)
        grid.add_column(overflow="fold")
        grid.add_row("", ProgressBar(total=t.total, completed=t.completed, width=bar, pulse=t.total is None,
                                     animation_time=self.now), Text(stats, no_wrap=True, overflow="fold"))
        yield grid


class _Bars(Progress):
    """Rich's progress with ``_TaskLines`` per task, never taller than the terminal: the oldest finished tasks give
    way to a line counting them (rich would otherwise crop the display's bottom, the running task, with an ellipsis)."""

    def get_renderables(self):
        if not hasattr(self, "get_time"):  # rich renders once in its constructor, with no task yet
            return
        now = self.get_time()
        blocks = [(task, _TaskLines(task, now)) for task in self.tasks if task.visible]
        options = self.console.options
        heights = [len(self.console.render_lines(block, options, pad=False)) for _, block in blocks]
        room = max(self.console.height - 1, 3)
        hidden = 0
        while sum(heights) + (1 if hidden else 0) > room:
            done = next((i for i, (task, _) in enumerate(blocks) if task.finished), None)
            if done is None:
                break
            blocks.pop(done)
            heights.pop(done)
            hidden += 1
        if hidden:
            yield Text(f"{hidden} earlier task{'s' if hidden > 1 else ''} done", style="dim")
        for _, block in blocks:
            yield block


@contextmanager
def progress_display(enabled: bool = True) -> Iterator[Callable[[str, TaskProgress], None] | None]:
    """Yields an ``on_progress(label, TaskProgress)`` callback: a rich bar per label on a terminal, plain lines otherwise.

    Tasks run one after another, so a label's clock starts at the previous update of any label (its data loading and
    first batch included): the first update comes only once the first batch is done.
    """
    if not enabled:
        yield None
        return
    if not console.is_terminal:
        yield _plain_lines()
        return
    progress = _Bars(console=console, transient=False)
    ids: dict[str, int] = {}
    started: dict[str, float] = {}
    last = [time.monotonic()]

    def update(label: str, p: TaskProgress) -> None:
        now = time.monotonic()
        if label not in ids:
            started[label] = last[0]
            ids[label] = progress.add_task(label, total=p.total, cached=0, ran=0, errors=0, rate="", started=last[0], took=0.0)
        last[0] = now
        progress.update(ids[label], completed=p.done, cached=p.cached, ran=p.ran, errors=p.errors,
                        rate=_rate(p, now - started[label]), took=now - started[label])

    with progress:
        yield update


def _plain_lines() -> Callable[[str, TaskProgress], None]:
    """Progress as one clean line per label every few seconds and when it completes (logs, CI, pipes)."""
    started: dict[str, float] = {}
    last: dict[str, float] = {}
    previous = [time.monotonic()]

    def update(label: str, p: TaskProgress) -> None:
        now = time.monotonic()
        started.setdefault(label, previous[0])
        previous[0] = now
        finished = p.total is not None and p.done >= p.total
        if not finished and now - last.get(label, 0.0) < _LINE_EVERY_S:
            return
        last[label] = now
        total = f"/{p.total}" if p.total is not None else ""
        rate = _rate(p, now - started[label])
        console.print(f"{label}: {p.done}{total} samples (cached {p.cached}, new {p.ran}, errors {p.errors})"
                      f"{', ' + rate if rate else ''}, {now - started[label]:.0f}s", soft_wrap=True, highlight=False, markup=False)

    return update


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def _hidden(metric: str) -> bool:
    return metric in ("n", "dropped") or metric.endswith("_count")


def results_tables(runs: list[RunResults]) -> list[FitTable]:
    """One table per model, titled with its full name (never cut), rows per task and metric; the primary metric in bold.

    Each table is laid out for the width it is printed at: a task's name is said on its first row, broken only after
    ``_`` or ``.`` when its column is narrower."""
    tables = []
    for run in runs:
        rows = []
        for name, res in run.tasks.items():
            if res.status == "submitted":  # the benchmark's server scores it: the file to upload, never a number
                rows.append([name, Text("submitted"), Text(res.submission.path if res.submission else "-"), "-", str(res.n_samples),
                             str(res.n_errors), str(res.n_cached)])
                continue
            first = True
            for metric, mv in res.metrics.items():
                if _hidden(metric):
                    continue
                ci = f"[{_fmt(mv.ci_low)}, {_fmt(mv.ci_high)}]" if mv.ci_low is not None else "-"
                bold = "bold" if metric == res.primary_metric else ""
                rows.append([name if first else "", Text(metric, style=bold), Text(f"{mv.value:.4f}", style=bold), ci, str(mv.n),
                             str(res.n_errors + res.n_score_errors), str(res.n_cached)])
                first = False
        columns = [Col("task", key=True), Col("metric", key=True), Col("value", "right", None), Col("95% CI", "right", ""), Col("n", "right", None),
                   Col("errors", "right", None), Col("cached", "right", None)]
        tables.append(FitTable(columns, rows, title=Text(run.model, style="bold")))
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
