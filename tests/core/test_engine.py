"""The generation engine and the cache: response identity is the request, stored plans cannot be lost."""

from __future__ import annotations

import sqlite3

import pytest
from core_fixtures import VQAV2_TASK, write_task, write_vqav2_mirror

from evals.adapters import base as adapters
from evals.adapters.base import create_adapter
from evals.results import iter_samples
from evals.run.cache import ResponseCache
from evals.run.evaluate import evaluate_model
from evals.run.runner import RunOptions
from evals.spec.catalog import load_task


@pytest.fixture
def flaky(monkeypatch):
    monkeypatch.setitem(adapters.ADAPTER_MODULES, "flaky", "flaky_adapter")
    from flaky_adapter import FlakyAdapter

    FlakyAdapter.calls = []
    FlakyAdapter.interrupt_on = None
    return FlakyAdapter


@pytest.fixture
def mirror(tmp_path):
    write_vqav2_mirror(tmp_path / "mirror", 12)
    return tmp_path / "mirror"


def _run(spec, model, out, cache, mirror, args=None, **opts):
    return evaluate_model(create_adapter(model, args or {}), [spec], out, cache, RunOptions(data_dir=str(mirror), **opts))


def test_editing_scorers_subgroups_description_or_version_never_reruns_the_model(tmp_path, mirror, flaky):
    cache = ResponseCache(tmp_path / "c.sqlite")
    first = _run(load_task(str(write_task(tmp_path))), "flaky:m", tmp_path / "r1", cache, mirror)
    assert sum(map(len, flaky.calls)) == 12
    edited = VQAV2_TASK.replace("subgroups: [answer_type]", "subgroups: [question_type]").replace(
        "  - name: exact_match", "  - name: vqa_accuracy\n  - name: exact_match\n    options: {ignore_case: false}"
    ).replace("kind: vqa", "kind: vqa\ndescription: edited\nversion: 2")
    assert edited.count("vqa_accuracy") == 1 and "question_type]" in edited
    flaky.calls.clear()
    flaky.interrupt_on = "5000"  # any model call now would abort the run
    spec = load_task(str(write_task(tmp_path, edited, "edited.yaml")))
    second = _run(spec, "flaky:m", tmp_path / "r2", cache, mirror)
    assert flaky.calls == []
    task = second.tasks["vqav2_fixture"]
    assert task.n_cached == 12 and task.n_errors == 0 and "vqa_accuracy" in task.metrics
    # The results still say the task changed: its hash identifies comparable numbers.
    assert task.task_hash != first.tasks["vqav2_fixture"].task_hash
    assert [s.field for s in task.subgroups] == ["question_type"]


def test_a_killed_run_of_another_model_never_truncates_a_stored_plan(tmp_path, mirror, flaky):
    spec = load_task(str(write_task(tmp_path)))
    cache = ResponseCache(tmp_path / "c.sqlite")
    _run(spec, "flaky:a", tmp_path / "a1", cache, mirror, batch_size=2)
    # Model B on the same task and cache is killed midway (its generate raises on the 7th sample).
    flaky.interrupt_on = "5006"
    with pytest.raises(KeyboardInterrupt):
        _run(spec, "flaky:b", tmp_path / "b", cache, mirror, batch_size=2)
    flaky.interrupt_on = None
    flaky.calls.clear()
    again = _run(spec, "flaky:a", tmp_path / "a2", cache, mirror, batch_size=2).tasks["vqav2_fixture"]
    assert flaky.calls == [] and again.n_samples == 12 and again.n_cached == 12 and again.dataset.selection == "all"
    assert len(list(iter_samples(tmp_path / "a2", "vqav2_fixture"))) == 12


def test_a_killed_neighbour_without_cleanup_leaves_the_published_plan_whole(tmp_path, mirror, flaky, monkeypatch):
    # SIGKILL runs no cleanup: the killed run's draft rows stay behind, under a draft id of their own.
    spec = load_task(str(write_task(tmp_path)))
    cache = ResponseCache(tmp_path / "c.sqlite")
    _run(spec, "flaky:a", tmp_path / "a1", cache, mirror, batch_size=2)
    monkeypatch.setattr(ResponseCache, "discard_draft", lambda self, draft: None)
    flaky.interrupt_on = "5006"
    with pytest.raises(KeyboardInterrupt):
        _run(spec, "flaky:b", tmp_path / "b", cache, mirror, batch_size=2)
    flaky.interrupt_on = None
    flaky.calls.clear()
    again = _run(spec, "flaky:a", tmp_path / "a2", cache, mirror, batch_size=2).tasks["vqav2_fixture"]
    assert flaky.calls == [] and again.n_samples == 12


def test_a_stored_plan_that_lost_rows_is_discarded_not_used(tmp_path, mirror, flaky):
    spec = load_task(str(write_task(tmp_path)))
    cache = ResponseCache(tmp_path / "c.sqlite")
    _run(spec, "flaky:a", tmp_path / "a1", cache, mirror)
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        plans = db.execute("SELECT plan FROM plans").fetchall()
        assert len(plans) == 1
        db.execute("DELETE FROM plan_rows WHERE plan = ? AND idx >= 7", plans[0])
    again = _run(spec, "flaky:a", tmp_path / "a2", cache, mirror).tasks["vqav2_fixture"]
    # The data were read again: every sample is there, all from the response cache.
    assert again.n_samples == 12 and again.n_cached == 12


def test_out_of_memory_halves_the_batch_and_loses_nothing(tmp_path, mirror, flaky):
    spec = load_task(str(write_task(tmp_path)))
    res = _run(spec, "flaky:m", tmp_path / "r", None, mirror, args={"oom_above": 2}, batch_size=8).tasks["vqav2_fixture"]
    assert res.n_errors == 0 and res.n_scored == 12
    assert "out of memory: batch size reduced to 2" in res.notes
    # After halving, no batch handed to the model is larger than what fits.
    assert max(len(c) for c in flaky.calls[-3:]) <= 2


def test_an_error_message_mentioning_memory_is_not_taken_for_out_of_memory(tmp_path, mirror, flaky):
    # Only the typed OutOfMemory halves the batch; a failure whose text says "out of memory" is a plain error.
    spec = load_task(str(write_task(tmp_path)))
    res = _run(spec, "flaky:m", tmp_path / "r", None, mirror, args={"raise_on_id": "5003"}, batch_size=8).tasks["vqav2_fixture"]
    assert res.n_errors == 1 and not any("out of memory" in n for n in res.notes)
