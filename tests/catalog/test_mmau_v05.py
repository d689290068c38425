"""MMAU test-mini v05.15.25 (tasks/audio/mmau_test_mini_v05_15_25.yaml) end to end on a fixture mirror of the official
release files (make_fixtures.write_mmau_v05: mmau-test-mini.json with the keys of Sakshi113/MMAU at 6674fa1 beside
test-mini-audios.tar.gz): the clips read from the archive, asked and scored as mmau_test_mini (MMAU's string_match);
then a tiny random Qwen2-Audio hearing a clip."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import write_mmau_v05

from evals.spec.catalog import load_task

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmau_v05(tmp_path_factory.mktemp("mmau_v05"))


def test_the_revision_is_asked_and_scored_as_the_original_release():
    new, old = load_task("mmau_test_mini_v05_15_25"), load_task("mmau_test_mini")
    assert (new.dataset.path, new.dataset.loader, new.fields.audio) == ("Sakshi113/MMAU", "json_tar_audio", "audio_id")
    assert (new.prompt, new.generation, new.scorers, new.fields.subgroups) == (old.prompt, old.generation, old.scorers, old.fields.subgroups)


def test_clips_come_from_the_archive_and_the_official_match_scores_them(mirror, tmp_path):
    # "Man" is right on the first (sound) and the last (speech: no word of "Woman"); on the music question it names no
    # option: unparsed, and wrong.
    r = run_tasks([load_task("mmau_test_mini_v05_15_25")], mirror, tmp_path / "run", "Man").tasks["mmau_test_mini_v05_15_25"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 3
    assert {k: r.metrics[k].value for k in ("accuracy", "unparsed_rate")} == pytest.approx({"accuracy": 2 / 3, "unparsed_rate": 1 / 3})
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups["task"] == {"sound": 1.0, "music": 0.0, "speech": 1.0}
    assert groups["difficulty"] == {"medium": 1.0, "easy": 0.0, "hard": 1.0}


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_qwen2_audio_hears_a_clip(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "mmau_test_mini_v05_15_25", mirror, tmp_path / "run", family="qwen2_audio", limit=1)
    assert r.n_errors == 0 and r.n_samples == 1
