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
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from evals.requests import Response

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, response TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS plan_rows (plan TEXT NOT NULL, idx INTEGER NOT NULL, sample TEXT NOT NULL, PRIMARY KEY (plan, idx));
CREATE TABLE IF NOT EXISTS plans (plan TEXT PRIMARY KEY, n INTEGER NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS plan_drafts (draft TEXT PRIMARY KEY, created REAL NOT NULL);
"""
_DRAFT_MAX_AGE_S = 7 * 24 * 3600


def cache_key(request_key: str, model_fingerprint: str) -> str:
    """Generation settings are inside the request key and the model fingerprint."""
    return hashlib.sha256(f"{request_key}|{model_fingerprint}".encode()).hexdigest()[:32]


class ResponseCache:
    """Thread-safe: each thread gets its own connection to the same WAL database."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def get(self, key: str) -> Response | None:
        row = self._conn().execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return Response.model_validate_json(row[0]) if row else None

    def get_many(self, keys: list[str]) -> dict[str, Response]:
        """The cached responses among ``keys`` (one query per call)."""
        found: dict[str, Response] = {}
        for start in range(0, len(keys), 500):  # SQLite caps the number of bound parameters
            part = keys[start:start + 500]
            marks = ",".join("?" * len(part))
            for key, text in self._conn().execute(f"SELECT key, response FROM responses WHERE key IN ({marks})", part):
                found[key] = Response.model_validate_json(text)
        return found

    def put(self, key: str, response: Response) -> None:
        if not response.ok:
            return
        self._conn().execute(
            "INSERT OR REPLACE INTO responses (key, response, created) VALUES (?, ?, ?)",
            (key, response.model_dump_json(), time.time()),
        )

    def put_many(self, items: list[tuple[str, Response]]) -> None:
        rows = [(k, r.model_dump_json(), time.time()) for k, r in items if r.ok]
        if not rows:
            return
        conn = self._conn()
        conn.execute("BEGIN")
        conn.executemany("INSERT OR REPLACE INTO responses (key, response, created) VALUES (?, ?, ?)", rows)
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
        conn.execute("BEGIN")
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
        conn.execute("BEGIN")
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

    def __len__(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
