"""``omnieval leaderboard`` and ``omnieval runs list|show`` (mounted by ``evals.cli.main``).

Module-level imports stay light: pandas, numpy and matplotlib load inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer


def _index_path(index: Optional[Path]) -> Path:
    from evals.report.index import default_index_path

    return index or default_index_path()


def _say_skipped(lines: list[str]) -> None:
    """One stderr line per run passed over (unreadable, unsafe, or unfinished), its names as plain text."""
    from evals.cli.tables import plain, stdout_console

    err = stdout_console(stderr=True)
    for line in lines:
        err.print(plain(f"skipped: {line}"), soft_wrap=True)


def leaderboard_command(
    run_dirs: Annotated[list[Path], typer.Argument(help="Run directories, or directories holding them (e.g. runs/).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Report directory: leaderboard.{md,csv,json}, index.html, tasks/, plots/.", rich_help_panel="Output")] = Path("reports/leaderboard"),
    allow_mixed: Annotated[bool, typer.Option("--allow-mixed", help="Show results with a different task hash, dataset revision or metric options in separate columns instead of refusing.", rich_help_panel="Comparability")] = False,
    resamples: Annotated[int, typer.Option("--resamples", min=0, help="Bootstrap resamples for rank intervals and paired tests (0: none).", rich_help_panel="Statistics")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.", rich_help_panel="Statistics")] = 0,
    samples: Annotated[int, typer.Option("--samples", min=0, metavar="N", help="Per task, samples whose media (images, audio, video) the task page copies: the first N, and N more that some model got wrong. The pages list every sample.", rich_help_panel="Output")] = 50,
    min_shared: Annotated[int, typer.Option("--min-shared", min=1, metavar="N", help="Fewest shared samples (or clusters of them) on which paired significance tests are run.", rich_help_panel="Statistics")] = 30,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", envvar="OMNIEVAL_DATA_DIR", help="Offline mirror root, to re-read media for the viewer (default: the run's own).", rich_help_panel="Output")] = None,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Also write plots/*.png with matplotlib (for papers and slides; index.html draws every chart itself). Takes several times as long as the rest.", rich_help_panel="Output")] = False,
    unfinished: Annotated[bool, typer.Option("--unfinished", help="Include runs that never finished (killed, or still running): they are left out by default.", rich_help_panel="Comparability")] = False,
    media: Annotated[bool, typer.Option("--media/--no-media", help="Re-read images/audio for the task pages' viewer.", rich_help_panel="Output")] = True,
    index: Annotated[Optional[Path], typer.Option("--index", help="Runs index (SQLite). Default: ~/.cache/omnieval/runs.sqlite.", rich_help_panel="Output")] = None,
) -> None:
    """Build a leaderboard (Markdown, CSV, JSON, HTML, plots) from run directories."""
    from evals.report.build import build_leaderboard, write_reports
    from evals.report.index import LeaderboardError, RunsIndex, scan_runs

    entries, skipped = scan_runs(run_dirs, unfinished=unfinished)
    _say_skipped(skipped)  # a run that cannot be read, or is not safe to, is passed over: the others still make a board
    if not entries:
        raise LeaderboardError(f"no run to rank under {', '.join(map(str, run_dirs))}" + (f" ({len(skipped)} skipped)" if skipped else ""))
    with RunsIndex(_index_path(index)) as idx:
        idx.register(entries)
    board = build_leaderboard(entries, allow_mixed=allow_mixed, n_resamples=resamples, seed=seed, max_samples=samples,
                              min_shared=min_shared)
    write_reports(board, out, data_dir=str(data_dir) if data_dir else None, plots=plots, media=media)
    n_main = board["overall"]["n_columns"]
    per_task: dict[str, list[str]] = {}
    for c in board["cells"]:
        if not c["variant"]:
            per_task.setdefault(c["model"], []).append(f"{c['column']} " + ("submitted" if c.get("submitted") else f"#{c['rank']}"))
    lines = [(f"{m['rank']:>3}" if m["rank"] is not None else "  –")
             + (f" ({m['rank_low']}–{m['rank_high']})" if m["rank_low"] is not None else "")
             + f"  {m['model']}  [{m['n_tasks']} of {n_main} task(s)"
             + ("" if m["rank"] is not None else ": " + ", ".join(per_task.get(m["model"], []))) + "]" for m in board["models"]]
    typer.echo(f"{len(entries)} run(s), {len(board['columns'])} column(s), {len(board['models'])} model(s)")
    typer.echo(board["overall"]["note"])
    typer.echo("\n".join(lines))
    flagged = sum(1 for c in board["cells"] if c["flags"])
    if flagged:
        typer.echo(f"{flagged} flagged result(s) (partial, prompt override, errors): see {out / 'leaderboard.md'}")
    if board["superseded"]:
        typer.echo(f"{len(board['superseded'])} other result(s) of the same model and task set aside (less complete or older): "
                   f"see {out / 'leaderboard.md'}")
    typer.echo(f"wrote {out}/leaderboard.md, leaderboard.csv, leaderboard.json, index.html")


runs_app = typer.Typer(help="Runs on disk and the index of runs seen (SQLite).", no_args_is_help=True)

DEFAULT_RUNS_DIR = Path("runs")  # where `omnieval run` writes by default


@runs_app.command("list")
def runs_list(
    run_dirs: Annotated[Optional[list[Path]], typer.Argument(help="Directories to scan: run directories, or directories holding them (any depth). Default: ./runs when it exists.", show_default=False)] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Only runs whose model name contains this.")] = None,
    task: Annotated[Optional[str], typer.Option("--task", "-t", help="Only runs that include this task.")] = None,
    all_runs: Annotated[bool, typer.Option("--all", help="With directories: list every indexed run, not only those found there.")] = False,
    index: Annotated[Optional[Path], typer.Option("--index", help="Runs index (SQLite). Default: ~/.cache/omnieval/runs.sqlite.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List runs, newest first: those found under the given directories (scanned and indexed now), else every indexed run.

    With no directory, ./runs (the default output of `omnieval run`) is scanned first when it exists, so fresh runs show up without a leaderboard having read them. A run directory that cannot be read is reported and skipped.
    """
    from evals.report.index import RunsIndex, scan_runs

    scan = list(run_dirs or [])
    only_scanned = bool(scan) and not all_runs
    if not scan and DEFAULT_RUNS_DIR.is_dir() and any(DEFAULT_RUNS_DIR.rglob("results.json")):
        scan = [DEFAULT_RUNS_DIR]
    with RunsIndex(_index_path(index)) as idx:
        found = []
        if scan:
            found, problems = scan_runs(scan)
            _say_skipped(problems)
            n = idx.register(found)
            typer.echo(f"found {n} run(s) under {', '.join(map(str, scan))}; indexed in {idx.path}", err=True)
        rows = idx.list(model=model, task=task, paths=[e.path for e in found] if only_scanned else None)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from evals.cli.tables import PATH_BREAKS, Col, FitTable, plain, stdout_console

    columns = [Col("run id", breaks=PATH_BREAKS, key=True), Col("model", breaks=PATH_BREAKS), Col("tasks", breaks=" ,"),
               Col("started", breaks=":T", optional=2), Col("path", breaks=PATH_BREAKS, optional=1)]
    rows = [[plain(r["run_id"]), plain(r["model"]), plain((r["tasks"] or "").replace(",", ", ")), plain(r["started"]), plain(r["path"])]
            for r in rows]
    stdout_console().print(FitTable(columns, rows, title=f"runs ({len(rows)})",
                                    left_out="{columns} left out at this width: see `omnieval runs show RUN_ID` or --json"))


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    index: Annotated[Optional[Path], typer.Option("--index", help="Runs index (SQLite). Default: ~/.cache/omnieval/runs.sqlite.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one run: where it is, its model and each task's primary metric."""
    from evals.report.index import RunsIndex

    with RunsIndex(_index_path(index)) as idx:
        run = idx.show(run_id)
    if as_json:
        typer.echo(json.dumps(run, indent=2))
        return
    from evals.cli.tables import PATH_BREAKS, Col, FitTable, Wrapped, plain, stdout_console

    console = stdout_console()
    for line in (plain(run["run_id"]), plain(f"  model {run['model']} (hash {run['model_hash']})"), plain(f"  path {run['path']}"),
                 plain(f"  started {run['started']}  finished {run['finished']}  omnieval {run['omnieval_version']}  git {run['git_commit']}")):
        console.print(Wrapped(line, PATH_BREAKS))
    rows = []
    for t in run["tasks"]:
        ci = f"[{t['ci_low']:.4f}, {t['ci_high']:.4f}]" if t["ci_low"] is not None and t["ci_high"] is not None else ""
        value = f"{t['value']:.4f}" if t["value"] is not None else ""
        rows.append([plain(t["task"]), plain(t["primary_metric"]), value, ci, str(t["n_samples"]), str(t["n_errors"]),
                     plain(t["selection"]), plain(t["task_hash"])])
    console.print(FitTable([Col("task", key=True), Col("metric"), Col("value", "right", None), Col("95% CI", breaks=" "),
                            Col("samples", "right", None), Col("errors", "right", None), Col("selection", breaks=PATH_BREAKS, optional=2),
                            Col("task hash", breaks=None, optional=1)], rows,
                           left_out="{columns} left out at this width: see --json"))
