"""Reading task and suite files: duplicate keys, bombs, depth, size and encoding are SpecErrors naming the file."""

from __future__ import annotations

import pytest

from evals.errors import SpecError
from evals.spec.catalog import load_suite
from evals.spec.task import load_suite_file, load_task_file
from evals.spec.yaml_io import MAX_BYTES, read_yaml_mapping

from .helpers import TASK, write


def test_duplicate_key_is_named_with_its_line(tmp_path):
    path = write(tmp_path, TASK.replace("dataset: {path: lmms-lab/VQAv2, split: validation}",
                                        "dataset:\n  path: lmms-lab/VQAv2\n  split: validation\n  split: test"))
    line = path.read_text().splitlines().index("  split: test") + 1
    with pytest.raises(SpecError, match=rf"^{path}:{line}: duplicate key 'split'$"):
        load_task_file(path)


def test_duplicate_key_in_a_suite_is_refused_too(tmp_path):
    path = write(tmp_path, "name: s\ntasks: [easyvqa]\ntasks: [harvard_asr]\n", "s.yaml")
    with pytest.raises(SpecError, match=rf"^{path}:3: duplicate key 'tasks'"):
        load_suite(str(path))


def test_merge_keys_are_not_duplicates(tmp_path):
    path = write(tmp_path, "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", "m.yaml")
    assert read_yaml_mapping(path)["other"] == {"x": 1, "y": 3}


def _bomb() -> str:
    # Nine levels of ten aliases: 10**9 strings if expanded, a few hundred bytes as written.
    lines = ['    l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_scorer_options_fails_fast(tmp_path):
    path = write(tmp_path, TASK.replace("  - name: exact_match", "  - name: exact_match\n    options:\n" + _bomb()))
    with pytest.raises(SpecError, match=rf"^{path}:\d+: more than \d+ nodes once aliases are expanded"):
        load_task_file(path)


def test_a_recursive_alias_is_refused(tmp_path):
    path = write(tmp_path, "name: s\ntasks: &t [easyvqa, *t]\n", "s.yaml")
    with pytest.raises(SpecError, match=rf"^{path}:2: an alias refers to a node that contains it"):
        load_suite_file(path)


def test_deep_nesting_is_refused(tmp_path):
    path = write(tmp_path, "name: s\ntasks: " + "[" * 200 + "]" * 200 + "\n", "s.yaml")
    with pytest.raises(SpecError, match=rf"^{path}:2: nested deeper than \d+ levels"):
        load_suite_file(path)


def test_a_large_file_is_refused_before_parsing(tmp_path):
    path = write(tmp_path, TASK + "#" * MAX_BYTES + "\n")
    with pytest.raises(SpecError, match=rf"^{path}: larger than {MAX_BYTES} bytes"):
        load_task_file(path)


def test_non_utf8_bytes_are_named_with_file_line_and_offset(tmp_path):
    path = tmp_path / "latin1.yaml"
    data = TASK.replace("Answer with one word.", "R\u00e9ponds.").encode("latin-1")
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    line = data[:offset].count(b"\n") + 1
    with pytest.raises(SpecError, match=rf"^{path}:{line}: not UTF-8 text: byte 0xe9 at offset {offset}"):
        load_task_file(path)


def test_syntax_errors_still_name_the_file_and_line(tmp_path):
    path = write(tmp_path, "name: s\ntasks: [a, b\n", "s.yaml")
    with pytest.raises(SpecError, match=rf"^{path}:\d+: invalid YAML: "):
        load_suite_file(path)


def test_top_level_must_be_a_mapping(tmp_path):
    path = write(tmp_path, "- a\n- b\n", "s.yaml")
    with pytest.raises(SpecError, match=rf"^{path}: expected a mapping at the top level, got list"):
        load_suite_file(path)


def test_a_family_file_is_parsed_once_for_all_its_variants_and_again_when_edited(tmp_path):
    """Loading each variant reads the whole file; the parse is kept by the file's text, so N variants cost one parse, an
    edited file is parsed afresh, and a caller that changes what it got changes nobody else's copy."""
    from evals.spec import yaml_io
    from evals.spec.task import load_task_file

    body = ("name: fam\nkind: vqa\nmodality: image\ndataset: {path: x/y, split: test}\nfields: {id: id, image: image, question: q, references: a}\n"
            "prompt: {user: \"<image>{{ q }}\"}\nscorers: [exact_match]\nvariants:\n")
    path = tmp_path / "fam.yaml"
    path.write_text(body + "".join(f"  fam_{i}: {{dataset: {{split: s{i}}}}}\n" for i in range(6)))
    before = yaml_io._parse.cache_info().misses
    specs = [load_task_file(path, variant=f"fam_{i}") for i in range(6)]
    assert [s.dataset.split for s in specs] == [f"s{i}" for i in range(6)]
    assert yaml_io._parse.cache_info().misses == before + 1
    yaml_io.read_yaml_mapping(path)["variants"].clear()  # a caller's copy, not the cached document
    assert load_task_file(path, variant="fam_5").dataset.split == "s5"
    path.write_text(body + "  fam_0: {dataset: {split: edited}}\n")
    assert load_task_file(path, variant="fam_0").dataset.split == "edited"
