"""MMAR (tasks/audio/mmar.yaml) end to end on a fixture mirror of BoJack/MMAR (MMAR-meta.json and mmar-audio.tar.gz): the
archive unpacked once beside itself, each row's clip read from it, a clip the archive lacks that sample's error, the
answer scored with the official string_match; then a tiny random Qwen2-Audio hearing the clips."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_cli, tiny_vlm_results
from make_fixtures import MMAR, MMAR_ROWS, write_mmar

from evals.spec.catalog import load_task

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmar(tmp_path_factory.mktemp("mmar"), missing_clip=True)


def test_clips_come_from_the_archive_and_the_official_match_scores_them(mirror, tmp_path):
    spec = load_task("mmar")
    assert (spec.dataset.path, spec.dataset.loader) == ("BoJack/MMAR", "json_tar_audio")
    # "Open Grassland" is right on rows 0 and 2; on row 1 its words are a wrong option's; row 3 has no clip in the archive
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "mmar", "Open Grassland", "--max-error-rate", "0.3")
    by_id = {r["id"]: r for r in records}
    assert len(records) == 4 and "not in mmar-audio.tar.gz" in by_id[MMAR_ROWS[3][0]]["error"]
    assert res["metrics"]["accuracy"]["value"] == pytest.approx(2 / 3)
    assert (mirror / MMAR / "mmar-audio" / ".omnieval-unpacked").is_file()
    [turn] = by_id[MMAR_ROWS[0][0]]["prompt"]
    audio, text = turn["content"]
    assert audio["type"] == "audio" and text["text"] == (
        "What type of natural environment might this music originate from\nChoices:\nMountain Canyon\nDense Forest\n"
        "Open Grassland\nCity Streets\nAnswer with the text of the correct choice only.")
    groups = {s["field"]: {g: v["accuracy"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}
    assert groups["modality"] == pytest.approx({"music": 1.0, "mix-sound-speech": 0.0, "sound": 1.0})
    # a second run reads the unpacked folder as it is
    again, _ = run_cli(mirror, tmp_path / "r2", tmp_path / "c2.sqlite", "mmar", "Open Grassland", "--max-error-rate", "0.3")
    assert again["metrics"]["accuracy"]["value"] == pytest.approx(2 / 3) and again["task_hash"] == res["task_hash"]


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_qwen2_audio_hears_the_clips(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "mmar", mirror, tmp_path / "run", family="qwen2_audio", limit=2)
    assert r.n_errors == 0 and r.n_samples == 2
