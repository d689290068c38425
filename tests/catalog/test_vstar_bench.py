"""V* Bench (tasks/mcq/vstar_bench.yaml) from VLMEvalKit's VStarBench.tsv: read, asked and scored as VLMEvalKit does.

The reference is open-compass/VLMEvalKit at commit e8e78f05f3080fe28154f2130321f17951c3be94: ``ImageMCQDataset`` (the
prompt of vlmeval/dataset/image_mcq.py ``build_prompt``: only the options a row has; the image first), ``mcq_vanilla_eval``
(can_infer, not circular) and ``report_acc`` (overall and by ``category``).
"""

from __future__ import annotations

import base64
import json

import pytest
from helpers import run_tasks
from make_fixtures import vstar_rows, write_vstar

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_vstar(tmp_path_factory.mktemp("vstar"))


def test_the_file_is_read_and_scored_by_category(mirror, tmp_path):
    spec = load_task("vstar_bench")
    assert (spec.dataset.loader, spec.dataset.path, spec.dataset.name) == ("vlmevalkit_tsv", "LMUData", "VStarBench")
    assert [s.name for s in spec.scorers] == ["mmbench_match"] and spec.judge.optional
    r = run_tasks([spec], mirror, tmp_path / "run", "(A)").tasks["vstar_bench"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 4
    assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"category": {"direct_attributes": 0.5, "relative_position": 0.5}}


def test_the_request_has_only_the_rows_options(mirror, tmp_path):
    run_tasks([load_task("vstar_bench")], mirror, tmp_path / "run", "C")  # C: no option of a two-option question
    rows = {str(r["index"]): r for r in vstar_rows()}
    for rec in iter_samples(tmp_path / "run", "vstar_bench"):
        row = rows[rec.id]
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        assert image["sha"] == image_part(base64.b64decode(row["image"])).sha
        options = "".join(f"{c}. {row[c]}\n" for c in "ABCD" if row[c] is not None)
        assert text["text"] + "\n" == f"Question: {row['question']}\nOptions:\n{options}Please select the correct answer from the options above. \n"
        two = row["C"] is None
        assert rec.extracted == (None if two else "C") and rec.scores["mmbench_match"]["score"] == (1.0 if row["answer"] == "C" else 0.0)
