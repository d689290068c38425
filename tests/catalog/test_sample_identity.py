"""Sample identity: ids are unique within a run even where the data's id column repeats (MME: two questions per
image share its question_id), the same whatever rows a run selects, and a missing id or subgroup column is a note."""

from __future__ import annotations

import json

from helpers import run_cli, run_tasks
from make_fixtures import ENC, write_fixtures

from evals.report.compare import read_sample_stats
from evals.results import iter_samples
from evals.spec.catalog import load_task

# lmms-lab MME in the fixture: (question_id, answer) by row; each image's two questions share the question_id.
MME_ROWS = [("existence/1.jpg", "Yes"), ("existence/1.jpg", "No"), ("count/2.jpg", "Yes"), ("count/2.jpg", "Yes"),
            ("code_reasoning/3.png", "Yes"), ("code_reasoning/3.png", "No")]


def test_mme_ids_are_unique_and_pair_each_question_across_models(fixture_mirror, tmp_path):
    """A paired comparison (the leaderboard's join by id) sees six questions, each right for exactly one of "Yes"/"No"."""
    stats = {}
    for answer in ("Yes", "No"):
        run_tasks([load_task("mme")], fixture_mirror, tmp_path / answer, answer)
        records = list(iter_samples(tmp_path / answer, "mme"))
        assert [r.id for r in records] == [f"{q}#{i}" for i, (q, _) in enumerate(MME_ROWS)]
        stats[answer], _ = read_sample_stats(str(tmp_path / answer), "mme", "mme", keep=0)
    assert set(stats["Yes"]) == set(stats["No"]) and len(stats["Yes"]) == 6
    for i, (q, gold) in enumerate(MME_ROWS):
        sid = f"{q}#{i}"
        assert stats["Yes"][sid]["score"] == float(gold == "Yes") and stats["No"][sid]["score"] == float(gold == "No")
        assert stats["Yes"][sid]["score"] + stats["No"][sid]["score"] == 1.0
        assert stats["Yes"].clusters[sid] == q  # an image's two questions resample together


def test_mme_condition_is_compared_with_clean_question_by_question(fixture_mirror, tmp_path):
    """A constant answer does not look at the image: paired question by question, every difference is zero. (Joined by
    the repeated question_id, an image's first question would meet its second's clean score: -1/6 here.)"""
    from typer.testing import CliRunner

    from evals.cli.main import app

    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", "text=Yes", "-t", "mme", "--conditions", "clean,jpeg:50",
                                      "--data-dir", str(fixture_mirror), "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"),
                                      "--no-progress"])  # fmt: skip
    assert result.exit_code == 0, result.output
    [run] = (tmp_path / "runs").iterdir()
    [comparison] = json.loads((run / "results.json").read_text())["robustness"]
    assert comparison["n"] == 6 and comparison["diff"] == 0.0


def test_mme_resumes_with_the_same_ids_whatever_the_selection(fixture_mirror, tmp_path):
    """A run of 4 rows, then the whole task on the same cache: the 4 come from the cache under the same ids, and the
    records equal an uninterrupted run's."""
    cache = tmp_path / "c.sqlite"
    part, part_records = run_cli(fixture_mirror, tmp_path / "part", cache, "mme", "Yes", "--limit", "4")
    whole, records = run_cli(fixture_mirror, tmp_path / "whole", cache, "mme", "Yes")
    fresh, fresh_records = run_cli(fixture_mirror, tmp_path / "fresh", tmp_path / "fresh.sqlite", "mme", "Yes")
    # A response is cached under its request, not its sample id; the fixture asks an image's two questions in the
    # same words, so the 4 rows run first (0, 1, 3, 4) answer all 6.
    assert part["n_samples"] == 4 and whole["n_cached"] == 6 and fresh["n_cached"] == 0
    by_id = {r["id"]: r for r in records}
    assert len(by_id) == 6 and all(by_id[r["id"]]["index"] == r["index"] for r in part_records)
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("cached", "latency_s")} for r in rows]  # noqa: E731
    assert strip(records) == strip(fresh_records)
    assert whole["metrics"] == fresh["metrics"]


def test_a_missing_id_column_falls_back_to_the_row_index(tmp_path):
    """VisuLogic's data.jsonl without ``id``: each sample's id is its row index, and the results say so."""
    import make_fixtures

    mirror = tmp_path / "mirror"
    make_fixtures.write_visulogic(mirror)
    path = mirror / "VisuLogic" / "VisuLogic" / "data.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "id"}) + "\n" for r in rows))
    result = run_tasks([load_task("visulogic")], mirror, tmp_path / "run", "A").tasks["visulogic"]
    assert [r.id for r in iter_samples(tmp_path / "run", "visulogic")] == ["0", "1", "2"]
    assert result.n_errors == 0 and result.n_scored == 3 and result.metrics["accuracy"].value == 1 / 3
    assert "fields.id: column 'id' is not in the data: each sample's id is its row index" in result.notes


def test_a_missing_subgroup_column_is_a_note_not_a_failure(tmp_path):
    """GQA's questions without ``types``: scored as before, no breakdown by type, and a note for each missing field."""
    import pyarrow.parquet as pq

    mirror = write_fixtures(tmp_path / "mirror", {f"{ENC}/GQA"})
    path = mirror / ENC / "GQA" / "testdev_balanced_instructions" / "testdev-00000-of-00001.parquet"
    pq.write_table(pq.read_table(path).drop_columns(["types"]), path)
    result = run_tasks([load_task("gqa_testdev")], mirror, tmp_path / "run", "yes").tasks["gqa_testdev"]
    assert result.n_errors == 0 and result.n_scored == 3 and result.metrics["exact_match"].value == 2 / 3
    assert result.subgroups == []
    for field in ("types.structural", "types.semantic"):
        assert f"fields.subgroups: column {field!r} is not in the data: no {field} breakdown" in result.notes


def test_a_repeated_id_nobody_declared_is_told_apart_by_its_row_index(fixture_mirror, tmp_path):
    """MME without fields.id_with_index: the repeats get <id>#<row index>, with a note; ids stay unique."""
    spec = load_task("mme")
    spec = spec.model_copy(update={"fields": spec.fields.model_copy(update={"id_with_index": False})})
    result = run_tasks([spec], fixture_mirror, tmp_path / "run", "Yes").tasks["mme"]
    ids = [r.id for r in iter_samples(tmp_path / "run", "mme")]
    assert ids == ["existence/1.jpg", "existence/1.jpg#1", "count/2.jpg", "count/2.jpg#3", "code_reasoning/3.png", "code_reasoning/3.png#5"]
    assert any(n.startswith("fields.id: 3 row(s) repeat an earlier 'question_id'") for n in result.notes), result.notes
    assert result.metrics["acc_plus"].value == 1 / 3  # pairs by image (metadata.image), not by id
