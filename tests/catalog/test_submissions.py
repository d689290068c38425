"""Withheld test sets (issue #28): DocVQA / InfographicVQA test and MMBench test write the file their evaluation server
takes, say the score comes from that server, count the samples without an answer, and keep all of it through rescore.

Runs on fixture mirrors in the public sets' schemas (``make_fixtures.write_docvqa_test``, ``write_mmbench_test``).
"""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import run_tasks
from make_fixtures import DOCVQA_TEST_IDS, MMBENCH_TEST_FILES, mmbench_test_rows, write_docvqa_test, write_mmbench_test

from evals.adapters.baseline import BaselineAdapter, BaselineArgs
from evals.errors import OmniEvalError, SpecError
from evals.requests import Request, Response
from evals.results import iter_samples, read_results
from evals.run.rescore import rescore_run
from evals.spec.catalog import load_task
from evals.spec.task import TaskSpec, load_task_family, under_condition

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

RRC_TASKS = {"docvqa_test": "DocVQA", "infovqa_test": "InfographicVQA"}
MMBENCH_TASKS = {"mmbench_en_test_v11": "MMBench_TEST_EN_V11", "mmbench_cn_test_v11": "MMBench_TEST_CN_V11",
                 "mmbench_en_test": "MMBench_TEST_EN"}


class FailingSome(BaselineAdapter):
    """Answers ``answer <n>`` (n: the request's position among all it was asked), except that requests whose text holds
    one of ``fail`` fail (an error, with text that must never reach a submission)."""

    def __init__(self, fail: tuple[str, ...]) -> None:
        super().__init__("constant", BaselineArgs(text="unused"))
        self.fail, self.seen = fail, 0

    def generate(self, requests: list[Request]) -> list[Response]:
        out = []
        for r in requests:
            self.seen += 1
            failed = any(f in r.text for f in self.fail)
            out.append(Response(text="LEAK", error="server error 500") if failed else Response(text=f"answer {self.seen}"))
        return out


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("withheld")
    write_docvqa_test(root)
    return write_mmbench_test(root)


@pytest.fixture(scope="module")
def run(data_dir, tmp_path_factory):
    """One run of every withheld task: DocVQA's second question and MMBench's season question (every copy) fail."""
    out = tmp_path_factory.mktemp("run") / "run"
    adapter = FailingSome(fail=("box 1?", "Which season is it?", "现在是什么季节？"))
    run_tasks([load_task(n) for n in [*RRC_TASKS, *MMBENCH_TASKS]], data_dir, out, "", adapter=adapter)
    return out


def test_the_tasks_read_the_test_splits_and_declare_their_servers_format():
    for name, config in RRC_TASKS.items():
        spec = load_task(name)
        assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("lmms-lab-encoder/DocVQA", config, "test")
        assert spec.submission.format == "rrc_json" and spec.scorers == [] and spec.fields.references is None
    for name, file in MMBENCH_TASKS.items():
        spec = load_task(name)
        assert (spec.dataset.loader, spec.dataset.path, spec.dataset.name) == ("vlmevalkit_tsv", "LMUData", file)
        assert spec.submission.format == "mmbench_xlsx" and spec.scorers == [] and spec.primary_metric == "submitted"


@pytest.mark.parametrize("task", RRC_TASKS)
def test_the_rrc_file_holds_every_question_once_in_the_servers_ids(run, task):
    entries = json.loads((run / "submissions" / f"{task}.json").read_text())
    ids = DOCVQA_TEST_IDS[RRC_TASKS[task]]
    assert [e["questionId"] for e in entries] == ids and all(type(e["questionId"]) is int for e in entries)
    assert all(set(e) == {"questionId", "answer"} and isinstance(e["answer"], str) for e in entries)
    records = {int(r.id): r for r in iter_samples(run, task)}
    failed = {q for q, r in records.items() if r.error is not None}
    assert failed == ({ids[1]} if task == "docvqa_test" else set())
    for e in entries:  # an answer is the model's own; a failed question is "", never the text that came with the failure
        assert e["answer"] == ("" if e["questionId"] in failed else records[e["questionId"]].prediction)
        assert e["answer"] != "LEAK" and (e["questionId"] in failed or e["answer"].startswith("answer "))


@pytest.mark.parametrize("task", MMBENCH_TASKS)
def test_the_mmbench_workbook_has_one_row_per_tsv_row_keyed_by_index(run, task):
    frame = pd.read_excel(run / "submissions" / f"{task}.xlsx")
    rows = mmbench_test_rows(MMBENCH_TASKS[task])
    assert [int(x) for x in frame["index"]] == [r["index"] for r in rows]  # every circular copy its own row
    assert list(frame.columns) == ["index", "question", "hint", "A", "B", "C", "D", "category", "l2-category", "split", "prediction"]
    assert frame["question"].tolist() == [r["question"] for r in rows]
    assert frame["A"].tolist() == [r["A"] for r in rows] and frame["split"].eq("test").all()
    season = frame["question"].isin(["Which season is it?", "现在是什么季节？"])
    assert season.sum() == 2  # the question and its one rotation (two options)
    assert frame.loc[season, "prediction"].isna().all()  # failed: an empty cell, never a model answer
    assert frame.loc[~season, "prediction"].str.startswith("answer ").all()


def test_results_say_the_server_scores_them_and_count_the_failures(run):
    results = read_results(run)
    expected = {"docvqa_test": (4, 1), "infovqa_test": (3, 0), "mmbench_en_test_v11": (18, 2), "mmbench_cn_test_v11": (18, 2),
                "mmbench_en_test": (18, 2)}
    raw = json.loads((run / "results.json").read_text())
    for name, (n_rows, n_failed) in expected.items():
        r = results.tasks[name]
        assert r.status == "submitted" and r.primary_metric == "submitted" and r.metrics == {} and r.subgroups == []
        assert raw["tasks"][name]["metrics"] == {}  # no number at all: not 0, not NaN
        s = r.submission
        assert (s.n_rows, s.n_answered, s.n_failed) == (n_rows, n_rows - n_failed, n_failed) and r.n_errors == n_failed
        assert s.path == f"submissions/{name}{'.json' if name in RRC_TASKS else '.xlsx'}" and (run / s.path).is_file()
        assert s.format == ("rrc_json" if name in RRC_TASKS else "mmbench_xlsx")
        assert any(n.startswith(f"submission: scored by the benchmark's server, not here: upload {s.path}") for n in r.notes)
    assert results.tasks["docvqa_test"].submission.missing == '"answer": ""'


def test_the_run_s_table_says_submitted_with_the_file_never_a_number(run):
    import io

    from rich.console import Console

    from evals.cli.console import results_tables

    out = Console(width=120, record=True, file=io.StringIO())
    for table in results_tables([read_results(run)]):
        out.print(table)
    rows = {line.split()[0]: line.split() for line in out.export_text().splitlines() if line.split() and line.split()[0] in {*RRC_TASKS, *MMBENCH_TASKS}}
    assert sorted(rows) == sorted({*RRC_TASKS, *MMBENCH_TASKS})  # every withheld task has its row
    assert rows["docvqa_test"][1:4] == ["submitted", "submissions/docvqa_test.json", "-"]
    assert rows["mmbench_en_test"][1:3] == ["submitted", "submissions/mmbench_en_test.xlsx"]
    assert rows["docvqa_test"][-2] == "1"  # the failed question is an error, counted


def test_rescore_keeps_the_submission(run, tmp_path):
    out = rescore_run(run, output=tmp_path / "rescored")
    results = read_results(out)
    for name in [*RRC_TASKS, *MMBENCH_TASKS]:
        r, before = results.tasks[name], read_results(run).tasks[name]
        assert r.status == "submitted" and r.metrics == {} and r.rescored is not None
        assert r.submission == before.submission
        if name in RRC_TASKS:
            assert (out / r.submission.path).read_bytes() == (run / before.submission.path).read_bytes()
        else:
            pd.testing.assert_frame_equal(pd.read_excel(out / r.submission.path), pd.read_excel(run / before.submission.path))


def test_a_robustness_condition_writes_its_own_file_and_compares_nothing(data_dir, tmp_path):
    spec = load_task("docvqa_test")
    results = run_tasks([spec, under_condition(spec, "jpeg:10")], data_dir, tmp_path / "run", "B")
    assert results.robustness == []  # no score here to compare with clean
    for name in ("docvqa_test", "docvqa_test.jpeg_10"):
        r = results.tasks[name]
        assert r.status == "submitted" and r.submission.path == f"submissions/{name}.json"
        assert [e["questionId"] for e in json.loads((tmp_path / "run" / r.submission.path).read_text())] == DOCVQA_TEST_IDS["DocVQA"]


def test_a_submission_task_is_refused_before_anything_runs_without_its_writers_package(data_dir, tmp_path, monkeypatch):
    import evals.scoring.submission as submission

    monkeypatch.setattr(submission, "find_spec", lambda name: None if name == "xlsxwriter" else object())
    with pytest.raises(OmniEvalError, match="mmbench_en_test_v11: submission format mmbench_xlsx needs xlsxwriter"):
        run_tasks([load_task("docvqa_test"), load_task("mmbench_en_test_v11")], data_dir, tmp_path / "run", "x")
    assert not (tmp_path / "run" / "results.json").exists()


def test_the_spec_keeps_scoring_and_submitting_apart(tmp_path):
    base = load_task("docvqa_test").model_dump()
    with pytest.raises(ValueError, match="declare no scorers, judge or fields.references"):
        TaskSpec.model_validate({**base, "scorers": [{"name": "anls"}]})
    with pytest.raises(ValueError, match="declare no scorers, judge or fields.references"):
        TaskSpec.model_validate({**base, "fields": {**base["fields"], "references": "answers"}})
    with pytest.raises(ValueError, match="unknown submission format 'csv'; known: mmbench_xlsx, rrc_json"):
        TaskSpec.model_validate({**base, "submission": {"format": "csv"}})
    with pytest.raises(ValueError, match="scorers: name at least one"):
        TaskSpec.model_validate({**base, "submission": None})
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(load_task("docvqa_test").source_file).read_text().replace("format: rrc_json", "format: rrc"))
    with pytest.raises(SpecError, match=r"bad.yaml: submission.format \(variant docvqa_test\): unknown submission format 'rrc'"):
        load_task_family(bad)


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers_both_kinds_and_the_files_are_written(data_dir, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})  # a real architecture's processor and chat template
    specs = [load_task(n) for n in ("docvqa_test", "mmbench_en_test_v11")]  # a few tokens show the requests run
    specs = [s.model_copy(update={"generation": s.generation.model_copy(update={"max_new_tokens": 4})}) for s in specs]
    try:
        results = run_tasks(specs, data_dir, tmp_path / "run", "", limit=4, adapter=adapter)
    finally:
        adapter.close()
    for task, result in results.tasks.items():
        assert result.n_errors == 0 and result.status == "submitted"
        assert (result.submission.n_rows, result.submission.n_answered) == (4, 4)
        data = (tmp_path / "run" / result.submission.path).read_bytes()
        rows = json.loads(data) if task == "docvqa_test" else pd.read_excel(io.BytesIO(data)).to_dict("records")
        records = list(iter_samples(tmp_path / "run", task))
        assert [r["questionId" if task == "docvqa_test" else "index"] for r in rows] == [int(r.id) for r in records]
