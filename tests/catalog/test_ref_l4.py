"""Ref-L4 (tasks/grounding/ref_l4.yaml) end to end on a fixture mirror in the Hub repo's own layout (make_fixtures.write_ref_l4:
the split parquets the card's configs block maps, images.tar.gz unpacked beside it): the reference box made corners from
[x, y, w, h], Acc@0.5 counted as the official evaluator counts it (IoU over 0.5: a box at exactly 0.5 is wrong), the size
levels, a picture missing or named outside the mirror as that sample's error, and a tiny Qwen2.5-VL answering."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks
from make_fixtures import REF_L4, write_ref_l4

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

HALF = "[0, 0, 0.5, 0.5]"
"""[0, 0, 160, 160] on the fixture's 320x320 pictures."""


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_ref_l4(tmp_path_factory.mktemp("ref_l4"))


def test_the_upper_left_quarter_against_each_reference(mirror, tmp_path):
    """Test split: [10, 10, 60, 50] IoU 2000/25600; [0, 0, 160, 160] IoU 1 (right); [0, 0, 300, 300] 25600/90000; [0, 0, 320,
    160] exactly 0.5, wrong under the official iou > 0.5 (lmms-eval's RefCOCO rule, >=, would count it). Val: 1 and 0."""
    results = run_tasks([load_task("ref_l4_test"), load_task("ref_l4_val")], mirror, tmp_path / "run", HALF).tasks
    test, val = results["ref_l4_test"], results["ref_l4_val"]
    assert test.n_errors == val.n_errors == 0 and test.n_scored == 4 and val.n_scored == 2
    assert test.dataset.origin.startswith("mirror:")
    assert test.metrics["acc@0.5"].value == 0.25 and test.metrics["unparsed_rate"].value == 0.0
    assert test.metrics["miou"].value == pytest.approx((2000 / 25600 + 1 + 25600 / 90000 + 0.5) / 4)
    groups = {s.field: {g: m["acc@0.5"].value for g, m in s.groups.items()} for s in test.subgroups}
    assert groups == {"size": {"small": 0.0, "medium": 0.5, "large": 0.0}}
    assert val.metrics["acc@0.5"].value == 0.5 and val.metrics["miou"].value == 0.5
    records = {r.id: r for r in iter_samples(tmp_path / "run", "ref_l4_test")}
    assert records["1"].references == ["[10.0, 10.0, 60.0, 50.0]"] and records["1"].cluster == "COCO_train2014_000000000001.jpg"
    assert records["4"].scores["box_iou_accuracy"]["iou"] == 0.5 and records["4"].scores["box_iou_accuracy"]["correct"] == 0.0
    assert [p["type"] for p in records["1"].prompt[0]["content"]] == ["image", "text"]
    assert records["1"].prompt[0]["content"][1]["text"].endswith("describes: The small red cup on the left edge of the wooden table.")


def test_a_picture_missing_or_outside_the_mirror_is_that_sample_s_error(tmp_path):
    import pyarrow.parquet as pq

    root = write_ref_l4(tmp_path / "m")
    repo = root / REF_L4
    (repo / "o365_000000000003.jpg").unlink()
    table = pq.read_table(repo / "ref-l4-val.parquet")
    names = table.column("file_name").to_pylist()
    names[1] = "../../../etc/passwd"
    pq.write_table(table.set_column(table.schema.get_field_index("file_name"), "file_name", [names]), repo / "ref-l4-val.parquet")
    results = run_tasks([load_task("ref_l4_test"), load_task("ref_l4_val")], root, tmp_path / "run", HALF).tasks
    assert results["ref_l4_test"].n_errors == 1 and results["ref_l4_test"].n_scored == 3
    assert results["ref_l4_val"].n_errors == 1 and results["ref_l4_val"].n_scored == 1


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_qwen2_5_vl_answers(mirror, tmp_path, tiny_model):
    from helpers import tiny_vlm_results

    r = tiny_vlm_results(tiny_model, "ref_l4_test", mirror, tmp_path / "run", family="qwen2_5_vl", max_new_tokens=8, limit=1)
    assert r.n_errors == 0 and r.n_scored == 1 and 0.0 <= r.metrics["acc@0.5"].value <= 1.0
