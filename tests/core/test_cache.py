"""The response cache survives damage: a bad row is a miss, a damaged file is named with its fix, and can be repaired."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from evals.cli.main import app
from evals.requests import Response
from evals.run.cache import CacheError, ResponseCache


def _filled(path, n=5, model="m:a"):
    cache = ResponseCache(path)
    cache.put_many([(f"k{i}", Response(text=f"answer {i}")) for i in range(n)], model)
    return cache


def test_a_corrupt_row_is_a_miss_not_a_crash(tmp_path):
    cache = _filled(tmp_path / "c.sqlite")
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        db.execute("UPDATE responses SET response = '{\"text\": 5, \"nonsense\": true}' WHERE key = 'k2'")
    found = cache.get_many([f"k{i}" for i in range(5)])
    assert sorted(found) == ["k0", "k1", "k3", "k4"] and found["k0"].text == "answer 0"
    assert cache.get("k2") is None
    # A re-run rewrites the bad row.
    cache.put_many([("k2", Response(text="again"))])
    assert cache.get("k2").text == "again"


def test_errors_are_never_cached(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put_many([("ok", Response(text="x")), ("bad", Response(error="timeout"))])
    assert cache.get("bad") is None and cache.get("ok").text == "x"


def test_a_damaged_file_names_itself_and_the_fix(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database, just some bytes" * 200)
    with pytest.raises(CacheError) as err:
        ResponseCache(path)
    assert str(path) in str(err.value) and "omnieval cache repair" in str(err.value) and "--cache NEW" in str(err.value)


def test_a_directory_or_unwritable_place_is_named(tmp_path):
    with pytest.raises(CacheError, match=str(tmp_path)):
        ResponseCache(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheError, match="cannot create the folder"):
        ResponseCache(blocker / "sub" / "c.sqlite")


def test_cache_commands_check_stats_prune_vacuum(tmp_path):
    path = tmp_path / "c.sqlite"
    _filled(path, 5, "m:a")
    _filled(path, 3, "m:b").close()
    runner = CliRunner()
    out = runner.invoke(app, ["cache", "check", "--cache", str(path)])
    assert out.exit_code == 0 and "ok (5 responses)" in out.output  # keys k0..k4 shared: m:b overwrote three
    stats = runner.invoke(app, ["cache", "stats", "--cache", str(path)])
    assert stats.exit_code == 0 and "m:a" in stats.output and "m:b" in stats.output
    pruned = runner.invoke(app, ["cache", "prune", "--cache", str(path), "--model", "m:b"])
    assert pruned.exit_code == 0 and "deleted 3" in pruned.output
    assert sorted(ResponseCache(path).get_many([f"k{i}" for i in range(5)])) == ["k3", "k4"]
    assert runner.invoke(app, ["cache", "vacuum", "--cache", str(path)]).exit_code == 0
    with sqlite3.connect(path) as db:
        db.execute("UPDATE responses SET response = 'garbage' WHERE key = 'k3'")
    bad = runner.invoke(app, ["cache", "check", "--cache", str(path)])
    assert bad.exit_code == 1 and "row k3" in bad.output


def test_repair_keeps_every_readable_response(tmp_path):
    path = tmp_path / "c.sqlite"
    _filled(path, 6).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE responses SET response = 'garbage' WHERE key = 'k1'")
    out = CliRunner().invoke(app, ["cache", "repair", "--cache", str(path)])
    assert out.exit_code == 0 and "kept 5" in out.output and "lost 1" in out.output
    repaired = ResponseCache(path)
    assert repaired.check() == [] and len(repaired) == 5
    assert (tmp_path / "c.sqlite.damaged").exists()
