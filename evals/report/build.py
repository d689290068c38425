"""Runs -> one leaderboard: the JSON-able record every renderer (MD, CSV, HTML, plots) reads.

``build_leaderboard`` does the work (read, check comparability, bootstrap);
``write_reports`` writes ``leaderboard.{md,csv,json}``, ``index.html``,
``tasks/<task>.html`` with their media, and ``plots/*.png``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from evals.names import safe_name
from evals.scoring.reducers import get_reducer
from evals.report.compare import (DEFAULT_MIN_SHARED, RankedColumn, column_stats, overall_block, overall_ranks,
                                  primary_scorer_name, read_sample_stats, select_columns)
from evals.report.index import LeaderboardError, RunEntry, results_frame
from evals.report.views import condition_order, condition_tasks, fairness_view, robustness_view

LEADERBOARD_SCHEMA_VERSION = 4  # 3: robustness and fairness views; 4: condition columns apart (condition_columns, condition_cells)

FLAGS = {
    "partial": "partial run: a subset of the split (--limit); a complete run of the same task is used when there is one",
    "prompt_override": "prompt override: not the task's own prompt",
    "errors": "some requests failed and were not scored",
    "unparsed": "some answers could not be parsed",
}


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _plain(x: Any) -> Any:
    """A manifest value as plain JSON (pydantic models dumped)."""
    if hasattr(x, "model_dump"):
        return x.model_dump(mode="json")
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _judges(entry: RunEntry, tasks: list[str]) -> dict[str, Any]:
    """The judge of each of ``tasks`` (task -> identity) when the run recorded one, on the manifest or the task result."""
    out: dict[str, Any] = {}
    run_judge = getattr(entry.manifest, "judge", None) if entry.manifest is not None else None
    for task in tasks:
        t = entry.results.tasks.get(task)
        judge = getattr(t, "judge", None) if t is not None else None
        judge = judge if judge is not None else run_judge
        if judge:
            out[task] = _plain(judge)
    return out


def run_provenance(entry: RunEntry, tasks: list[str]) -> dict[str, Any]:
    """When, how and on what a run ran (from its manifest), for the tasks a leaderboard takes from it."""
    m = entry.manifest
    rescored = sorted({t.rescored.from_run for name, t in entry.results.tasks.items() if name in tasks and t.rescored})
    # A published page does not name the machine: the host's hostname stays in the manifest only.
    return {
        "run_id": entry.run_id, "run_dir": str(entry.path), "tasks": sorted(tasks),
        "started": m.started if m else None, "finished": m.finished if m else None,
        "omnieval_version": m.omnieval_version if m else None, "git_commit": m.git_commit if m else None,
        "command": list(m.command) if m else None, "host": {k: v for k, v in _plain(m.host).items() if k != "hostname"} if m else {}, "packages": dict(m.packages) if m else {},
        "seed": m.seed if m else None, "judges": _judges(entry, tasks), "rescored_from": rescored,
    }


def _column_stats(job: tuple[Any, int, int, float, int]):
    """One column's statistics from every model's records of its task (read here); runs in a worker process too."""
    col, n_resamples, seed, alpha, min_shared = job
    scorer = primary_scorer_name(col.scorers, col.primary_metric)
    # The question reducer each run recorded (circular rotations, ``fields.group`` copies): paired tests and rank
    # intervals count questions exactly as the cell's metric did.
    samples = [read_sample_stats(run_dir, col.task, scorer, 0, combine=get_reducer(reducer))[0]
               for run_dir, reducer in zip(col.rows.run_dir, col.rows.reducer)]
    return column_stats(col, samples, n_resamples, seed, alpha, min_shared=min_shared)


def _columns_stats(columns: list[Any], n_resamples: int, seed: int, alpha: float, min_shared: int) -> list[Any]:
    """``_column_stats`` of each column, in order; columns are independent, so several at once on several cores
    (each has its own seed-determined bootstrap: the same numbers however many processes)."""
    return _on_cores(_column_stats, [(col, n_resamples, seed, alpha, min_shared) for col in columns])


def build_leaderboard(
    entries: list[RunEntry],
    allow_mixed: bool = False,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    max_samples: int = 50,
    min_shared: int = DEFAULT_MIN_SHARED,
) -> dict[str, Any]:
    """The leaderboard record for ``entries``; raises ``LeaderboardError`` when tasks are not comparable.

    Per (model, task) the most complete result is used, then the newest
    (``compare.pick_results``). Paired tests need ``min_shared`` shared
    samples. The overall rank covers only models that have the same task
    columns (``compare.overall_block``); the others get per-task ranks.
    A task run under a robustness condition (``views.condition_tasks``) is a
    *condition column*: ``condition_columns`` and ``condition_cells``, read by
    the robustness view, mildest first; it is not one of ``columns``, so it
    is neither in the main table nor in the overall rank.
    ``max_samples``: samples per task whose media the task pages copy (the
    pages list every sample). ``"_viewer"`` tells the task pages where each
    model's sample records are (not written to ``leaderboard.json``).
    """
    frame = results_frame(entries)
    columns, superseded = select_columns(frame, allow_mixed=allow_mixed)
    under = condition_tasks(entries)  # condition task -> (clean task, condition)
    ranked: list[RankedColumn] = []
    cells: list[dict[str, Any]] = []
    col_records: list[dict[str, Any]] = []
    cond_cells: list[dict[str, Any]] = []
    cond_records: list[dict[str, Any]] = []
    viewer: dict[str, dict[str, Any]] = {}
    # A task scored by its benchmark's server (answers withheld) has no number here: its cells say "submitted" and its
    # column is never ranked, tested or counted in the overall rank.
    submitted = [col for col in columns if any(isinstance(x, dict) for x in col.rows.submission)]
    for col in submitted:
        condition = under.get(col.task)  # a condition task: the robustness view's, as for scored tasks
        extra = {} if condition is None else {"clean_task": condition[0], "condition": condition[1]}
        (col_records if condition is None else cond_records).append({**_submitted_column(col), **extra})
        (cells if condition is None else cond_cells).extend({**_submitted_cell(col, r), **extra} for r in col.rows.itertuples())
    columns = [col for col in columns if col.key not in {c.key for c in submitted}]
    for col, st in zip(columns, _columns_stats(columns, n_resamples, seed, alpha, min_shared)):
        scorer = primary_scorer_name(col.scorers, col.primary_metric)
        rows = list(col.rows.itertuples())
        for r in rows:
            v = viewer.setdefault(col.task, {"scorer": scorer, "metric": col.primary_metric, "runs": {}})
            v["runs"].setdefault(r.model, {"run_dir": r.run_dir, "origin": r.origin, "run_id": r.run_id})
        condition = under.get(col.task)
        if not col.variant and condition is None:
            ranked.append(RankedColumn(col.key, list(col.rows.model), col.rows.metric_value.to_numpy(dtype=float),
                                       col.lower_is_better, st.resample_values))
        extra = {} if condition is None else {"clean_task": condition[0], "condition": condition[1]}
        (col_records if condition is None else cond_records).append({
            "key": col.key, "task": col.task, "variant": col.variant, "metric": col.primary_metric,
            "lower_is_better": col.lower_is_better, "modality": col.modality, "kind": col.kind,
            "task_hash": col.task_hash, "spec_hash": col.spec_hash, "revision": col.revision,
            "scorers": json.loads(col.scorers), "n_models": len(col.rows), "n_shared_samples": st.n_shared,
            "tested": st.tested, "top": col.rows.model[st.top] if st.top is not None else None, "notes": st.notes, **extra,
        })
        for i, r in enumerate(rows):
            flags = [f for f, on in (("partial", r.partial), ("prompt_override", r.prompt_override),
                                     ("errors", r.n_errors > 0), ("unparsed", r.n_unparsed > 0)) if on]
            (cells if condition is None else cond_cells).append({
                "model": r.model, "column": col.key, "task": col.task, "variant": col.variant, "metric": col.primary_metric,
                "value": _num(r.metric_value), "ci_low": _num(r.ci_low), "ci_high": _num(r.ci_high), "n": int(r.n),
                "rank": int(st.rank[i]), "rank_low": st.rank_low[i], "rank_high": st.rank_high[i],
                "is_top": i == st.top, "tied_with_top": st.tied_with_top[i], "p_vs_top": _num(st.p_vs_top[i]),
                "diff_vs_top": _num(st.diff_vs_top[i]), "tested": st.tested, "flags": flags, "n_samples": int(r.n_samples),
                "n_scored": int(r.n_scored), "n_errors": int(r.n_errors), "n_unparsed": int(r.n_unparsed),
                "selection": r.selection, "limit": None if r.limit is None or (isinstance(r.limit, float) and math.isnan(r.limit)) else int(r.limit),
                "prompt_override": bool(r.prompt_override), "task_hash": r.task_hash, "revision": r.revision,
                "run_id": r.run_id, "run_dir": r.run_dir, "notes": list(r.notes), **extra,
            })
    # Condition columns: by clean task, then mildest first (white_noise:20, 10, 0), never as text.
    mildest = {c: i for i, c in enumerate(condition_order(entries))}
    cond_records.sort(key=lambda c: (c["clean_task"], mildest.get(c["condition"], len(mildest)), c["variant"], c["key"]))
    place = {c["key"]: i for i, c in enumerate(cond_records)}
    cond_cells.sort(key=lambda c: place[c["column"]])
    model_info: dict[str, dict[str, Any]] = {}
    for model, model_name, model_hash in zip(frame.model, frame.model_name, frame.model_hash):
        model_info.setdefault(model, {"model": model, "model_name": model_name, "model_hash": model_hash})
    coverage: dict[str, set[str]] = {m: set() for m in model_info}
    for rc in ranked:
        for m in rc.models:
            coverage[m].add(rc.key)
    block_models, block_cols, overall_note = overall_block(coverage)
    overall = overall_ranks(block_models, [rc for rc in ranked if rc.key in set(block_cols)], n_resamples, alpha) if block_models else {}
    by_dir = {str(e.path): e for e in entries}
    used: dict[str, dict[str, list[str]]] = {}
    for c in cells + cond_cells:
        used.setdefault(c["model"], {}).setdefault(c["run_dir"], []).append(c["task"])
    models = []
    for name, info in model_info.items():
        runs = [run_provenance(by_dir[d], tasks) for d, tasks in used.get(name, {}).items() if d in by_dir]
        runs.sort(key=lambda r: (r["started"] or "", r["run_id"]))
        o = overall.get(name, {})
        models.append({**info, "rank": o.get("rank"), "rank_low": o.get("rank_low"), "rank_high": o.get("rank_high"),
                       "mean_rank": o.get("mean_rank"), "in_overall": name in overall, "n_tasks": len(coverage[name]),
                       "tasks": sorted(coverage[name]), "runs": runs})
    # Ranked models first; then the others grouped by their first task column, best first within it.
    order = {rc.key: i for i, rc in enumerate(ranked)}
    col_rank = {(c["model"], c["column"]): c["rank"] for c in cells}

    def sort_key(d: dict[str, Any]) -> tuple:
        if d["in_overall"]:
            return (0, d["rank"], 0, 0, d["model"])
        first = min(d["tasks"], key=order.__getitem__, default=None)
        return (1, -d["n_tasks"], order.get(first, len(order)), col_rank.get((d["model"], first), 0), d["model"])

    models.sort(key=sort_key)
    return {
        "schema_version": LEADERBOARD_SCHEMA_VERSION,
        "generated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "settings": {"n_resamples": n_resamples, "seed": seed, "alpha": alpha, "allow_mixed": allow_mixed, "min_shared": min_shared},
        "flags": FLAGS,
        "overall": {"models": block_models, "columns": block_cols, "note": overall_note,
                    "n_columns": len(ranked)},
        "models": models,
        "columns": col_records,
        "cells": cells,
        "condition_columns": cond_records,
        "condition_cells": cond_cells,
        "runs": [{"run_id": e.run_id, "run_dir": str(e.path), "model": e.results.model, "model_hash": e.results.model_hash,
                  "started": e.started, "tasks": sorted(e.results.tasks)} for e in entries],
        "superseded": superseded,
        "robustness": robustness_view(entries, col_records + cond_records, cells + cond_cells, alpha),
        "fairness": fairness_view(entries, col_records, cells, alpha),
        "_viewer": viewer,
        "_media_samples": max_samples,
    }


def _submitted_column(col: Any) -> dict[str, Any]:
    """The column record of a task scored by its benchmark's server: the same keys as a scored column's, no statistics."""
    return {"key": col.key, "task": col.task, "variant": col.variant, "metric": col.primary_metric, "lower_is_better": False,
            "modality": col.modality, "kind": col.kind, "task_hash": col.task_hash, "spec_hash": col.spec_hash,
            "revision": col.revision, "scorers": json.loads(col.scorers), "n_models": len(col.rows), "n_shared_samples": 0,
            "tested": False, "top": None, "submitted": True,
            "notes": ["scored by the benchmark's server: each run wrote its submission file; not ranked"]}


def _submitted_cell(col: Any, r: Any) -> dict[str, Any]:
    """A "submitted" cell: no value, no rank; the submission file's path (in its run directory), format and counts."""
    flags = [f for f, on in (("partial", r.partial), ("prompt_override", r.prompt_override), ("errors", r.n_errors > 0)) if on]
    return {"model": r.model, "column": col.key, "task": col.task, "variant": col.variant, "metric": col.primary_metric,
            "value": None, "ci_low": None, "ci_high": None, "n": 0, "rank": None, "rank_low": None, "rank_high": None,
            "is_top": False, "tied_with_top": False, "p_vs_top": None, "diff_vs_top": None, "tested": False, "flags": flags,
            "n_samples": int(r.n_samples), "n_scored": int(r.n_scored), "n_errors": int(r.n_errors), "n_unparsed": int(r.n_unparsed),
            "selection": r.selection, "limit": None if r.limit is None or (isinstance(r.limit, float) and math.isnan(r.limit)) else int(r.limit),
            "prompt_override": bool(r.prompt_override), "task_hash": r.task_hash, "revision": r.revision,
            "run_id": r.run_id, "run_dir": r.run_dir, "notes": list(r.notes), "submitted": True, "submission": r.submission}


def public_record(board: dict[str, Any]) -> dict[str, Any]:
    """The leaderboard without the in-memory viewer data (what ``leaderboard.json`` holds)."""
    return {k: v for k, v in board.items() if not k.startswith("_")}


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(x: Any) -> Any:
    """A text cell a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a leading ``'``.

    Only text: numbers (negative ones too) stay numbers.
    """
    return "'" + x if isinstance(x, str) and x.startswith(_FORMULA_START) else x


def cells_frame(board: dict[str, Any]) -> "pandas.DataFrame":  # noqa: F821
    """The long table of cells (one row per model and column), as written to ``leaderboard.csv``: the main table's
    cells, then the condition columns' (``condition``: e.g. ``white_noise:20``, empty for the main table's; they do not
    count towards the overall rank).

    Text cells are neutralised against spreadsheet formula injection (``csv_safe``).
    """
    import pandas as pd

    rows = []
    cols = {c["key"]: c for c in board["columns"] + board.get("condition_columns", [])}
    overall = {m["model"]: m for m in board["models"]}
    for c in board["cells"] + board.get("condition_cells", []):
        col = cols[c["column"]]
        rows.append({
            "model": c["model"], "model_hash": overall[c["model"]]["model_hash"], "overall_rank": overall[c["model"]]["rank"],
            "overall_rank_low": overall[c["model"]]["rank_low"], "overall_rank_high": overall[c["model"]]["rank_high"],
            "column": c["column"], "task": c["task"], "variant": c["variant"], "condition": c.get("condition", ""), "modality": col["modality"], "kind": col["kind"],
            "metric": c["metric"], "lower_is_better": col["lower_is_better"], "value": c["value"], "ci_low": c["ci_low"],
            "ci_high": c["ci_high"], "n": c["n"], "rank": c["rank"], "rank_low": c["rank_low"], "rank_high": c["rank_high"],
            "tied_with_top": c["tied_with_top"], "p_vs_top": c["p_vs_top"], "flags": ";".join(c["flags"]),
            "n_samples": c["n_samples"], "n_scored": c["n_scored"], "n_errors": c["n_errors"], "n_unparsed": c["n_unparsed"],
            "selection": c["selection"], "task_hash": c["task_hash"], "revision": c["revision"], "run_id": c["run_id"],
        })
    rows = [{k: csv_safe(v) for k, v in row.items()} for row in rows]
    return pd.DataFrame(rows)


def write_reports(board: dict[str, Any], out: Path, data_dir: str | None = None, plots: bool = True,
                  media: bool = True, media_samples: int | None = None) -> list[Path]:
    """Write every output of the leaderboard under ``out``; returns the files written.

    The build is written into a new folder beside ``out`` and switched in whole when complete (``_switch_in``): a
    build that is killed, or fails (a full disk), leaves the previous one as it was, and no file of an earlier build
    (a task page of a task no longer there) survives a new one.

    ``media_samples``: per task, how many samples' media the task page copies
    (default: the ``max_samples`` the board was built with).
    """
    staging = _staging_folder(out)
    try:
        written = _write_all(board, staging, data_dir, plots, media, media_samples)
        _switch_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / p.relative_to(staging) for p in written]


def _staging_folder(out: Path) -> Path:
    """A new hidden folder beside ``out`` to build into; left-overs of builds whose process is gone are removed first.

    ``out`` must be a leaderboard folder already (it holds ``leaderboard.json``), empty, or absent: the switch replaces
    it whole, so a folder of anything else is refused rather than replaced."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "leaderboard.json").is_file())):
        raise LeaderboardError(f"--out {out}: exists and is not a leaderboard folder (no leaderboard.json): "
                               "choose a new folder, or one an earlier leaderboard wrote")
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.*-*-*"):
        m = re.fullmatch(rf"\.{re.escape(out.name)}\.(building|old)-(\d+)-[0-9a-f]+", stale.name)
        if m and not _alive(int(m.group(2))):
            shutil.rmtree(stale, ignore_errors=True)
    staging = out.parent / f".{out.name}.building-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    return staging


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _switch_in(staging: Path, out: Path) -> None:
    """Put the finished build at ``out``: a reader finds the old build whole, then (after a moment with no folder) the
    new one whole, never a mix; a build killed before this point leaves ``out`` as it was."""
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)


_PAGE_BOARD: dict[str, Any] = {}
"""The board the task pages are written from: set before the workers are forked, so each has it without a copy sent."""


def page_workers(n_jobs: int) -> int:
    """Processes that read columns or write task pages: one a core, at most 8, and at least 4 columns or pages each."""
    return max(1, min(n_jobs // 4, os.cpu_count() or 1, 8))


def _on_cores(fn: Any, jobs: list[Any]) -> list[Any]:
    """``fn`` of each job, in order, on ``page_workers`` forked processes that end with this one (``map_forked``)."""
    from evals.report.pool import map_forked

    return map_forked(fn, jobs, page_workers(len(jobs)))


def _task_page(job: tuple[str, Path, str | None, bool, int]) -> Path:
    """Write one task's page (its sample viewer, media copied beside it); runs in a worker process."""
    from evals.report.render_html import render_task_page
    from evals.report.viewer import viewer_samples

    task, path, data_dir, media, media_samples = job
    data = viewer_samples(_PAGE_BOARD, task, path.parent, data_dir=data_dir, media=media, media_samples=media_samples)
    path.write_text(render_task_page(_PAGE_BOARD, task, data))
    return path


def _write_all(board: dict[str, Any], out: Path, data_dir: str | None, plots: bool, media: bool,
               media_samples: int | None) -> list[Path]:
    from evals.report.render_html import render_index
    from evals.report.render_md import render_markdown

    written = []
    (out / "leaderboard.json").write_text(json.dumps(public_record(board), indent=2, allow_nan=False))
    written.append(out / "leaderboard.json")
    cells_frame(board).to_csv(out / "leaderboard.csv", index=False)
    written.append(out / "leaderboard.csv")
    (out / "leaderboard.md").write_text(render_markdown(board))
    written.append(out / "leaderboard.md")
    pages: dict[str, str] = {}
    used: set[str] = set()
    for task in sorted(board["_viewer"]):
        name = safe_name(task)
        while name in used:
            name += "_"
        used.add(name)
        pages[task] = f"tasks/{name}.html"
    (out / "tasks").mkdir(exist_ok=True)
    per_page = board.get("_media_samples", 50) if media_samples is None else media_samples
    _PAGE_BOARD.update(board)
    try:  # each page reads every model's records of its task: independent, CPU-bound work
        written += _on_cores(_task_page, [(task, out / rel, data_dir, media, per_page) for task, rel in pages.items()])
    finally:
        _PAGE_BOARD.clear()
    (out / "index.html").write_text(render_index(board, pages))
    written.append(out / "index.html")
    if plots:
        from evals.report.plots import write_plots

        written += write_plots(board, out / "plots")
    return written
