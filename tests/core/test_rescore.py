"""``omnieval rescore``: new scores from stored predictions, with no model and (unless a new field needs them) no data."""

from __future__ import annotations

import shutil

import pytest
from core_fixtures import VQAV2_TASK, write_task, write_vqav2_mirror
from typer.testing import CliRunner

from evals.adapters import base as adapters
from evals.adapters.base import create_adapter
from evals.cli.main import app
from evals.errors import OmniEvalError
from evals.results import iter_samples, read_results
from evals.run.evaluate import evaluate_model
from evals.run.rescore import rescore_run
from evals.run.runner import RunOptions
from evals.spec.catalog import load_task


@pytest.fixture
def finished_run(tmp_path, monkeypatch):
    """A run of the VQAv2 fixture by the flaky test adapter, after which that adapter is gone (as an unavailable model)."""
    write_vqav2_mirror(tmp_path / "mirror", 12)
    monkeypatch.setitem(adapters.ADAPTER_MODULES, "flaky", "flaky_adapter")
    spec = load_task(str(write_task(tmp_path)))
    evaluate_model(create_adapter("flaky:m", {}), [spec], tmp_path / "runs" / "r1", None, RunOptions(data_dir=str(tmp_path / "mirror")))
    monkeypatch.delitem(adapters.ADAPTER_MODULES, "flaky")
    return tmp_path / "runs" / "r1"


def test_rescore_with_edited_scorers_needs_neither_model_nor_data(finished_run, tmp_path):
    shutil.rmtree(tmp_path / "mirror")  # no data either
    with pytest.raises(OmniEvalError):
        create_adapter("flaky:m", {})
    edited = VQAV2_TASK.replace("  - name: exact_match", "  - name: vqa_accuracy\n  - name: exact_match")
    spec = load_task(str(write_task(tmp_path, edited, "edited.yaml")))
    out = rescore_run(finished_run, [spec])
    old, new = read_results(finished_run).tasks["vqav2_fixture"], read_results(out).tasks["vqav2_fixture"]
    # "yes" is right on the six even rows, by both scorers.
    assert new.metrics["vqa_accuracy"].value == pytest.approx(0.5) and new.metrics["exact_match"] == old.metrics["exact_match"]
    assert new.rescored.from_run == "r1" and new.rescored.spec_hash == spec.spec_hash != new.rescored.from_spec_hash
    assert new.spec_hash == spec.spec_hash and new.task_hash != old.task_hash and new.n_samples == 12
    records = list(iter_samples(out, "vqav2_fixture"))
    assert len(records) == 12 and all("vqa_accuracy" in r.scores for r in records)
    assert [r.prediction for r in records] == [r.prediction for r in iter_samples(finished_run, "vqav2_fixture")]


def test_rescore_with_the_same_spec_reproduces_the_results(finished_run, tmp_path):
    spec = load_task(str(tmp_path / "vqav2_fixture.yaml"))
    out = rescore_run(finished_run, [spec], tmp_path / "again")
    old, new = read_results(finished_run).tasks["vqav2_fixture"], read_results(out).tasks["vqav2_fixture"]
    assert new.metrics == old.metrics and new.subgroups == old.subgroups and new.task_hash == old.task_hash


def test_a_new_subgroup_field_reads_only_that_field_from_the_run_rows(finished_run, tmp_path):
    edited = VQAV2_TASK.replace("subgroups: [answer_type]", "subgroups: [answer_type, question_type]")
    spec = load_task(str(write_task(tmp_path, edited, "edited.yaml")))
    out = rescore_run(finished_run, [spec], data_dir=str(tmp_path / "mirror"))
    reports = {s.field: s for s in read_results(out).tasks["vqav2_fixture"].subgroups}
    assert reports["question_type"].groups["is the"]["exact_match"].value == 1.0
    assert reports["question_type"].groups["how many"]["exact_match"].value == 0.0


def test_rescore_from_the_cli_and_the_leaderboard_takes_the_rescored_run(finished_run, tmp_path):
    runner = CliRunner()
    out = runner.invoke(app, ["rescore", str(finished_run), "--task", str(tmp_path / "vqav2_fixture.yaml")])
    assert out.exit_code == 0, out.output
    rescored = [d for d in (tmp_path / "runs").iterdir() if d.name.startswith("r1-rescored-")]
    assert len(rescored) == 1 and f"-> {rescored[0]}" in out.output
    board = runner.invoke(app, ["leaderboard", str(tmp_path / "runs"), "--out", str(tmp_path / "board"), "--no-plots"])
    assert board.exit_code == 0, board.output
    import json

    data = json.loads((tmp_path / "board" / "leaderboard.json").read_text())
    used = {c["run_id"] for c in data["cells"] if c.get("run_id")}
    assert used == {rescored[0].name}
    missing = runner.invoke(app, ["rescore", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0


@pytest.mark.parametrize("extra", [["--conditions", "clean,white_noise:10"], ["--max-new-tokens", "7"]])
def test_a_rescored_run_keeps_each_tasks_identity_conditions_and_budgets_included(tmp_path, extra):
    """A task made by the run (a condition of harvard_asr, a --max-new-tokens budget) is rescored with the spec the run
    used, read from its recorded source: same spec and task hashes, so the leaderboard takes the rescored run."""
    import json

    runner = CliRunner()
    run = runner.invoke(app, ["run", "-m", "baseline:constant", "-a", "text=a boy", "-t", "harvard_asr", "--limit", "4", "-o",
                              str(tmp_path / "runs"), "--no-cache", "--no-progress", *extra])  # fmt: skip
    assert run.exit_code == 0, run.output
    [original] = (tmp_path / "runs").iterdir()
    out = runner.invoke(app, ["rescore", str(original)])
    assert out.exit_code == 0, out.output
    [rescored] = [d for d in (tmp_path / "runs").iterdir() if d != original]
    before, after = read_results(original).tasks, read_results(rescored).tasks
    assert set(before) == set(after) and len(before) == (2 if "--conditions" in extra else 1)
    for name, result in before.items():
        assert (after[name].spec_hash, after[name].task_hash) == (result.spec_hash, result.task_hash), name
        assert after[name].metrics["wer"].value == result.metrics["wer"].value
    board = runner.invoke(app, ["leaderboard", str(tmp_path / "runs"), "--out", str(tmp_path / "board"), "--no-plots"])
    assert board.exit_code == 0, board.output
    used = {c["run_id"] for c in json.loads((tmp_path / "board" / "leaderboard.json").read_text())["cells"] if c.get("run_id")}
    assert used == {rescored.name}


def test_a_run_made_before_spec_sources_were_recorded_rescores_its_condition_tasks_by_name(tmp_path):
    import json

    runner = CliRunner()
    run = runner.invoke(app, ["run", "-m", "baseline:constant", "-t", "harvard_asr", "--limit", "3", "-o", str(tmp_path / "runs"),
                              "--no-cache", "--no-progress", "--conditions", "clean,babble:5"])  # fmt: skip
    assert run.exit_code == 0, run.output
    [original] = (tmp_path / "runs").iterdir()
    manifest = json.loads((original / "manifest.json").read_text())
    for entry in manifest["tasks"].values():
        del entry["spec_source"]
    (original / "manifest.json").write_text(json.dumps(manifest))
    rescored = rescore_run(original, output=tmp_path / "again", n_resamples=20)
    assert {n: r.spec_hash for n, r in read_results(rescored).tasks.items()} == \
        {n: r.spec_hash for n, r in read_results(original).tasks.items()}
