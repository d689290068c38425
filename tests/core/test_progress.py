"""Progress counts what the model has answered, as it answers: reported when a task starts, then batch by batch."""

from __future__ import annotations

import pytest
from core_fixtures import write_task, write_vqav2_mirror

from evals.adapters.base import create_adapter
from evals.results import iter_samples
from evals.run.cache import ResponseCache
from evals.run.evaluate import evaluate_model
from evals.run.runner import RunOptions, TaskProgress
from evals.spec.catalog import load_task


@pytest.fixture
def vqa(tmp_path):
    write_vqav2_mirror(tmp_path / "mirror", 12)
    return load_task(str(write_task(tmp_path)))


def _traced_run(spec, tmp_path, out: str, cache=None, batch_size: int = 4, **adapter_args):
    """Runs a slow baseline and records, in order, each ``generate`` call (its batch size) and each progress report."""
    events: list[tuple] = []
    adapter = create_adapter("baseline:constant", {"text": "yes", "delay_s": 0.001, **adapter_args})
    generate = adapter.generate

    def traced(requests):
        events.append(("generate", len(requests)))
        return generate(requests)

    adapter.generate = traced  # type: ignore[method-assign]

    def on_progress(task: str, p: TaskProgress) -> None:
        events.append(("progress", task, p.total, p.done, p.ran, p.cached, p.errors))

    results = evaluate_model(adapter, [spec], tmp_path / out, cache,
                             RunOptions(batch_size=batch_size, data_dir=str(tmp_path / "mirror"), on_progress=on_progress))
    return events, results.tasks[spec.name]


def test_progress_is_reported_at_the_start_and_after_each_batch_the_model_answers(vqa, tmp_path):
    events, result = _traced_run(vqa, tmp_path, "r")
    # Nothing answered yet, the total known: the bar shows before the model has run at all.
    assert events[0] == ("progress", "vqav2_fixture", 12, 0, 0, 0, 0)
    # Then each batch of 4 is followed by a report counting it, before the next batch runs: 0, 4, 8, 12, never 12 at once.
    assert events[1:] == [
        ("generate", 4), ("progress", "vqav2_fixture", 12, 4, 4, 0, 0),
        ("generate", 4), ("progress", "vqav2_fixture", 12, 8, 8, 0, 0),
        ("generate", 4), ("progress", "vqav2_fixture", 12, 12, 12, 0, 0),
    ]
    assert (result.n_samples, result.n_errors, result.n_cached) == (12, 0, 0)
    assert len(list(iter_samples(tmp_path / "r", "vqav2_fixture"))) == 12


def test_answers_from_the_cache_count_at_once_and_never_as_the_model_s(vqa, tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    _traced_run(vqa, tmp_path, "first", cache)
    events, result = _traced_run(vqa, tmp_path, "second", cache)
    assert not [e for e in events if e[0] == "generate"]
    reports = [e[3:] for e in events if e[0] == "progress"]
    assert reports[0] == (0, 0, 0, 0) and reports[-1] == (12, 0, 12, 0)  # done, ran, cached, errors
    assert all(ran == 0 for _, ran, _, _ in reports)  # a rate of new answers is not inflated by the cache
    assert result.n_cached == 12


def test_the_counts_reported_last_are_the_task_s_own(vqa, tmp_path):
    events, result = _traced_run(vqa, tmp_path, "r", batch_size=5)
    reports = [e for e in events if e[0] == "progress"]
    steps = [e[3] for e in reports]
    assert steps == [0, 5, 10, 12]  # the last batch holds what is left
    assert steps == sorted(steps) and reports[-1][3] == result.n_samples and reports[-1][6] == result.n_errors
