"""Charades-STA (tasks/video/charades_sta.yaml) end to end on a fixture mirror laid out as lmms-lab/charades_sta (the test
parquet, the videos under Charades_v1_480/ in the part zips): lmms-eval's prompt, its span reading and the IoU
figures, sentences clustered by video, and a tiny video model of a real architecture answering."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import CHARADES_STA, write_charades_sta

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_charades_sta(tmp_path_factory.mktemp("charades"))


def test_a_span_answer_scores_iou_recall_and_mean_iou(mirror, tmp_path):
    # References [0.5, 2], [1, 3], [0, 1.5]; the answer [1, 2] has IoU 2/3, 1/2 and 1/4 with them.
    r = run_tasks([load_task("charades_sta")], mirror, tmp_path / "run", "The event happens in the 1.0 - 2.0 seconds.").tasks["charades_sta"]
    assert (r.n_samples, r.n_errors) == (3, 0)
    metrics = {k: m.value for k, m in r.metrics.items()}
    assert metrics == pytest.approx({"mean_iou": (2 / 3 + 1 / 2 + 1 / 4) / 3, "r@0.3": 2 / 3, "r@0.5": 2 / 3, "r@0.7": 0.0,
                                     "unparsed_rate": 0.0})
    records = list(iter_samples(tmp_path / "run", "charades_sta"))
    assert len({rec.cluster for rec in records}) == 2  # intervals resample videos, not sentences
    text = records[0].prompt[0]["content"][-1]["text"]
    assert text.endswith(f"Now I will give you the textual sentence: {CHARADES_STA[0][1]}. Please return its start time and end time.")
    assert [rec.scores["charades_sta_iou"]["iou"] for rec in records] == pytest.approx([2 / 3, 1 / 2, 1 / 4])


def test_an_answer_without_a_span_is_iou_zero_and_counted(mirror, tmp_path):
    r = run_tasks([load_task("charades_sta")], mirror, tmp_path / "run", "I cannot tell.").tasks["charades_sta"]
    assert r.metrics["mean_iou"].value == 0.0 and r.metrics["unparsed_rate"].value == 1.0 and r.n_scored == 3


def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "charades_sta", mirror, tmp_path / "run", family="qwen2_5_vl", limit=2)
    assert (r.n_samples, r.n_errors) == (2, 0) and 0.0 <= r.metrics["mean_iou"].value <= 1.0
