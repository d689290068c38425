"""HR-Bench 4K and 8K (tasks/mcq/hrbench.yaml) from VLMEvalKit's TSV files: read, asked and scored as VLMEvalKit does.

The reference is open-compass/VLMEvalKit at commit e8e78f05f3080fe28154f2130321f17951c3be94: ``HRBenchDataset`` (an
``ImageMCQDataset``: the prompt of vlmeval/dataset/image_mcq.py ``build_prompt``, the image first) evaluated by
``mcq_vanilla_eval`` (can_infer) and ``report_acc_hrbench`` (vlmeval/dataset/utils/hrbench.py: accuracy within each
``cycle_category``, overall and by ``category``, then the mean over cycles).
"""

from __future__ import annotations

import base64
import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import hrbench_rows, write_hrbench

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

VARIANTS = {"hrbench_4k": "HRBench4K", "hrbench_8k": "HRBench8K"}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_hrbench(tmp_path_factory.mktemp("hrbench"))


def report_acc_hrbench(rows: list[dict], hits: list[float]) -> dict[str, float]:
    """VLMEvalKit's figure, restated: per cycle the accuracy over all rows and per category, then the mean over cycles."""
    cycles = sorted({r["cycle_category"] for r in rows})
    out = {}
    for key in ("all", *sorted({r["category"] for r in rows})):
        per_cycle = []
        for c in cycles:
            sel = [h for r, h in zip(rows, hits) if r["cycle_category"] == c and key in ("all", r["category"])]
            per_cycle.append(sum(sel) / len(sel))
        out[key] = sum(per_cycle) / len(per_cycle)
    return out


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_file_is_read_and_scored_as_vlmevalkit_reports_it(mirror, tmp_path, name):
    spec = load_task(name)
    assert (spec.dataset.loader, spec.dataset.path, spec.dataset.name) == ("vlmevalkit_tsv", "LMUData", VARIANTS[name])
    assert [s.name for s in spec.scorers] == ["mmbench_match"] and spec.judge.optional
    r = run_tasks([spec], mirror, tmp_path / "run", "A").tasks[name]
    rows = hrbench_rows(VARIANTS[name])
    assert r.n_errors == 0 and r.n_samples == r.n_scored == len(rows)
    official = report_acc_hrbench(rows, [1.0 if row["answer"] == "A" else 0.0 for row in rows])
    assert r.metrics["accuracy"].value == pytest.approx(official["all"]) == pytest.approx(2 / 6)
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups["category"] == pytest.approx({"single": official["single"], "cross": official["cross"]})
    assert groups["category"] == pytest.approx({"single": 0.25, "cross": 0.5})
    assert groups["cycle_category"] == pytest.approx({"cycle1": 2 / 3, "cycle2": 0.0})


def test_the_request_is_vlmevalkits_image_then_its_mcq_prompt(mirror, tmp_path):
    run_tasks([load_task("hrbench_8k")], mirror, tmp_path / "run", "I cannot see it.")
    rows = {str(r["index"]): r for r in hrbench_rows("HRBench8K")}
    records = list(iter_samples(tmp_path / "run", "hrbench_8k"))
    assert sorted(rec.id for rec in records) == sorted(rows)
    for rec in records:
        row = rows[rec.id]
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        assert image["sha"] == image_part(base64.b64decode(row["image"])).sha
        options = "".join(f"{c}. {row[c]}\n" for c in "ABCD")
        assert text["text"] + "\n" == f"Question: {row['question']}\nOptions:\n{options}Please select the correct answer from the options above. \n"
        assert rec.extracted is None and rec.extraction_rule == "unparsed" and rec.scores["mmbench_match"]["score"] == 0.0


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "hrbench_4k", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6
