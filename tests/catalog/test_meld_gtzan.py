"""MELD (tasks/audio/meld.yaml) and GTZAN (tasks/audio/gtzan.yaml) end to end on fixture mirrors of TwinkStart/MELD and
sanchit-gandhi/gtzan laid out as their cards say: MELD's label compared with the answer as Qwen2-Audio's
evaluate_emotion.py compares it (case counts), GTZAN's class index read as its genre; then a tiny random Qwen2-Audio
hearing the clips."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_cli, tiny_vlm_results
from make_fixtures import write_meld_gtzan

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_meld_gtzan(tmp_path_factory.mktemp("meld_gtzan"))


def _groups(res):
    return {s["field"]: {g: v["exact_match"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}


def test_meld_is_right_only_on_the_label_as_written(mirror, tmp_path):
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "meld", "neutral")
    assert [r["id"] for r in records] == ["dia0_utt0", "dia0_utt1", "dia1_utt0", "dia2_utt0"]
    assert res["metrics"]["exact_match"]["value"] == pytest.approx(2 / 4)
    assert _groups(res)["sentiment"] == pytest.approx({"positive": 0.0, "neutral": 1.0, "negative": 0.0})
    [turn] = records[0]["prompt"]
    audio, text = turn["content"]
    assert audio["type"] == "audio" and text["text"] == "Recognize the emotion with keywords in English:"
    # the official reading does not fold case: "Neutral" is not the label "neutral"
    capital, _ = run_cli(mirror, tmp_path / "r2", tmp_path / "c2.sqlite", "meld", "Neutral")
    assert capital["metrics"]["exact_match"]["value"] == 0.0


def test_gtzan_reads_the_class_index_as_its_genre(mirror, tmp_path):
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "gtzan", "Blues.")
    assert res["metrics"]["exact_match"]["value"] == pytest.approx(2 / 3)
    assert _groups(res)["genre"] == pytest.approx({"blues": 1.0, "hiphop": 0.0})
    [turn] = records[0]["prompt"]
    assert turn["content"][1]["text"] == ("Which genre is this music: blues, classical, country, disco, hiphop, jazz, metal, pop, "
                                          "reggae, rock?\nAnswer with the genre only.")
    hyphen, _ = run_cli(mirror, tmp_path / "r2", tmp_path / "c2.sqlite", "gtzan", "Hip-hop")
    assert hyphen["metrics"]["exact_match"]["value"] == pytest.approx(1 / 3)


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
@pytest.mark.parametrize("task", ["meld", "gtzan"])
def test_a_tiny_qwen2_audio_hears_the_clips(mirror, tmp_path, tiny_model, task):
    r = tiny_vlm_results(tiny_model, task, mirror, tmp_path / "run", family="qwen2_audio", limit=2)
    assert r.n_errors == 0 and r.n_samples == 2
