"""Task specs: loading, validation errors that name the file and the key."""

from __future__ import annotations

import pytest
from core_fixtures import VQAV2_TASK, write_task, write_vqav2_mirror

from evals.spec.catalog import load_suite, load_task, task_names
from evals.errors import DataError, SpecError
from evals.run.plan import RequestPlanner
from evals.data.open import open_dataset


def test_quickstart_tasks_load_and_hash_stably():
    assert {"easyvqa", "easyvqa_caption", "harvard_asr"} <= set(task_names())
    a, b = load_task("easyvqa"), load_task("easyvqa")
    assert a.spec_hash == b.spec_hash and len(a.spec_hash) == 16
    assert load_suite("quickstart").tasks == ["easyvqa", "easyvqa_caption", "harvard_asr"]


def test_unknown_key_names_file_and_key(tmp_path):
    path = write_task(tmp_path, VQAV2_TASK.replace("kind: vqa", "kind: vqa\nkindd: typo"))
    with pytest.raises(SpecError) as e:
        load_task(str(path))
    assert str(path) in str(e.value) and "kindd: unknown key" in str(e.value)


def test_wrong_type_names_nested_key(tmp_path):
    path = write_task(tmp_path, VQAV2_TASK.replace("max_new_tokens: 8", "max_new_tokens: lots"))
    with pytest.raises(SpecError, match=r"generation\.max_new_tokens: .*integer"):
        load_task(str(path))


def test_unknown_scorer_is_rejected_with_the_known_ones(tmp_path):
    path = write_task(tmp_path, VQAV2_TASK.replace("name: exact_match", "name: exact_mtch"))
    with pytest.raises(SpecError, match=r"scorers\.0\.name: .*unknown scorer 'exact_mtch'.*exact_match"):
        load_task(str(path))


def test_bad_modality_value(tmp_path):
    path = write_task(tmp_path, VQAV2_TASK.replace("modality: image", "modality: smell"))
    with pytest.raises(SpecError, match=r"modality: Input should be 'image', 'audio' or 'video'"):
        load_task(str(path))
    # A video task must say where its video is and how its frames are sampled.
    path = write_task(tmp_path, VQAV2_TASK.replace("modality: image", "modality: video"))
    with pytest.raises(SpecError, match=r"a video task needs fields.video and video: \{frames: N\}"):
        load_task(str(path))


def test_unknown_task_suggests_close_names():
    with pytest.raises(SpecError, match=r"unknown task 'easyvq'.*did you mean easyvqa"):
        load_task("easyvq")


def test_missing_column_in_dataset_names_field_and_columns(tmp_path):
    write_vqav2_mirror(tmp_path / "mirror", 3)
    path = write_task(tmp_path, VQAV2_TASK.replace("question: question", "question: questoin"))
    spec = load_task(str(path))
    source = open_dataset(spec, tmp_path / "mirror")
    planner = RequestPlanner(spec, source.columns)
    with pytest.raises(DataError) as e:
        planner.plan(*next(source.rows))
    msg = str(e.value)
    assert str(path) in msg and "fields.question" in msg and "'questoin'" in msg and "question_id" in msg


@pytest.mark.parametrize("block, says", [
    ("judge:\n  prompt: '{{ prediction'\n  verdict: {kind: scale}\n", r"judge\.prompt: .*template error line 1"),
    ("judge:\n  prompt: '{{ prediction }}'\n  verdict: {kind: labels}\n", r"judge\.verdict: .*labels verdict needs labels"),
    ("judge:\n  prompt: '{{ prediction }}'\n  verdict: {kind: scale, min: 1, max: 0}\n", r"judge\.verdict: .*min < max"),
    ("judge:\n  prompt: '{{ prediction }}'\n  verdict: {kind: choice}\n", r"judge: .*choice and text verdicts are answer extraction"),
])
def test_a_bad_judge_block_names_file_and_key(tmp_path, block, says):
    path = write_task(tmp_path, VQAV2_TASK.rstrip("\n") + "\n" + block)
    with pytest.raises(SpecError, match=says) as e:
        load_task(str(path))
    assert str(path) in str(e.value)


def test_the_judge_block_is_part_of_the_spec_hash_and_its_absence_changes_no_hash(tmp_path):
    plain = load_task(str(write_task(tmp_path, VQAV2_TASK, "a.yaml")))
    judged = load_task(str(write_task(tmp_path, VQAV2_TASK.rstrip("\n") + "\njudge:\n  prompt: '{{ prediction }}'\n  verdict: {kind: scale}\n", "b.yaml")))
    other = load_task(str(write_task(tmp_path, VQAV2_TASK.rstrip("\n") + "\njudge:\n  prompt: 'Grade: {{ prediction }}'\n  verdict: {kind: scale}\n", "c.yaml")))
    assert len({plain.spec_hash, judged.spec_hash, other.spec_hash}) == 3


def test_spec_hashes_of_tasks_without_a_judge_are_those_of_the_committed_example_leaderboard():
    """Adding optional spec keys must not move existing hashes: earlier runs and caches stay comparable."""
    import json
    from pathlib import Path

    from evals.spec.task import under_condition

    board = json.loads((Path(__file__).parents[2] / "reports" / "quickstart" / "leaderboard.json").read_text())
    recorded = {c["task"]: c["spec_hash"] for c in board["columns"] + board.get("condition_columns", [])}
    # A robustness condition's column (harvard_asr.white_noise_10) is its task under that condition.
    specs = {v["task"]: load_task(v["task"]) for v in board["robustness"]}
    specs |= {col: under_condition(specs[v["task"]], cond) for v in board["robustness"] for col, cond in zip(v["columns"], v["conditions"])}
    assert len(specs) == 4
    assert recorded and all((specs.get(task) or load_task(task)).spec_hash == spec_hash for task, spec_hash in recorded.items())
