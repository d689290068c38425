"""The runner: cache hits and misses, resume after interruption, errors never scored."""

from __future__ import annotations

import json

import pytest
from core_fixtures import write_task, write_vqav2_mirror

from evals.adapters import base as adapters
from evals.adapters.base import create_adapter
from evals.run.cache import ResponseCache
from evals.spec.catalog import load_task
from evals.run.evaluate import evaluate_model
from evals.results import iter_samples, read_results
from evals.run.runner import RunOptions


@pytest.fixture
def vqa(tmp_path):
    write_vqav2_mirror(tmp_path / "mirror", 12)  # ids 5000..5011; even rows answer "yes"
    return load_task(str(write_task(tmp_path)))


@pytest.fixture
def flaky(monkeypatch):
    monkeypatch.setitem(adapters.ADAPTER_MODULES, "flaky", "flaky_adapter")
    from flaky_adapter import FlakyAdapter

    FlakyAdapter.calls = []
    FlakyAdapter.interrupt_on = None
    FlakyAdapter.threads_seen = set()
    return FlakyAdapter


def _run(spec, model, out, cache, data_dir, args=None, **opts):
    adapter = create_adapter(model, args or {})
    return evaluate_model(adapter, [spec], out, cache, RunOptions(data_dir=str(data_dir), **opts))


def test_second_run_is_served_from_cache(vqa, tmp_path, flaky):
    cache = ResponseCache(tmp_path / "c.sqlite")
    first = _run(vqa, "flaky:m", tmp_path / "r1", cache, tmp_path / "mirror", batch_size=4)
    assert sum(map(len, flaky.calls)) == 12 and first.tasks["vqav2_fixture"].n_cached == 0
    flaky.calls.clear()
    second = _run(vqa, "flaky:m", tmp_path / "r2", cache, tmp_path / "mirror", batch_size=4)
    assert flaky.calls == []
    assert second.tasks["vqav2_fixture"].n_cached == 12
    assert second.tasks["vqav2_fixture"].metrics == first.tasks["vqav2_fixture"].metrics
    # A different model fingerprint misses the cache.
    third = _run(vqa, "flaky:other", tmp_path / "r3", cache, tmp_path / "mirror")
    assert third.tasks["vqav2_fixture"].n_cached == 0


def test_failed_requests_are_errors_not_wrong_answers(vqa, tmp_path, flaky):
    cache = ResponseCache(tmp_path / "c.sqlite")
    res = _run(vqa, "flaky:m", tmp_path / "r", cache, tmp_path / "mirror", args={"fail_ids": ["5000", "5001"], "raise_on_id": "5008"}, batch_size=4)
    task = res.tasks["vqav2_fixture"]
    # 2 failed requests + the one that raised; its batch neighbours were retried alone and succeeded
    assert task.n_errors == 3 and task.n_scored == 9 and task.n_samples == 12
    # "yes" is right on even rows: 5002, 5004, 5006, 5010 of the 9 scored
    assert task.metrics["exact_match"].value == pytest.approx(4 / 9)
    records = {r.id: r for r in iter_samples(tmp_path / "r", "vqav2_fixture")}
    assert records["5000"].error == "server said no" and records["5000"].prediction is None and records["5000"].scores == {}
    assert records["5008"].error == "RuntimeError: backend exploded" and records["5009"].error is None
    assert records["5002"].scores["exact_match"]["score"] == 1.0
    # Errors are not cached: a re-run retries exactly them.
    flaky.calls.clear()
    again = _run(vqa, "flaky:m", tmp_path / "r2", cache, tmp_path / "mirror", args={"fail_ids": ["5000", "5001"], "raise_on_id": "5008"}, batch_size=4)
    assert sorted({i for c in flaky.calls for i in c}) == ["5000", "5001", "5008"]
    assert again.tasks["vqav2_fixture"].n_cached == 9 and again.tasks["vqav2_fixture"].n_errors == 3


@pytest.mark.parametrize("cpu_inference", [False, True], ids=["prefetch-beside", "prepare-between-batches"])
def test_interrupted_run_resumes_with_identical_results(vqa, tmp_path, flaky, cpu_inference):
    args = {"cpu_inference": cpu_inference}
    full = _run(vqa, "flaky:m", tmp_path / "full", ResponseCache(tmp_path / "full.sqlite"), tmp_path / "mirror", args=args, batch_size=3)
    cache = ResponseCache(tmp_path / "c.sqlite")
    flaky.interrupt_on = "5006"
    with pytest.raises(KeyboardInterrupt):  # dies after two batches were committed
        _run(vqa, "flaky:m", tmp_path / "r1", cache, tmp_path / "mirror", args=args, batch_size=3)
    flaky.interrupt_on = None
    committed = len(cache)
    assert 0 < committed < 12
    flaky.calls.clear()
    resumed = _run(vqa, "flaky:m", tmp_path / "r2", cache, tmp_path / "mirror", args=args, batch_size=3)
    ran = [i for c in flaky.calls for i in c]
    assert len(ran) == len(set(ran)) == 12 - committed and "5006" in ran  # only the missing work
    assert resumed.tasks["vqav2_fixture"].n_cached == committed
    a, b = full.tasks["vqav2_fixture"], resumed.tasks["vqav2_fixture"]
    assert a.metrics == b.metrics and a.subgroups == b.subgroups and a.task_hash == b.task_hash
    strip = lambda rows: [{k: v for k, v in r.model_dump().items() if k not in ("cached", "latency_s")} for r in rows]  # noqa: E731
    assert strip(iter_samples(tmp_path / "full", "vqav2_fixture")) == strip(iter_samples(tmp_path / "r2", "vqav2_fixture"))


def test_a_cpu_model_runs_with_nothing_prepared_beside_it(vqa, tmp_path, flaky):
    beside = _run(vqa, "flaky:m", tmp_path / "a", None, tmp_path / "mirror", batch_size=2)
    flaky.threads_seen.clear()
    between = _run(vqa, "flaky:m", tmp_path / "b", None, tmp_path / "mirror", args={"cpu_inference": True}, batch_size=2)
    # No prefetch thread runs while the model computes on the CPU; media still arrive decoded, results are the same.
    assert "omnieval-prefetch" not in flaky.threads_seen
    assert beside.tasks["vqav2_fixture"].metrics == between.tasks["vqav2_fixture"].metrics
    strip = lambda rows: [{k: v for k, v in r.model_dump().items() if k not in ("cached", "latency_s")} for r in rows]  # noqa: E731
    assert strip(iter_samples(tmp_path / "a", "vqav2_fixture")) == strip(iter_samples(tmp_path / "b", "vqav2_fixture"))


def test_results_and_manifest_on_disk(vqa, tmp_path, flaky):
    _run(vqa, "flaky:m", tmp_path / "r", None, tmp_path / "mirror", limit=4)
    res = read_results(tmp_path / "r")
    task = res.tasks["vqav2_fixture"]
    assert task.n_samples == 4 and task.limit == 4 and "partial run" in task.notes[0]
    assert task.dataset.origin.startswith("mirror:") and task.dataset.fingerprint
    assert [s.field for s in task.subgroups] == ["answer_type"]
    assert set(task.subgroups[0].groups) == {"yes/no", "number"}
    assert task.subgroups[0].max_gap["exact_match"] == pytest.approx(1.0)
    m = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert m["model"] == "flaky:m" and m["tasks"]["vqav2_fixture"]["task_hash"] == task.task_hash and m["finished"]


def test_finished_run_is_replayed_without_reading_rows(vqa, tmp_path, flaky, monkeypatch):
    from evals.run.plan import RequestPlanner

    cache = ResponseCache(tmp_path / "c.sqlite")
    first = _run(vqa, "flaky:m", tmp_path / "r1", cache, tmp_path / "mirror", batch_size=4)

    def no_rows(*args, **kwargs):
        raise AssertionError("rows were planned again")

    with monkeypatch.context() as m:
        m.setattr(RequestPlanner, "plan_variants", no_rows)
        again = _run(vqa, "flaky:m", tmp_path / "r2", cache, tmp_path / "mirror", batch_size=4)
    a, b = first.tasks["vqav2_fixture"], again.tasks["vqav2_fixture"]
    assert b.n_cached == 12 and a.metrics == b.metrics and a.subgroups == b.subgroups
    strip = lambda rows: [{k: v for k, v in r.model_dump().items() if k not in ("cached", "latency_s")} for r in rows]  # noqa: E731
    assert strip(iter_samples(tmp_path / "r1", "vqav2_fixture")) == strip(iter_samples(tmp_path / "r2", "vqav2_fixture"))
    # Data rewritten in place (new mtime): the stored plan is not trusted, rows are read again.
    write_vqav2_mirror(tmp_path / "mirror", 12)
    calls = []
    original = RequestPlanner.plan_variants
    monkeypatch.setattr(RequestPlanner, "plan_variants", lambda self, i, row, *a: calls.append(i) or original(self, i, row, *a))
    third = _run(vqa, "flaky:m", tmp_path / "r3", cache, tmp_path / "mirror", batch_size=4)
    assert len(calls) == 12 and third.tasks["vqav2_fixture"].metrics == a.metrics


def test_every_figure_with_no_value_survives_the_json_round_trip():
    """A NaN figure (a metric, a suite's mean, a condition's comparison) is written as JSON's null and read back as NaN,
    in every results model that holds one (see also tests/catalog/test_sonic_o1.py: a whole run and its leaderboard)."""
    import math

    from evals import results

    made = {results.MetricValue: dict(value=math.nan, n=3),
            results.GroupGap: dict(metric="wer", worst="a", best="b", gap=math.nan),
            results.TaskTiming: dict(wall_s=math.nan),
            results.SuiteResult: dict(suite="s", metric="wer", mean=math.nan, tasks=["a"]),
            results.ConditionComparison: dict(task="a", condition="jpeg:10", condition_task="a.jpeg_10", metric="m", direction="higher",
                                              clean=math.nan, value=math.nan, diff=math.nan, ci_low=math.nan, ci_high=math.nan,
                                              p_value=math.nan, n=0)}
    models = [m for m in vars(results).values() if isinstance(m, type) and issubclass(m, results._Model) and results._float_fields(m)]
    assert set(models) == set(made)  # a new model with a number field: add it here
    for model, fields in made.items():
        text = model(**fields).model_dump_json()
        back = model.model_validate_json(text)
        assert all(math.isnan(getattr(back, name)) for name in results._float_fields(model) if math.isnan(fields.get(name, 0.0))), text
