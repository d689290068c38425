"""``omnieval cache merge``: combine response caches made on different machines into one.

What is merged: every response row (model answers and judge verdicts alike: a verdict is a response
cached under its judge's fingerprint) and every published stored plan. Plan drafts of runs that have
not finished are left out.

The rule for one key (a response's cache key, or a plan's key):

- held by one cache only, or by several that agree: written once (a row already in DEST stays as it is);
- held by several that disagree: a conflict. DEST keeps its own row if it has one, and no source's row
  for that key is written. The merge writes everything else, lists the conflicts and says so in its
  result (the CLI exits 1): a conflict is never settled by picking one.

Two responses agree when they are equal but for ``latency_s`` (the time one machine took is not the
answer). Two plans agree when they hold the same samples in the same order.

A source that is not a response cache, is damaged, has an unparseable row or another schema version is
refused before DEST is opened, with one line naming the file; DEST is written in one SQLite
transaction, so it holds the whole merge or none of it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from evals.requests import Response
from evals.run.cache import CacheError, ResponseCache

SCHEMA_VERSION = 0
"""The ``PRAGMA user_version`` of the caches this code writes (``ResponseCache`` never sets one)."""
_CHUNK = 2000


@dataclass
class Conflict:
    """One key the caches disagree on: ``kind`` "response" or "plan", and the files that hold it."""

    kind: str
    key: str
    files: list[str]


@dataclass
class MergeReport:
    dest: Path
    sources: list[Path]
    added: int = 0
    """Responses written into DEST."""
    agreed: int = 0
    """Responses a source held that DEST (or an earlier source) already held, equal to it."""
    plans_added: int = 0
    plans_agreed: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.conflicts


def _open_source(path: Path) -> sqlite3.Connection:
    """A read-only connection to a checked source, or CacheError naming the file."""
    if not path.is_file():
        raise CacheError(f"cache merge: {path} is not a file")
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=60, isolation_level=None)
    except sqlite3.Error as e:
        raise CacheError(f"cache merge: cannot open {path}: {e}") from None
    try:
        _check_layout(conn, path)
        bad = [r[0] for r in conn.execute("PRAGMA quick_check") if r[0] != "ok"]
    except sqlite3.DatabaseError as e:
        conn.close()
        raise CacheError(f"cache merge: {path} is not a readable response cache ({e}); `omnieval cache check --cache {path}`") from None
    except CacheError:
        conn.close()
        raise
    if bad:
        conn.close()
        raise CacheError(f"cache merge: {path} is damaged ({bad[0]}); `omnieval cache repair --cache {path}` keeps what can be read")
    return conn


def _check_layout(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "responses" not in tables:
        raise CacheError(f"cache merge: {path} is not an omnieval response cache (it has no responses table)")
    if version != SCHEMA_VERSION:
        raise CacheError(f"cache merge: {path} has cache schema version {version}, this omnieval reads version {SCHEMA_VERSION}; "
                         "merge it with the omnieval that wrote it")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(responses)")}
    missing = {"key", "response", "created"} - columns
    if missing:
        raise CacheError(f"cache merge: {path} is not an omnieval response cache (its responses table lacks {', '.join(sorted(missing))})")


def _has_plans(conn: sqlite3.Connection) -> bool:
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {"plans", "plan_rows"} <= tables


def _rows(conn: sqlite3.Connection, path: Path) -> Iterator[list[tuple[str, str, float, str | None]]]:
    """A source's response rows in chunks, each row parsed (an unparseable one refuses the source)."""
    has_model = "model" in {row[1] for row in conn.execute("PRAGMA table_info(responses)")}
    cursor = conn.execute(f"SELECT key, response, created, {'model' if has_model else 'NULL'} FROM responses ORDER BY rowid")
    while chunk := cursor.fetchmany(_CHUNK):
        for key, text, _, _ in chunk:
            try:
                Response.model_validate_json(text)
            except ValueError as e:
                raise CacheError(f"cache merge: {path} row {key} does not parse ({str(e).splitlines()[0]}); "
                                 f"`omnieval cache repair --cache {path}` keeps the rows that do") from None
        yield chunk


def _answer(text: str) -> dict:
    """What two responses must share to agree: everything but the time taken."""
    return Response.model_validate_json(text).model_dump(exclude={"latency_s"})


def _plan_digest(conn: sqlite3.Connection, schema: str, plan: str) -> str:
    h = hashlib.sha256()
    for (sample,) in conn.execute(f"SELECT sample FROM {schema}plan_rows WHERE plan = ? ORDER BY idx", (plan,)):
        h.update(hashlib.sha256(sample.encode()).digest())
    return h.hexdigest()


def _published_plans(conn: sqlite3.Connection, schema: str = "") -> dict[str, tuple[int, str]]:
    """Each whole published plan: key -> (size, digest of its samples). A plan whose rows do not add up is left out."""
    whole = conn.execute(f"SELECT p.plan, p.n FROM {schema}plans p WHERE p.n = (SELECT COUNT(*) FROM {schema}plan_rows r WHERE r.plan = p.plan)").fetchall()
    return {plan: (n, _plan_digest(conn, schema, plan)) for plan, n in whole}


def merge_caches(sources: list[Path], dest: Path) -> MergeReport:
    """Merge ``sources`` into ``dest`` (created if absent) under the rule of the module docstring."""
    sources = [Path(s) for s in sources]
    dest = Path(dest)
    if not sources:
        raise CacheError("cache merge: give at least one source cache")
    for s in sources:
        if dest.exists() and s.exists() and s.resolve() == dest.resolve():
            raise CacheError(f"cache merge: {s} is also the destination; give another --into")
    conns = [_open_source(s) for s in sources]  # every source checked before DEST is touched
    try:
        if dest.exists():
            _open_source(dest).close()
        target = ResponseCache(dest)
        try:
            return _merge_into(target, list(zip(sources, conns)))
        finally:
            target.close()
    finally:
        for c in conns:
            c.close()


def _merge_into(target: ResponseCache, sources: list[tuple[Path, sqlite3.Connection]]) -> MergeReport:
    report = MergeReport(dest=target.path, sources=[p for p, _ in sources])
    conn = target._conn()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS merge_incoming (key TEXT PRIMARY KEY, response TEXT, created REAL, model TEXT)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS merge_added (key TEXT PRIMARY KEY, source TEXT)")  # written by this merge
    conflicts: dict[str, list[str]] = {}
    conn.execute("BEGIN IMMEDIATE")
    try:
        for path, src in sources:
            for chunk in _rows(src, path):
                conn.execute("DELETE FROM merge_incoming")
                conn.executemany("INSERT OR REPLACE INTO merge_incoming VALUES (?, ?, ?, ?)", chunk)
                _merge_chunk(conn, path, target.path, conflicts, report)
        for key, files in conflicts.items():
            report.conflicts.append(Conflict("response", key, files))
        _merge_plans(conn, sources, report)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.merge_incoming")
        conn.execute("DROP TABLE IF EXISTS temp.merge_added")
    return report


def _merge_chunk(conn: sqlite3.Connection, path: Path, dest: Path, conflicts: dict[str, list[str]], report: MergeReport) -> None:
    held = conn.execute("SELECT i.key, i.response, r.response, a.source FROM merge_incoming i JOIN main.responses r ON r.key = i.key "
                        "LEFT JOIN merge_added a ON a.key = i.key").fetchall()
    for key, theirs, ours, added_from in held:
        if key in conflicts:
            conflicts[key].append(str(path))
        elif theirs == ours or _answer(theirs) == _answer(ours):
            report.agreed += 1
        else:
            conflicts[key] = [added_from or str(dest), str(path)]
            if added_from is not None:  # written by an earlier source of this merge: none of the conflicting rows is kept
                conn.execute("DELETE FROM main.responses WHERE key = ?", (key,))
                conn.execute("DELETE FROM merge_added WHERE key = ?", (key,))
                report.added -= 1
    in_dest = {h[0] for h in held}
    unseen = [k for k in conflicts if k not in in_dest]  # rows none of this merge wrote: the other sources' sides
    for start in range(0, len(unseen), 500):
        part = unseen[start:start + 500]
        for (k,) in conn.execute(f"SELECT key FROM merge_incoming WHERE key IN ({','.join('?' * len(part))})", part):
            conflicts[k].append(str(path))
    fresh = [(k, str(path)) for (k,) in conn.execute("SELECT key FROM merge_incoming WHERE key NOT IN (SELECT key FROM main.responses)")
             if k not in conflicts]
    conn.executemany("INSERT INTO merge_added VALUES (?, ?)", fresh)
    report.added += conn.execute("INSERT INTO main.responses (key, response, created, model) SELECT key, response, created, model FROM merge_incoming "
                                 "WHERE key IN (SELECT key FROM merge_added WHERE source = ?) AND key NOT IN (SELECT key FROM main.responses)",
                                 (str(path),)).rowcount


def _merge_plans(conn: sqlite3.Connection, sources: list[tuple[Path, sqlite3.Connection]], report: MergeReport) -> None:
    """Published plans under the same rule as responses: DEST's kept, agreeing ones once, conflicting ones not written."""
    seen: dict[str, tuple[tuple[int, str], str, bool]] = {}  # key -> (size and digest, first holder, already in DEST)
    for key, value in _published_plans(conn, "main.").items():
        seen[key] = (value, str(report.dest), True)
    conflicting: dict[str, list[str]] = {}
    chosen: dict[str, tuple[Path, sqlite3.Connection]] = {}
    for path, src in sources:
        if not _has_plans(src):
            continue
        for key, value in _published_plans(src).items():
            if key in conflicting:
                conflicting[key].append(str(path))
            elif key not in seen:
                seen[key] = (value, str(path), False)
                chosen[key] = (path, src)
            elif seen[key][0] == value:
                report.plans_agreed += 1
            else:
                conflicting[key] = [seen[key][1], str(path)]
                chosen.pop(key, None)
    now = time.time()
    for key, (_, src) in chosen.items():
        n = src.execute("SELECT n FROM plans WHERE plan = ?", (key,)).fetchone()[0]
        cursor = src.execute("SELECT idx, sample FROM plan_rows WHERE plan = ? ORDER BY idx", (key,))
        while chunk := cursor.fetchmany(_CHUNK):
            conn.executemany("INSERT OR REPLACE INTO main.plan_rows (plan, idx, sample) VALUES (?, ?, ?)", [(key, i, s) for i, s in chunk])
        conn.execute("INSERT OR REPLACE INTO main.plans (plan, n, created) VALUES (?, ?, ?)", (key, n, now))
        report.plans_added += 1
    report.conflicts.extend(Conflict("plan", key, files) for key, files in conflicting.items())
