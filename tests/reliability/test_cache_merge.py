"""`omnieval cache merge` on caches made by real runs (baseline models through evaluate_model on easyvqa).

Two "machines" are two cache files written by two runs. What is checked: disjoint work merges into one cache
from which a whole rerun asks the model nothing; answers that agree but for the time taken merge once; a
conflicting answer is listed, never written, and the exit code says so; a source that is not a sound cache is
refused in one line naming it, with DEST left byte for byte as it was (also when the bad row is only met after
another source's rows were written: one transaction).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from tests.reliability.helpers import omnieval

LIMIT = 24


def machine(cache_path: Path, out: Path, model: str = "baseline:vqa-prior", args: dict | None = None,
            shard: tuple[int, int] | None = None) -> tuple[dict, int]:
    """One machine's run of easyvqa into its own cache: the task's metrics and how many requests reached the model."""
    from evals.adapters.base import create_adapter
    from evals.run.cache import ResponseCache
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions
    from evals.spec.catalog import load_task

    adapter = create_adapter(model, args or {})
    asked = []
    generate = adapter.generate
    adapter.generate = lambda requests: (asked.extend(requests), generate(requests))[1]  # type: ignore[method-assign]
    cache = ResponseCache(cache_path)
    try:
        task = evaluate_model(adapter, [load_task("easyvqa")], out, cache, RunOptions(limit=LIMIT, shard=shard)).tasks["easyvqa"]
    finally:
        cache.close()
    return {k: v.model_dump(mode="json") for k, v in task.metrics.items()}, len(asked)


def rows(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, response FROM responses"))
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settle(path: Path) -> None:
    """Fold a cache's WAL into its main file, so its bytes alone say what it holds."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_disjoint_work_of_two_machines_merges_into_a_cache_that_answers_a_whole_rerun(tmp_path):
    from evals.run.cache_merge import merge_caches

    a, b, merged = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "merged.sqlite"
    machine(a, tmp_path / "run_a", shard=(0, 2))
    machine(b, tmp_path / "run_b", shard=(1, 2))
    assert len(rows(a)) + len(rows(b)) == LIMIT and not set(rows(a)) & set(rows(b))
    report = merge_caches([a, b], merged)
    assert report.ok and report.added == LIMIT and report.agreed == 0 and report.plans_added == 2
    assert rows(merged) == {**rows(a), **rows(b)}
    metrics, asked = machine(merged, tmp_path / "rerun")
    assert asked == 0
    assert metrics == machine(tmp_path / "one.sqlite", tmp_path / "one_machine")[0]
    # Merging again adds nothing: every row agrees with what DEST holds.
    again = merge_caches([a, b], merged)
    assert again.ok and again.added == 0 and again.agreed == LIMIT and again.plans_added == 0 and again.plans_agreed == 2


def test_a_conflict_is_reported_never_written_and_the_exit_code_says_so(tmp_path):
    a, b, fresh = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "fresh.sqlite"
    machine(a, tmp_path / "run_a", "baseline:constant", {"text": "yes"})
    # The same model on a slower machine: the same answers in another time; they agree.
    machine(b, tmp_path / "run_b", "baseline:constant", {"text": "yes", "delay_s": 0.001})
    assert rows(a).keys() == rows(b).keys() and rows(a) != rows(b)
    # ... but for one answer, as a nondeterministic model would give.
    key = sorted(rows(b))[3]
    conn = sqlite3.connect(b)
    conn.execute("UPDATE responses SET response = replace(response, '\"text\":\"yes\"', '\"text\":\"no\"') WHERE key = ?", (key,))
    conn.commit()
    conn.close()
    kept = rows(a)

    into_a = omnieval("cache", "merge", str(b), "--into", str(a))
    assert into_a.returncode == 1, into_a.stderr
    assert f"response {key} differs between {a}, {b}" in into_a.stderr and "1 conflicting key(s) not merged" in into_a.stderr
    assert f"0 responses added, {LIMIT - 1} already held; 0 stored plans added, 1 already held" in into_a.stdout
    assert rows(a) == kept  # DEST keeps its own row

    # Two sources that disagree, into a new cache: neither side is written, everything else is.
    into_fresh = omnieval("cache", "merge", str(a), str(b), "--into", str(fresh))
    assert into_fresh.returncode == 1 and f"response {key} differs between {a}, {b}" in into_fresh.stderr
    assert rows(fresh) == {k: v for k, v in kept.items() if k != key}

    # A stored plan under the same key with other samples is a conflict too: DEST keeps its own.
    conn = sqlite3.connect(b)
    plan = conn.execute("SELECT plan FROM plans").fetchone()[0]
    conn.execute("UPDATE plan_rows SET sample = replace(sample, '[0, \"test-', '[0, \"other-') WHERE plan = ? AND idx = 0", (plan,))
    conn.commit()
    conn.close()
    plans = omnieval("cache", "merge", str(b), "--into", str(a))
    assert plans.returncode == 1 and f"plan {plan} differs between {a}, {b}" in plans.stderr and "2 conflicting key(s)" in plans.stderr


def test_a_source_that_is_not_a_sound_cache_is_refused_and_dest_is_untouched(tmp_path):
    good, dest = tmp_path / "good.sqlite", tmp_path / "dest.sqlite"
    machine(good, tmp_path / "run_good", shard=(0, 2))
    machine(dest, tmp_path / "run_dest", shard=(1, 2))
    settle(dest)
    before = digest(dest)

    not_sqlite = tmp_path / "notes.sqlite"
    not_sqlite.write_bytes(b"these are not the rows you are looking for\n" * 100)
    other_db = tmp_path / "other.sqlite"
    sqlite3.connect(other_db).executescript("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
    settle(good)
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(good.read_bytes())
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    # A damaged row met only after the good source's rows went in: the transaction takes them back out.
    bad_row = tmp_path / "bad_row.sqlite"
    bad_row.write_bytes(good.read_bytes())
    conn = sqlite3.connect(bad_row)
    conn.execute("UPDATE responses SET response = '{\"text\": ' WHERE rowid = (SELECT MAX(rowid) FROM responses)")
    conn.execute("UPDATE responses SET key = 'x' || key")  # rows the good source does not hold
    conn.commit()
    conn.close()

    cases = {
        not_sqlite: "is not a readable response cache",
        other_db: "is not an omnieval response cache (it has no responses table)",
        newer: "has cache schema version 3, this omnieval reads version 0",
        bad_row: "does not parse",
        tmp_path / "missing.sqlite": "is not a file",
    }
    for source, why in cases.items():
        result = omnieval("cache", "merge", str(good), str(source), "--into", str(dest))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert str(source) in lines[0] and why in lines[0], lines[0]
        assert digest(dest) == before and len(rows(dest)) == LIMIT // 2, source
    # Nor is a DEST created when a source is refused.
    refused = omnieval("cache", "merge", str(other_db), "--into", str(tmp_path / "new.sqlite"))
    assert refused.returncode == 1 and not (tmp_path / "new.sqlite").exists()
