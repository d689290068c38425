"""MLVU (dev, test), LVBench and LongVideoBench (val, no subtitles) end to end on fixture mirrors in each Hub repo's
schema, the videos unpacked as lmms-eval's cache holds them (the ``video_files`` loader): the prompts, M-Avg over the
fixed task-type lists, accuracy, multi-label subgroups, questions clustered by video, a missing or escaping video and an
MLVU row of another layout as that question's error only, and a tiny video model of a real architecture answering."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks
from make_fixtures import write_long_video

from evals.errors import DataError
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = ["mlvu_dev", "mlvu_test", "lvbench", "longvideobench_val_v"]


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_long_video(tmp_path_factory.mktemp("long-video"))


def _groups(result, field):
    report = next(s for s in result.subgroups if s.field == field)
    return {g: v["accuracy"].value for g, v in report.groups.items()}


def test_each_task_scores_as_its_official_aggregation(mirror, tmp_path):
    results = run_tasks([load_task(n) for n in TASKS], mirror, tmp_path / "run", "B").tasks
    for name in TASKS:
        assert results[name].n_errors == 0 and results[name].n_samples == results[name].n_scored, name
        assert results[name].metrics["unparsed_rate"].value == 0.0
    dev, test, lvbench, lvb = (results[n] for n in TASKS)
    # MLVU dev: B is right for plotQA (1 of 1) and needle (1 of 2), wrong for count; M-Avg divides by all seven types.
    assert dev.metrics["accuracy"].value == pytest.approx(0.5) and dev.metrics["m_avg"].value == pytest.approx(1.5 / 7)
    assert _groups(dev, "task_type") == pytest.approx({"plotQA": 1.0, "count": 0.0, "needle": 0.5})
    # MLVU test: nine types; the sportsQA answer is F, which B misses.
    assert test.metrics["accuracy"].value == pytest.approx(2 / 3) and test.metrics["m_avg"].value == pytest.approx(2 / 9)
    assert lvbench.metrics["accuracy"].value == pytest.approx(1 / 3)
    # A question of two capabilities counts in both.
    assert _groups(lvbench, "question_type[*]") == pytest.approx({"key information retrieval": 1.0, "reasoning": 0.0,
                                                              "event understanding": 0.0, "temporal grounding": 0.0})
    assert lvb.metrics["accuracy"].value == pytest.approx(0.5)
    assert _groups(lvb, "duration_group") == pytest.approx({"180": 0.5, "3600": 0.5})
    assert _groups(lvb, "question_category") == pytest.approx({"S2E": 0.0, "TOS": 1.0, "E2O": 1.0})
    records = {n: list(iter_samples(tmp_path / "run", n)) for n in TASKS}
    assert [len({r.cluster for r in records[n]}) for n in TASKS] == [3, 3, 2, 2]  # intervals resample videos


def test_the_prompts_are_lmms_evals(mirror, tmp_path):
    run_tasks([load_task(n) for n in TASKS], mirror, tmp_path / "run", "A")
    first = {n: next(iter(iter_samples(tmp_path / "run", n))).prompt[0]["content"] for n in TASKS}
    assert [p["type"] for p in first["mlvu_dev"]] == ["video", "text"]
    texts = {n: c[-1]["text"] for n, c in first.items()}
    assert texts["mlvu_dev"] == ("Question 0 about the plotQA video?\n(A) Yellow\n(B) Red\n(C) Green\n(D) Blue\nOnly give the best "
                                 "option.\nBest option: (")
    assert texts["mlvu_test"].endswith("(E) Green\n(F) Yellow")  # mlvu_test.yaml has no post_prompt
    assert texts["lvbench"].endswith("(D) four\nAnswer the question with the option letter")
    assert texts["longvideobench_val_v"] == ("Which is right about moment 0?\nA. A cup\nB. A phone\nC. A red folder\nD. Nothing\n"
                                             "Answer with the option's letter from the given choices directly.")  # option4 N/A


def test_an_unread_answer_is_wrong_and_counted_not_a_random_option(mirror, tmp_path):
    r = run_tasks([load_task("longvideobench_val_v")], mirror, tmp_path / "run", "no idea").tasks["longvideobench_val_v"]
    assert r.n_scored == 4 and r.metrics["unparsed_rate"].value == 1.0 and r.metrics["accuracy"].value == 0.0


def test_a_missing_or_escaping_video_is_its_questions_error_only(tmp_path):
    import pyarrow.parquet as pq

    root = write_long_video(tmp_path / "mirror")
    (root / "lmms-eval" / "LVBench" / "00000001.mp4").unlink()
    table = root / "sy1998" / "MLVU_dev" / "mlvu" / "test-00000-of-00001.parquet"
    rows = pq.read_table(table).to_pylist()
    rows[1]["video_name"] = "../../lmms-eval/LVBench/00000000.mp4"
    pq.write_table(pq.read_table(table).from_pylist(rows, schema=pq.read_schema(table)), table)
    results = run_tasks([load_task("lvbench"), load_task("mlvu_dev")], root, tmp_path / "run", "B").tasks
    assert (results["lvbench"].n_samples, results["lvbench"].n_errors) == (3, 1)
    assert (results["mlvu_dev"].n_samples, results["mlvu_dev"].n_errors) == (4, 1)
    errors = {r.error for n in ("lvbench", "mlvu_dev") for r in iter_samples(tmp_path / "run", n) if r.error}
    assert any("'00000001.mp4' is not in the mirror" in e for e in errors) and any("outside the dataset root" in e for e in errors)


def test_the_videos_come_from_a_mirror_only():
    from evals.data.open import open_dataset

    with pytest.raises(DataError, match="its videos are read from a mirror"):
        open_dataset(load_task("lvbench"), None)


def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    # One load, one question of MLVU (the video_files loader at the mirror's top) and of LongVideoBench (in videos/, its
    # options from the preprocessor): the other two send the same kind of request (32 frames and a text).
    adapter = create_adapter(f"hf:{tiny_model('qwen2_5_vl')}", {})
    names = ["mlvu_dev", "longvideobench_val_v"]
    specs = [load_task(n) for n in names]
    specs = [s.model_copy(update={"generation": s.generation.model_copy(update={"max_new_tokens": 4})}) for s in specs]
    try:
        results = run_tasks(specs, mirror, tmp_path / "run", "", limit=1, adapter=adapter).tasks
    finally:
        adapter.close()
    for name in names:
        assert (results[name].n_samples, results[name].n_errors) == (1, 0), name
        assert 0.0 <= results[name].metrics["accuracy"].value <= 1.0


def test_an_mlvu_row_in_another_layout_is_its_error_not_a_silent_zero(tmp_path):
    import pyarrow.parquet as pq

    root = write_long_video(tmp_path / "mirror")
    table = root / "sy1998" / "MLVU_Test" / "mlvu_test" / "test-00000-of-00001.parquet"
    rows = pq.read_table(table).to_pylist()
    rows[0]["answer"] = "Yellow"  # an option's text, as MLVU's own JSON files give it
    rows[1]["question"] = rows[1]["question"].split("\n")[0]  # the options only in candidates
    pq.write_table(pq.read_table(table).from_pylist(rows, schema=pq.read_schema(table)), table)
    r = run_tasks([load_task("mlvu_test")], root, tmp_path / "run", "B").tasks["mlvu_test"]
    assert (r.n_samples, r.n_errors, r.n_scored) == (3, 2, 1)
    errors = sorted(s.error for s in iter_samples(tmp_path / "run", "mlvu_test") if s.error)
    assert "'Yellow' is not an option letter" in errors[0] + errors[1] and "does not list option (B)" in errors[0] + errors[1]
