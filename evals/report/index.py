"""Reading run directories: the results table (pandas) and the SQLite index of runs.

``find_run_dirs`` accepts run directories and directories that contain them
(``runs/``). ``load_runs`` reads each run's ``results.json`` and
``manifest.json`` through the schemas of ``evals.results`` (``scan_runs``
skips unreadable ones, for listing); ``results_frame`` turns them into one
table, one row per (run, task). ``RunsIndex`` remembers every run a
leaderboard or ``omnieval runs list DIR`` has read, for ``omnieval runs list|show``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from evals.errors import OmniEvalError
from evals.results import Manifest, RunResults, read_manifest, read_results, run_dir_problem


class LeaderboardError(OmniEvalError):
    """A leaderboard cannot be built as asked (no runs, incomparable results...)."""


@dataclass
class RunEntry:
    """One run directory, read."""

    path: Path
    results: RunResults
    manifest: Manifest | None

    @property
    def run_id(self) -> str:
        return self.results.run_id

    @property
    def started(self) -> str:
        """Sort key for "newest": the manifest's start time, else the run id (which starts with a timestamp)."""
        return self.manifest.started if self.manifest is not None else self.results.run_id


def default_index_path() -> Path:
    """``$OMNIEVAL_CACHE_DIR/runs.sqlite`` or ``~/.cache/omnieval/runs.sqlite``."""
    from evals.settings import default_cache_path

    return default_cache_path().parent / "runs.sqlite"


def _is_run_dir(path: Path) -> bool:
    return (path / "results.json").is_file()


def find_run_dirs(paths: Iterable[str | Path]) -> list[Path]:
    """Run directories named by ``paths``: each is a run directory or contains run directories (any depth)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise LeaderboardError(f"{path}: no such run directory")
        if _is_run_dir(path):
            found.append(path)
            continue
        nested = sorted(p.parent for p in path.rglob("results.json") if p.is_file())
        if not nested:
            raise LeaderboardError(f"{path}: not a run directory (no results.json) and contains none")
        found.extend(nested)
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _first_line(e: Exception) -> str:
    lines = str(e).splitlines()
    if len(lines) > 2 and "validation error" in lines[0]:  # pydantic: "1 validation error for X" / "tasks.a.n" / "Input should be..."
        return f"{lines[1].strip()}: {lines[2].strip()}"
    return lines[0] if lines else type(e).__name__


def load_run(path: Path) -> RunEntry:
    """Read one run directory; errors name the file and what is wrong (``results.run_dir_problem`` included)."""
    try:
        results = read_results(path)
    except (ValueError, OSError) as e:
        raise LeaderboardError(f"{path}/results.json: cannot read: {_first_line(e)}") from None
    manifest = None
    if (path / "manifest.json").is_file():
        try:
            manifest = read_manifest(path)
        except (ValueError, OSError) as e:
            raise LeaderboardError(f"{path}/manifest.json: cannot read: {_first_line(e)}") from None
    problem = run_dir_problem(path, results, manifest)
    if problem:
        raise LeaderboardError(problem)
    return RunEntry(path=path, results=results, manifest=manifest)


def load_runs(paths: Iterable[str | Path]) -> list[RunEntry]:
    """Every run under ``paths`` (see ``find_run_dirs``), read."""
    return [load_run(p) for p in find_run_dirs(paths)]


def scan_runs(paths: Iterable[str | Path], unfinished: bool = True) -> tuple[list[RunEntry], list[str]]:
    """Every readable run under ``paths``, and one line per run directory passed over (skipped, not fatal): those that
    cannot be read and, unless ``unfinished``, those whose manifest says they never finished (killed or still running)."""
    entries: list[RunEntry] = []
    problems: list[str] = []
    for p in find_run_dirs(paths):
        try:
            entry = load_run(p)
        except LeaderboardError as e:
            problems.append(str(e))
            continue
        if not unfinished and entry.manifest is not None and entry.manifest.finished is None:
            problems.append(f"{p}: unfinished (stopped before it finished, or still running): pass --unfinished to include it")
            continue
        entries.append(entry)
    return entries, problems


def _model_labels(entries: list[RunEntry]) -> dict[str, str]:
    """Display name per model hash: the model name, plus the arguments that tell apart same-named models."""
    by_name: dict[str, dict[str, dict[str, Any]]] = {}
    for e in entries:
        by_name.setdefault(e.results.model, {})[e.results.model_hash] = e.results.model_fingerprint
    labels: dict[str, str] = {}
    for name, variants in by_name.items():
        if len(variants) == 1:
            labels[next(iter(variants))] = name
            continue
        flat = {h: {**{k: v for k, v in fp.items() if k != "args"}, **(fp.get("args") or {})} for h, fp in variants.items()}
        keys = sorted({k for d in flat.values() for k in d})
        differing = [k for k in keys if len({json.dumps(d.get(k), sort_keys=True, default=str) for d in flat.values()}) > 1]
        for h, d in flat.items():
            parts = [f"{k}={d.get(k)}" for k in differing if k not in ("model", "kind")]
            labels[h] = f"{name} ({', '.join(parts)})" if parts else f"{name} [{h[:8]}]"
    # Two different names can still collide once decorated; the hash settles it.
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {h: (f"{lab} [{h[:8]}]" if seen[lab] > 1 else lab) for h, lab in labels.items()}


FRAME_COLUMNS = [
    "model", "model_name", "model_hash", "run_id", "run_dir", "started", "task", "task_version", "modality", "kind",
    "task_hash", "spec_hash", "revision", "fingerprint", "selection", "scorers", "primary_metric", "metric_value",
    "ci_low", "ci_high", "n", "n_samples", "n_scored", "n_errors", "n_unparsed", "n_score_errors", "limit", "prompt_override",
    "partial", "notes", "origin", "metrics", "finished", "rescored_from", "judge", "reducer", "submission",
]


def results_frame(entries: list[RunEntry]) -> "pandas.DataFrame":  # noqa: F821
    """One row per (run, task): identity, hashes, the primary metric with its CI, counts and flags.

    ``model`` is the display label (unique per model hash); ``scorers`` is the
    canonical JSON of the scorer options, so it can be compared as a string.
    ``partial``: the run saw a subset of the split (``--limit`` below the split's
    size); ``rescored_from``: the run id a rescored result was recomputed from.
    """
    import pandas as pd

    labels = _model_labels(entries)
    rows = []
    for e in entries:
        r = e.results
        for name, t in r.tasks.items():
            primary = t.metrics.get(t.primary_metric)
            rows.append({
                "model": labels[r.model_hash], "model_name": r.model, "model_hash": r.model_hash, "run_id": r.run_id,
                "run_dir": str(e.path), "started": e.started, "task": name, "task_version": t.task_version,
                "modality": t.modality, "kind": t.kind, "task_hash": t.task_hash, "spec_hash": t.spec_hash,
                "revision": t.dataset.revision, "fingerprint": t.dataset.fingerprint, "selection": t.dataset.selection,
                "scorers": json.dumps(t.scorers, sort_keys=True), "primary_metric": t.primary_metric,
                "metric_value": primary.value if primary else float("nan"),
                "ci_low": primary.ci_low if primary and primary.ci_low is not None else float("nan"),
                "ci_high": primary.ci_high if primary and primary.ci_high is not None else float("nan"),
                "n": primary.n if primary else 0, "n_samples": t.n_samples, "n_scored": t.n_scored,
                "n_errors": t.n_errors, "n_unparsed": t.n_unparsed, "n_score_errors": t.n_score_errors, "limit": t.limit,
                "prompt_override": t.prompt_override, "partial": t.dataset.selection != "all", "notes": list(t.notes),
                "origin": t.dataset.origin, "metrics": {k: v.model_dump() for k, v in t.metrics.items()},
                "finished": e.manifest.finished if e.manifest is not None else None,
                "rescored_from": t.rescored.from_run if t.rescored is not None else None,
                "judge": f"{t.judge.judge} [{t.judge.judge_hash[:8]}], judge prompt {t.judge.prompt_hash[:8]}" if t.judge is not None else "",
                "reducer": t.question_reducer,
                "submission": t.submission.model_dump() if t.submission is not None else None,
            })
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    # Text as Python strings, not pandas' Arrow strings: the leaderboard walks this frame row by row (cells, columns,
    # provenance), and an Arrow string column is slow to iterate (measured: 0.2 s of a 50-run build).
    return frame.astype({c: object for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)})


_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT NOT NULL, path TEXT NOT NULL, model TEXT NOT NULL, model_hash TEXT NOT NULL,
    started TEXT, finished TEXT, omnieval_version TEXT, git_commit TEXT, n_tasks INTEGER NOT NULL,
    registered TEXT NOT NULL, PRIMARY KEY (run_id, path)
);
CREATE TABLE IF NOT EXISTS run_tasks (
    run_id TEXT NOT NULL, path TEXT NOT NULL, task TEXT NOT NULL, task_hash TEXT NOT NULL, primary_metric TEXT NOT NULL,
    value REAL, ci_low REAL, ci_high REAL, n_samples INTEGER, n_errors INTEGER, selection TEXT, prompt_override INTEGER,
    PRIMARY KEY (run_id, path, task)
);
"""


class RunsIndex:
    """An embedded SQLite index of the runs seen: ``register`` on read, ``list`` and ``show`` for the CLI."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path)
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as e:
            raise LeaderboardError(f"runs index {self.path}: {e}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "RunsIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register(self, entries: Iterable[RunEntry]) -> int:
        """Add or refresh runs (keyed by run id and absolute path); returns how many."""
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        runs, tasks = [], []
        for e in entries:
            r, m = e.results, e.manifest
            path = os.path.abspath(e.path)
            runs.append((r.run_id, path, r.model, r.model_hash, m.started if m else None, m.finished if m else None,
                         m.omnieval_version if m else None, m.git_commit if m else None, len(r.tasks), now))
            for name, t in r.tasks.items():
                p = t.metrics.get(t.primary_metric)
                tasks.append((r.run_id, path, name, t.task_hash, t.primary_metric, p.value if p else None,
                              p.ci_low if p else None, p.ci_high if p else None, t.n_samples, t.n_errors,
                              t.dataset.selection, int(t.prompt_override)))
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?)", runs)
            for run in runs:
                self._db.execute("DELETE FROM run_tasks WHERE run_id=? AND path=?", (run[0], run[1]))
            self._db.executemany("INSERT OR REPLACE INTO run_tasks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", tasks)
        return len(runs)

    def list(self, model: str | None = None, task: str | None = None,
             paths: Iterable[str | Path] | None = None) -> list[dict[str, Any]]:
        """Registered runs, newest first; optionally only those of a model (substring), holding a task, or at ``paths``."""
        sql = "SELECT r.*, group_concat(t.task, ',') AS tasks FROM runs r LEFT JOIN run_tasks t ON t.run_id=r.run_id AND t.path=r.path"
        where, args = [], []
        if model:
            where.append("r.model LIKE ?")
            args.append(f"%{model}%")
        if task:
            where.append("EXISTS (SELECT 1 FROM run_tasks x WHERE x.run_id=r.run_id AND x.path=r.path AND x.task=?)")
            args.append(task)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " GROUP BY r.run_id, r.path ORDER BY coalesce(r.started, r.run_id) DESC, r.run_id DESC"
        cur = self._db.execute(sql, args)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row)) for row in cur.fetchall()]
        if paths is not None:
            wanted = {os.path.abspath(p) for p in paths}
            rows = [r for r in rows if r["path"] in wanted]
        return rows

    def show(self, run_id: str) -> dict[str, Any]:
        """One run and its tasks; ``run_id`` may be a unique prefix."""
        cur = self._db.execute("SELECT * FROM runs WHERE run_id = ? OR run_id LIKE ? ORDER BY run_id", (run_id, f"{run_id}%"))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
        exact = [r for r in rows if r["run_id"] == run_id]
        rows = exact or rows
        if not rows:
            raise LeaderboardError(f"run {run_id!r} is not in the runs index {self.path}; register it with `omnieval runs list RUN_DIR`")
        if len({r["run_id"] for r in rows}) > 1:
            raise LeaderboardError(f"run id prefix {run_id!r} is ambiguous in {self.path}: " + ", ".join(sorted({r["run_id"] for r in rows})[:10]))
        run = rows[0]
        cur = self._db.execute("SELECT * FROM run_tasks WHERE run_id=? AND path=? ORDER BY task", (run["run_id"], run["path"]))
        names = [d[0] for d in cur.description]
        run["tasks"] = [dict(zip(names, r)) for r in cur.fetchall()]
        if len(rows) > 1:
            run["other_paths"] = [r["path"] for r in rows[1:]]
        return run
