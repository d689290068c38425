"""What used to fail mid-run now fails at load, naming the file and the key: scorer options, column paths, names."""

from __future__ import annotations

import pytest

from evals.errors import SpecError
from evals.spec.paths import column_path_problem
from evals.spec.task import load_suite_file, load_task_file

from .helpers import TASK, write


def test_bad_scorer_option_is_named_at_load(tmp_path):
    path = write(tmp_path, TASK.replace("  - name: exact_match", "  - name: wer\n    options: {normalizer: whisper_klingon}"))
    with pytest.raises(SpecError) as e:
        load_task_file(path)
    assert str(e.value).startswith(f"{path}: scorers.0.options.normalizer: Input should be 'whisper_english'")


def test_unknown_scorer_option_is_named_at_load(tmp_path):
    path = write(tmp_path, TASK.replace("  - name: exact_match", "  - exact_match\n  - name: wer\n    options: {normaliser: none}"))
    with pytest.raises(SpecError, match=rf"^{path}: scorers\.1\.options\.normaliser: unknown key"):
        load_task_file(path)


@pytest.mark.parametrize("field, bad", [
    ("references", "answers[*.answer"),
    ("references", "answers..answer"),
    ("question", "question]"),
    ("references", "answers[-1]"),
])
def test_bad_column_path_is_named_at_load(tmp_path, field, bad):
    old = {"references": "answers[*].answer", "question": "question"}[field]
    path = write(tmp_path, TASK.replace(f"  {field}: {old}", f"  {field}: '{bad}'"))
    with pytest.raises(SpecError) as e:
        load_task_file(path)
    assert str(e.value).startswith(f"{path}: fields.{field}: bad column path {bad!r}")


def test_bad_column_paths_in_lists_and_mappings(tmp_path):
    path = write(tmp_path, TASK.replace("  id: question_id", "  id: question_id\n  subgroups: [ok, 'bad[']\n  extra: {hint: '.x'}"))
    with pytest.raises(SpecError) as e:
        load_task_file(path)
    assert "fields.subgroups: bad column path 'bad['" in str(e.value) and "fields.extra: bad column path '.x'" in str(e.value)


@pytest.mark.parametrize("path", ["id", "answers[*].answer", "types.structural", "choices[0]", "image_1", "a b.c[2].d"])
def test_good_column_paths(path):
    assert column_path_problem(path) is None


@pytest.mark.parametrize("name", ["../../x", "a/b", "", "two words", ".hidden"])
def test_bad_task_names_are_rejected(tmp_path, name):
    path = write(tmp_path, TASK.replace("name: tiny_vqa", f"name: {name!r}"))
    with pytest.raises(SpecError, match=rf"^{path}: name: task name .* must be"):
        load_task_file(path)


@pytest.mark.parametrize("name", ["../../x", "a/b", "", "two words"])
def test_bad_suite_names_are_rejected(tmp_path, name):
    path = write(tmp_path, f"name: {name!r}\ntasks: [easyvqa]\n", "s.yaml")
    with pytest.raises(SpecError, match=rf"^{path}: name: task name .* must be"):
        load_suite_file(path)
