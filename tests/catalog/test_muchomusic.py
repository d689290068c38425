"""MuChoMusic (tasks/audio/muchomusic.yaml) end to end on a fixture mirror of lmms-lab/muchomusic laid out as its card says:
lmms-eval's prompt (instruction, the choices text, its instruction to answer with a letter), the letter read as lmms-eval
reads it, an answer with no letter unparsed and wrong; then a tiny random Qwen2-Audio hearing the clips."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_cli, tiny_vlm_results
from make_fixtures import MUCHOMUSIC_ROWS, write_muchomusic

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_muchomusic(tmp_path_factory.mktemp("muchomusic"))


def test_the_prompt_is_lmms_evals_and_the_letter_is_read_as_it_reads_it(mirror, tmp_path):
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "muchomusic", "(B)")
    assert res["metrics"]["accuracy"]["value"] == pytest.approx(2 / 3) and res["metrics"]["unparsed_rate"]["value"] == 0.0
    [turn] = records[0]["prompt"]
    audio, text = turn["content"]
    question, choices, _ = MUCHOMUSIC_ROWS[0]
    assert audio["type"] == "audio"
    assert text["text"] == f"{question}\n{choices}\nAnswer with the option's letter from the given choices directly: "
    none, _ = run_cli(mirror, tmp_path / "r2", tmp_path / "c2.sqlite", "muchomusic", "violin")
    assert none["metrics"]["accuracy"]["value"] == 0.0 and none["metrics"]["unparsed_rate"]["value"] == 1.0


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_qwen2_audio_hears_the_clips(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "muchomusic", mirror, tmp_path / "run", family="qwen2_audio", limit=2)
    assert r.n_errors == 0 and r.n_samples == 2
