"""Transforms declared in YAML, new keys that leave old hashes alone, and hashes pinned from before they existed."""

from __future__ import annotations

import pytest

from evals.errors import SpecError
from evals.spec.catalog import load_task
from evals.spec.task import TaskSpec, load_task_file
from evals.spec.transforms import CircularOptions, transform_names

from .helpers import TASK, write

# The spec hashes of these tasks as computed from their files before task
# families, transforms and fields.cluster existed. Results are keyed by them:
# if one changes, every stored result of that task stops matching.
PINNED = {
    "easyvqa": "c2f304a537e28799",
    "vqav2_val": "1b6c1fb0a33c6616",
    "harvard_asr": "7675f8922dfa7e8e",
    # Changed on purpose (was f5aabc764200bc2a): speaker sex became a group and intervals resample whole speakers
    # (issue #18). Its requests are unchanged, so a re-run is served from the cache: no inference.
    "librispeech_test_clean": "d7f94452986b8e5e",
    "pope_random": "235750b9d36d5fa3",
    "air_bench_foundation_music": "60887ad4b1eb9a56",
    "ai2d": "428e5ff39d50fb06",
    "scienceqa_img": "d18a7398421eef45",
    "mmmu_val": "e34ed6202c8da61a",
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_hashes_are_unchanged(name):
    assert load_task(name).spec_hash == PINNED[name]


def test_the_esb_open_asr_sets_keep_their_hashes_under_their_new_names():
    # open_asr_ami was the ESB AMI set (pinned a87d3432c39e158a); it is open_asr_esb_ami now, the same spec renamed,
    # and open_asr_ami is the 2026 AMI-Cleaned set: a new hash, so results of the old task never match the new one.
    # Changed on purpose (was a87d3432c39e158a under the old name): open_asr_esb version 2 drops ignore-segment references
    # (wer drop_ignored), as the leaderboard does; a different number, so a different hash.
    assert load_task("open_asr_esb_ami").model_copy(update={"name": "open_asr_ami"}).spec_hash == "b9a395471099196d"
    assert load_task("open_asr_ami").spec_hash != "a87d3432c39e158a"


def test_a_task_copied_with_a_change_has_the_changed_tasks_hash_even_after_the_original_s_was_read():
    """pydantic's model_copy copies cached values: a changed copy kept the hash its original had worked out."""
    spec = load_task("easyvqa")
    original = spec.spec_hash
    changed = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": 3})})
    assert changed.spec_hash != original
    assert changed.spec_hash == TaskSpec.model_validate({**changed.model_dump(), "source_file": spec.source_file}).spec_hash
    assert spec.model_copy().spec_hash == original and load_task("easyvqa").spec_hash == original


@pytest.mark.parametrize("base", ["ai2d", "scienceqa_img", "mmmu_val"])
def test_circular_variants_carry_the_transform_and_nothing_else(base):
    plain, circular = load_task(base), load_task(f"{base}_circular")
    assert plain.transforms == []
    assert [t.name for t in circular.transforms] == ["circular"]
    assert circular.transforms[0].parsed_options() == CircularOptions(rotations=None)
    assert circular.source_file == plain.source_file
    assert circular.spec_hash != plain.spec_hash
    same = {"name", "description", "transforms", "source_file"}
    assert circular.model_dump(exclude=same) == plain.model_dump(exclude=same)


def _with(tmp_path, extra: str):
    return write(tmp_path, TASK + extra)


def test_transform_shorthand_and_options(tmp_path):
    spec = load_task_file(_with(tmp_path, "transforms: [circular, {name: circular, options: {rotations: 2}}]\n"))
    assert [t.parsed_options().rotations for t in spec.transforms] == [None, 2]
    assert "circular" in transform_names()


def test_unknown_transform_is_rejected_with_file_and_key(tmp_path):
    path = _with(tmp_path, "transforms: [circulr]\n")
    with pytest.raises(SpecError) as e:
        load_task_file(path)
    assert f"{path}: transforms.0.name: unknown transform 'circulr'; known: circular" in str(e.value)


@pytest.mark.parametrize("options, message", [
    ("{rotation: 2}", r"transforms\.0\.options\.rotation: unknown key"),
    ("{rotations: 0}", r"transforms\.0\.options\.rotations: Input should be greater than or equal to 1"),
    ("{rotations: many}", r"transforms\.0\.options\.rotations: Input should be a valid integer"),
])
def test_bad_transform_options_are_rejected_with_file_and_key(tmp_path, options, message):
    path = _with(tmp_path, f"transforms: [{{name: circular, options: {options}}}]\n")
    with pytest.raises(SpecError, match=rf"tiny_vqa\.yaml: {message}"):
        load_task_file(path)


def test_new_keys_at_their_defaults_leave_the_hash_alone(tmp_path):
    plain = load_task_file(write(tmp_path, TASK, "a.yaml"))
    explicit = load_task_file(write(tmp_path, TASK.replace("  id: question_id", "  id: question_id\n  cluster: null")
                                    + "transforms: []\n", "b.yaml"))
    clustered = load_task_file(write(tmp_path, TASK.replace("  id: question_id", "  id: question_id\n  cluster: image_id"), "c.yaml"))
    assert plain.spec_hash == explicit.spec_hash
    assert clustered.fields.cluster == "image_id" and clustered.spec_hash != plain.spec_hash


def test_a_catalogue_task_is_loaded_once_and_again_when_its_file_changes(tmp_path, monkeypatch):
    import shutil

    from evals.spec import catalog

    root = tmp_path / "tasks"
    root.mkdir()
    path = root / "easyvqa.yaml"
    shutil.copy(catalog._index()[0]["easyvqa"], path)
    monkeypatch.setattr(catalog, "tasks_root", lambda: root)
    catalog._index.cache_clear()
    try:
        first = catalog.load_task("easyvqa")
        assert catalog.load_task("easyvqa") is first  # frozen, so one object serves every caller
        path.write_text(path.read_text().replace("max_new_tokens: 8", "max_new_tokens: 16"))
        edited = catalog.load_task("easyvqa")
        assert (first.generation.max_new_tokens, edited.generation.max_new_tokens) == (8, 16)
        assert edited.spec_hash != first.spec_hash
    finally:
        catalog._index.cache_clear()
