"""The response cache: SQLite in WAL mode, one row per (request, model) content hash.

A response's identity is the rendered request (messages, media content hashes,
generation settings) plus the model fingerprint, not the task: editing a
task's scorers, subgroups or description never re-runs the model.

Each response is committed as it arrives, so a run killed at any point loses
at most the batch in flight. Failed responses are not cached: a re-run retries
them.

Stored plans (a finished run's samples without media, so a re-run needs
neither data nor model) are written under a draft id private to the run and
published in one transaction when the run finishes: another run, killed or
not, can never delete or truncate a published plan, and a plan whose row count
is not its recorded size is discarded, never used.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

from evals.errors import OmniEvalError
from evals.requests import Response

log = logging.getLogger("omnieval.cache")


class CacheError(OmniEvalError):
    """The cache file cannot be opened or is damaged; the message names the file and the fix."""


def _damaged(path: Path, err: sqlite3.DatabaseError) -> CacheError:
    return CacheError(
        f"response cache {path} is damaged ({err}); run `omnieval cache repair --cache {path}` to keep what can be read, "
        f"or use another cache with --cache NEW"
    )

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, response TEXT NOT NULL, created REAL NOT NULL, model TEXT);
CREATE TABLE IF NOT EXISTS plan_rows (plan TEXT NOT NULL, idx INTEGER NOT NULL, sample TEXT NOT NULL, PRIMARY KEY (plan, idx));
CREATE TABLE IF NOT EXISTS plans (plan TEXT PRIMARY KEY, n INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS plan_drafts (draft TEXT PRIMARY KEY, created REAL NOT NULL);
"""
_DRAFT_MAX_AGE_S = 7 * 24 * 3600


def cache_key(request_key: str, model_fingerprint: str) -> str:
    """Generation settings are inside the request key and the model fingerprint."""
    return hashlib.sha256(f"{request_key}|{model_fingerprint}".encode()).hexdigest()[:32]


def _retry_locked(step: Callable[[], None], patience_s: float = 60.0) -> None:
    """Run ``step``, again while SQLite says "locked": switching a new file to WAL while another process
    opens it returns SQLITE_BUSY at once, without waiting on the connection's busy timeout."""
    deadline = time.monotonic() + patience_s
    wait = 0.02
    while True:
        try:
            return step()
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
        time.sleep(wait)
        wait = min(wait * 2, 0.5)


class ResponseCache:
    """Thread-safe: each thread gets its own connection to the same WAL database."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise CacheError(f"response cache {self.path} is a directory; give a file path with --cache FILE")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CacheError(f"cannot create the folder of the response cache {self.path}: {e.strerror}; use --cache FILE elsewhere") from None
        self._local = threading.local()
        self._bad_rows = 0
        try:
            _retry_locked(self._create)
        except sqlite3.OperationalError as e:
            if "locked" in str(e):
                raise
            raise CacheError(f"cannot open the response cache {self.path}: {e}; check that it is a writable file, or use --cache FILE") from None
        except sqlite3.DatabaseError as e:
            raise _damaged(self.path, e) from None

    def _create(self) -> None:
        conn = self._conn()
        conn.executescript(_SCHEMA)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(responses)")}
        if "model" not in columns:  # caches written before responses named their model
            conn.execute("ALTER TABLE responses ADD COLUMN model TEXT")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def _parse(self, key: str, text: str) -> Response | None:
        """A stored response, or None for a row that does not parse (logged, then treated as a miss and rewritten)."""
        try:
            return Response.model_validate_json(text)
        except ValueError as e:
            self._bad_rows += 1
            log.warning("response cache %s: row %s does not parse (%s); it is treated as a miss", self.path, key, str(e).splitlines()[0])
            return None

    def get(self, key: str) -> Response | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: list[str]) -> dict[str, Response]:
        """The cached responses among ``keys`` (one query per call)."""
        found: dict[str, Response] = {}
        for start in range(0, len(keys), 500):  # SQLite caps the number of bound parameters
            part = keys[start:start + 500]
            marks = ",".join("?" * len(part))
            try:
                rows = self._conn().execute(f"SELECT key, response FROM responses WHERE key IN ({marks})", part).fetchall()
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError as e:
                raise _damaged(self.path, e) from None
            for key, text in rows:
                response = self._parse(key, text)
                if response is not None:
                    found[key] = response
        return found

    def put_many(self, items: list[tuple[str, Response]], model: str | None = None) -> None:
        """Store the successful responses among ``items`` (an error is never cached: a re-run retries it)."""
        rows = [(k, r.model_dump_json(), time.time(), model) for k, r in items if r.ok]
        if not rows:
            return
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR REPLACE INTO responses (key, response, created, model) VALUES (?, ?, ?, ?)", rows)
        conn.execute("COMMIT")

    # A task's plan (its samples without media) is stored once a run over unchanged data
    # finishes, so running it again needs neither the data nor the model.

    def start_plan(self) -> str:
        """A fresh draft id under which one run writes its plan rows; old drafts of killed runs are swept."""
        draft = "draft:" + uuid.uuid4().hex
        now = time.time()
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        stale = [d for (d,) in conn.execute("SELECT draft FROM plan_drafts WHERE created < ?", (now - _DRAFT_MAX_AGE_S,))]
        for d in stale:
            conn.execute("DELETE FROM plan_rows WHERE plan = ?", (d,))
            conn.execute("DELETE FROM plan_drafts WHERE draft = ?", (d,))
        conn.execute("INSERT INTO plan_drafts (draft, created) VALUES (?, ?)", (draft, now))
        conn.execute("COMMIT")
        return draft

    def add_plan_rows(self, draft: str, rows: list[tuple[int, str]]) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR REPLACE INTO plan_rows (plan, idx, sample) VALUES (?, ?, ?)", [(draft, i, t) for i, t in rows])
        conn.execute("COMMIT")

    def finish_plan(self, draft: str, plan: str, n: int) -> None:
        """Publish ``draft`` as ``plan`` in one transaction, replacing any earlier version of it."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            written = conn.execute("SELECT COUNT(*) FROM plan_rows WHERE plan = ?", (draft,)).fetchone()[0]
            if written == n:
                conn.execute("DELETE FROM plan_rows WHERE plan = ?", (plan,))
                conn.execute("UPDATE plan_rows SET plan = ? WHERE plan = ?", (plan, draft))
                conn.execute("INSERT OR REPLACE INTO plans (plan, n, created) VALUES (?, ?, ?)", (plan, n, time.time()))
            else:  # never publish a plan that does not hold every sample
                conn.execute("DELETE FROM plan_rows WHERE plan = ?", (draft,))
            conn.execute("DELETE FROM plan_drafts WHERE draft = ?", (draft,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def discard_draft(self, draft: str) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM plan_rows WHERE plan = ?", (draft,))
        conn.execute("DELETE FROM plan_drafts WHERE draft = ?", (draft,))
        conn.execute("COMMIT")

    def plan_size(self, plan: str) -> int | None:
        """The number of samples of a finished plan, or None (also when its rows do not add up: then it is dropped)."""
        conn = self._conn()
        row = conn.execute("SELECT n FROM plans WHERE plan = ?", (plan,)).fetchone()
        if row is None:
            return None
        have = conn.execute("SELECT COUNT(*) FROM plan_rows WHERE plan = ?", (plan,)).fetchone()[0]
        if have != row[0]:
            conn.execute("DELETE FROM plans WHERE plan = ?", (plan,))
            return None
        return row[0]

    def iter_plan(self, plan: str):
        """The stored samples, in dataset order (streamed from SQLite)."""
        for (text,) in self._conn().execute("SELECT sample FROM plan_rows WHERE plan = ? ORDER BY idx", (plan,)):
            yield text

    # Maintenance: `omnieval cache check|stats|prune|vacuum|repair`.

    def check(self) -> list[str]:
        """Problems found: SQLite's integrity check, then every stored response parsed. Empty when sound."""
        conn = self._conn()
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            for key, text in conn.execute("SELECT key, response FROM responses"):
                try:
                    Response.model_validate_json(text)
                except ValueError as e:
                    problems.append(f"row {key}: {str(e).splitlines()[0]}")
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as e:
            problems.append(str(e))
        return problems

    def stats(self) -> dict[str, object]:
        """Rows, stored plans, file size, and rows per model (None: written before models were recorded)."""
        conn = self._conn()
        by_model = dict(conn.execute("SELECT COALESCE(model, '(unrecorded)'), COUNT(*) FROM responses GROUP BY model ORDER BY 2 DESC").fetchall())
        return {
            "path": str(self.path),
            "responses": len(self),
            "plans": conn.execute("SELECT COUNT(*) FROM plans").fetchone()[0],
            "bytes": sum(f.stat().st_size for f in self.path.parent.glob(self.path.name + "*") if f.is_file()),
            "by_model": by_model,
        }

    def prune(self, older_than_s: float | None = None, model: str | None = None) -> int:
        """Delete responses older than ``older_than_s`` seconds and/or of ``model``; returns the rows deleted.

        Stored plans are dropped too: a plan is only replayed when all its responses are cached.
        """
        where, args = [], []
        if older_than_s is not None:
            where.append("created < ?")
            args.append(time.time() - older_than_s)
        if model is not None:
            where.append("model = ?")
            args.append(model)
        if not where:
            raise ValueError("prune needs an age or a model")
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        deleted = conn.execute(f"DELETE FROM responses WHERE {' AND '.join(where)}", args).rowcount
        if deleted:
            conn.execute("DELETE FROM plans")
            conn.execute("DELETE FROM plan_rows WHERE plan NOT IN (SELECT draft FROM plan_drafts)")
        conn.execute("COMMIT")
        return deleted

    def vacuum(self) -> None:
        self._conn().execute("VACUUM")

    def __len__(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def repair_cache(path: str | Path) -> tuple[int, int, Path]:
    """Copy every readable, parseable response of a damaged cache into a fresh file that replaces it.

    Returns (rows kept, rows lost, where the damaged file was kept). Stored plans
    are not carried over: runs rebuild them.
    """
    path = Path(path)
    fresh = path.with_name(path.name + ".repairing")
    fresh.unlink(missing_ok=True)
    target = ResponseCache(fresh)
    kept = lost = 0
    src = sqlite3.connect(path, isolation_level=None)
    try:
        try:
            top = src.execute("SELECT MAX(rowid) FROM responses").fetchone()[0] or 0
        except sqlite3.DatabaseError:
            top = 0
        # Row by rowid range, so one unreadable page loses only the rows on it.
        for start in range(0, top + 1, 256):
            try:
                rows = src.execute("SELECT key, response, created, model FROM responses WHERE rowid BETWEEN ? AND ?", (start, start + 255)).fetchall()
            except sqlite3.DatabaseError:
                lost += 256
                continue
            good = []
            for key, text, created, model in rows:
                try:
                    Response.model_validate_json(text)
                    good.append((key, text, created, model))
                except ValueError:
                    lost += 1
            conn = target._conn()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO responses (key, response, created, model) VALUES (?, ?, ?, ?)", good)
            conn.execute("COMMIT")
            kept += len(good)
    finally:
        src.close()
        target.close()
    backup = path.with_name(path.name + ".damaged")
    for suffix in ("", "-wal", "-shm"):
        old = path.with_name(path.name + suffix)
        if old.exists():
            old.replace(backup.with_name(backup.name + suffix))
    fresh.replace(path)
    for suffix in ("-wal", "-shm"):
        fresh.with_name(fresh.name + suffix).unlink(missing_ok=True)
    return kept, lost, backup
