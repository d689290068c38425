"""Runs -> one leaderboard: the JSON-able record every renderer (MD, CSV, HTML, plots) reads.

``build_leaderboard`` does the work (read, check comparability, bootstrap);
``write_reports`` writes ``leaderboard.{md,csv,json}``, ``index.html``,
``tasks/<task>.html`` with their media, and ``plots/*.png``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

from evals.names import safe_name
from evals.report.compare import column_stats, overall_ranks, primary_scorer_name, read_sample_stats, select_columns
from evals.report.index import RunEntry, load_runs, results_frame

LEADERBOARD_SCHEMA_VERSION = 1

FLAGS = {
    "partial": "partial run: a subset of the split (--limit)",
    "prompt_override": "prompt override: not the task's own prompt",
    "errors": "some requests failed and were not scored",
    "unparsed": "some answers could not be parsed",
}


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def build_leaderboard(
    entries: list[RunEntry],
    allow_mixed: bool = False,
    n_resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    max_samples: int = 50,
) -> dict[str, Any]:
    """The leaderboard record for ``entries``; raises ``LeaderboardError`` when tasks are not comparable.

    ``max_samples`` raw sample records per (model, task) are kept under
    ``"_viewer"`` for the task pages (not written to ``leaderboard.json``).
    """
    frame = results_frame(entries)
    columns, superseded = select_columns(frame, allow_mixed=allow_mixed)
    per_column = []
    cells: list[dict[str, Any]] = []
    col_records: list[dict[str, Any]] = []
    viewer: dict[str, dict[str, Any]] = {}
    for col in columns:
        scorer = primary_scorer_name(col.scorers, col.primary_metric)
        samples = []
        for r in col.rows.itertuples():
            stats, kept = read_sample_stats(r.run_dir, col.task, scorer, max_samples)
            samples.append(stats)
            v = viewer.setdefault(col.task, {"scorer": scorer, "metric": col.primary_metric, "models": {}, "runs": {}})
            v["models"].setdefault(r.model, kept)
            v["runs"].setdefault(r.model, {"run_dir": r.run_dir, "origin": r.origin})
        st = column_stats(col, samples, n_resamples, seed, alpha)
        per_column.append((list(col.rows.model), st))
        col_records.append({
            "key": col.key, "task": col.task, "variant": col.variant, "metric": col.primary_metric,
            "lower_is_better": col.lower_is_better, "modality": col.modality, "kind": col.kind,
            "task_hash": col.task_hash, "spec_hash": col.spec_hash, "revision": col.revision,
            "scorers": json.loads(col.scorers), "n_models": len(col.rows), "n_shared_samples": st.n_shared,
            "top": col.rows.model[st.top] if st.top is not None else None, "notes": st.notes,
        })
        for i, r in enumerate(col.rows.itertuples()):
            flags = [f for f, on in (("partial", r.partial), ("prompt_override", r.prompt_override),
                                     ("errors", r.n_errors > 0), ("unparsed", r.n_unparsed > 0)) if on]
            cells.append({
                "model": r.model, "column": col.key, "task": col.task, "variant": col.variant, "metric": col.primary_metric,
                "value": _num(r.metric_value), "ci_low": _num(r.ci_low), "ci_high": _num(r.ci_high), "n": int(r.n),
                "rank": int(st.rank[i]), "rank_low": st.rank_low[i], "rank_high": st.rank_high[i],
                "is_top": i == st.top, "tied_with_top": st.tied_with_top[i], "p_vs_top": _num(st.p_vs_top[i]),
                "diff_vs_top": _num(st.diff_vs_top[i]), "flags": flags, "n_samples": int(r.n_samples),
                "n_scored": int(r.n_scored), "n_errors": int(r.n_errors), "n_unparsed": int(r.n_unparsed),
                "selection": r.selection, "limit": None if r.limit is None or (isinstance(r.limit, float) and math.isnan(r.limit)) else int(r.limit),
                "prompt_override": bool(r.prompt_override), "task_hash": r.task_hash, "revision": r.revision,
                "run_id": r.run_id, "run_dir": r.run_dir, "notes": list(r.notes),
            })
    model_info = {}
    for r in frame.itertuples():
        model_info.setdefault(r.model, {"model": r.model, "model_name": r.model_name, "model_hash": r.model_hash})
    main = [(names, st) for (names, st), c in zip(per_column, columns) if not c.variant]
    overall = overall_ranks(sorted(model_info), main, n_resamples, alpha)
    models = [{**model_info[m], **overall[m]} for m in model_info]
    models.sort(key=lambda d: (d["rank"], d["model"]))
    return {
        "schema_version": LEADERBOARD_SCHEMA_VERSION,
        "generated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "settings": {"n_resamples": n_resamples, "seed": seed, "alpha": alpha, "allow_mixed": allow_mixed},
        "flags": FLAGS,
        "models": models,
        "columns": col_records,
        "cells": cells,
        "runs": [{"run_id": e.run_id, "run_dir": str(e.path), "model": e.results.model, "model_hash": e.results.model_hash,
                  "started": e.started, "tasks": sorted(e.results.tasks)} for e in entries],
        "superseded": superseded,
        "_viewer": viewer,
    }


def public_record(board: dict[str, Any]) -> dict[str, Any]:
    """The leaderboard without the in-memory viewer data (what ``leaderboard.json`` holds)."""
    return {k: v for k, v in board.items() if not k.startswith("_")}


def cells_frame(board: dict[str, Any]) -> "pandas.DataFrame":  # noqa: F821
    """The long table of cells (one row per model and column), as written to ``leaderboard.csv``."""
    import pandas as pd

    rows = []
    cols = {c["key"]: c for c in board["columns"]}
    overall = {m["model"]: m for m in board["models"]}
    for c in board["cells"]:
        col = cols[c["column"]]
        rows.append({
            "model": c["model"], "model_hash": overall[c["model"]]["model_hash"], "overall_rank": overall[c["model"]]["rank"],
            "column": c["column"], "task": c["task"], "variant": c["variant"], "modality": col["modality"], "kind": col["kind"],
            "metric": c["metric"], "lower_is_better": col["lower_is_better"], "value": c["value"], "ci_low": c["ci_low"],
            "ci_high": c["ci_high"], "n": c["n"], "rank": c["rank"], "rank_low": c["rank_low"], "rank_high": c["rank_high"],
            "tied_with_top": c["tied_with_top"], "p_vs_top": c["p_vs_top"], "flags": ";".join(c["flags"]),
            "n_errors": c["n_errors"], "n_unparsed": c["n_unparsed"], "selection": c["selection"],
            "task_hash": c["task_hash"], "revision": c["revision"], "run_id": c["run_id"],
        })
    return pd.DataFrame(rows)


def write_reports(board: dict[str, Any], out: Path, data_dir: str | None = None, plots: bool = True,
                  media: bool = True) -> list[Path]:
    """Write every output of the leaderboard under ``out``; returns the files written."""
    from evals.report.render_html import render_index, render_task_page
    from evals.report.render_md import render_markdown
    from evals.report.viewer import viewer_samples

    out.mkdir(parents=True, exist_ok=True)
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
    for task, rel in pages.items():
        data = viewer_samples(board, task, out / "tasks", data_dir=data_dir, media=media)
        (out / rel).write_text(render_task_page(board, task, data))
        written.append(out / rel)
    (out / "index.html").write_text(render_index(board, pages))
    written.append(out / "index.html")
    if plots:
        from evals.report.plots import write_plots

        written += write_plots(board, out / "plots")
    return written


def leaderboard_from_dirs(paths: Iterable[str | Path], **kwargs: Any) -> dict[str, Any]:
    """``build_leaderboard(load_runs(paths), **kwargs)``."""
    return build_leaderboard(load_runs(paths), **kwargs)
