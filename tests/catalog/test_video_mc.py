"""EgoSchema (subset), Perception Test (MC val), VSI-Bench, TempCompass (MC) and TOMATO end to end on fixture mirrors
in their Hub layouts (tasks/video/egoschema_subset.yaml, perceptiontest_val_mc.yaml, vsibench.yaml, tempcompass_mc.yaml,
tomato.yaml): each row's video found in the repo's
archives, the answers read and scored as lmms-eval does (tests/conformance/test_video_mc.py checks the readings and
prompts case by case against lmms-eval's own outputs), questions clustered by video, and a tiny video model of a real
architecture answering."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import write_video_mc

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = ["egoschema_subset", "perceptiontest_val_mc", "vsibench", "tempcompass_mc", "tomato"]


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_video_mc(tmp_path_factory.mktemp("video-mc"))


def _metrics(result) -> dict[str, float]:
    return {k: m.value for k, m in result.metrics.items() if m.value == m.value}  # absent VSI-Bench categories are NaN


def test_each_task_reads_its_config_and_videos_and_scores_as_lmms_eval(mirror, tmp_path):
    specs = [load_task(t) for t in TASKS]
    assert [(s.dataset.path, s.dataset.name, s.dataset.split, s.video.frames) for s in specs] == [
        ("lmms-eval/egoschema", "Subset", "test", 32), ("lmms-eval/PerceptionTest_Val", "mc_question_val", "validation", 32),
        ("nyu-visionx/VSI-Bench", "full", "test", 32), ("lmms-eval/TempCompass", "multi-choice", "test", 32),
        ("lmms-eval/TOMATO", None, "test", 16)]
    ego = run_tasks(specs[:2], mirror, tmp_path / "mc", "A").tasks
    # EgoSchema answers A, D, B; Perception Test A, C, B: "A" is right once in each.
    for task in TASKS[:2]:
        assert (ego[task].n_samples, ego[task].n_errors) == (3, 0)
        assert _metrics(ego[task]) == pytest.approx({"accuracy": 1 / 3, "unparsed_rate": 0.0})
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in ego["perceptiontest_val_mc"].subgroups}
    assert groups == {"area": {"Memory": 1.0, "Physics": 0.0}, "reasoning": {"descriptive": 1.0, "predictive": 0.0, "explanatory": 0.0}}
    assert len({r.cluster for r in iter_samples(tmp_path / "mc", "egoschema_subset")}) == 3
    assert len({r.cluster for r in iter_samples(tmp_path / "mc", "perceptiontest_val_mc")}) == 2  # intervals resample videos

    # TempCompass answers "A. slowly", "C. from right to left", "A. from left to right": the bare "A" is right twice.
    tc = run_tasks([specs[3]], mirror, tmp_path / "tc", "A").tasks["tempcompass_mc"]
    assert (tc.n_samples, tc.n_errors) == (3, 0) and _metrics(tc) == pytest.approx({"accuracy": 2 / 3, "unparsed_rate": 0.0})
    assert {g: v["accuracy"].value for g, v in tc.subgroups[0].groups.items()} == {"speed": 1.0, "direction": 0.5}
    assert len({r.cluster for r in iter_samples(tmp_path / "tc", "tempcompass_mc")}) == 2

    # TOMATO answers A, C, B (the first two about one video): "A" is right on the first.
    tm = run_tasks([specs[4]], mirror, tmp_path / "tm", "A").tasks["tomato"]
    assert (tm.n_samples, tm.n_errors) == (3, 0) and _metrics(tm) == pytest.approx({"accuracy": 1 / 3, "unparsed_rate": 0.0})
    assert {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in tm.subgroups} == {
        "reason_type": {"count": 1.0, "direction": 0.0}, "demonstration_type": {"human": 0.5, "object": 0.0}}
    assert len({r.cluster for r in iter_samples(tmp_path / "tm", "tomato")}) == 2

    # VSI-Bench: "A 3" is right on the easy direction question (A), wrong on the medium one (C) and route planning (B);
    # 3 chairs of 3 is MRA 1; 3 m² of 4.2 (relative error 0.29) passes the thresholds .5-.7: MRA 0.5. The categories:
    # direction (1 + 0) / 2, route 0, counting 1, room size 0.5; overall their mean.
    vsi = run_tasks([specs[2]], mirror, tmp_path / "vsi", "A 3").tasks["vsibench"]
    assert (vsi.n_samples, vsi.n_errors) == (5, 0)
    assert _metrics(vsi) == pytest.approx({"overall": 0.5, "object_rel_direction_accuracy": 0.5, "route_planning_accuracy": 0.0,
                                           "object_counting_mra": 1.0, "room_size_estimation_mra": 0.5, "unparsed_rate": 0.0})
    by_source = next(s for s in vsi.subgroups if s.field == "dataset").groups
    assert {g: v["overall"].value for g, v in by_source.items()} == pytest.approx({"arkitscenes": 1.0, "scannet": (0 + 0 + 0.5) / 3})
    records = list(iter_samples(tmp_path / "vsi", "vsibench"))
    assert len({r.cluster for r in records}) == 2
    assert [(r.extracted, r.extraction_rule) for r in records] == [("A", "first_word"), ("3", "number"), ("A", "first_word"),
                                                                   ("A", "first_word"), ("3", "number")]


def test_answers_no_rule_reads_are_wrong_and_counted(mirror, tmp_path):
    results = run_tasks([load_task(t) for t in TASKS], mirror, tmp_path / "run", "no idea").tasks
    for task in ("egoschema_subset", "perceptiontest_val_mc", "tempcompass_mc", "tomato"):
        assert _metrics(results[task]) == {"accuracy": 0.0, "unparsed_rate": 1.0}
    # VSI-Bench reads the first word of every multiple-choice answer ("no": wrong); the numeric ones have no number.
    assert _metrics(results["vsibench"])["overall"] == 0.0 and results["vsibench"].metrics["unparsed_rate"].value == pytest.approx(2 / 5)


@pytest.mark.parametrize("task", ["egoschema_subset", "vsibench", "tomato"])  # five options; numeric answers; a system turn
def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model, task):
    r = tiny_vlm_results(tiny_model, task, mirror, tmp_path / "run", family="qwen2_5_vl", limit=2)
    primary = "overall" if task == "vsibench" else "accuracy"
    assert (r.n_samples, r.n_errors) == (2, 0) and 0.0 <= r.metrics[primary].value <= 1.0


def test_bad_rows_are_their_samples_errors():
    from evals.scoring.contract import NoOptions, ScoreInput
    from evals.scoring.metrics.vsibench import score_vsibench
    from evals.spec.preprocess import egoschema, perceptiontest

    with pytest.raises(ValueError, match="answer 5 is not among the 5 choices"):
        egoschema({"option": [f"{c}. x" for c in "ABCDE"], "answer": "5"})
    with pytest.raises(ValueError, match="answer_id 'x' is not an option index"):
        perceptiontest({"options": ["a", "b", "c"], "answer_id": "x"})
    scores = score_vsibench([ScoreInput(id="0", prediction="3", references=["0"], metadata={"question_type": "object_counting"}),
                             ScoreInput(id="1", prediction="3", references=["3"], metadata={"question_type": "room_volume"})],
                            NoOptions())
    assert [s.error for s in scores] == ["vsibench_score: ground truth '0' is 0: no relative accuracy",
                                         "vsibench_score: question_type 'room_volume' is not a VSI-Bench type"]
