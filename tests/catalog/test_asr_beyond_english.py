"""ASR beyond English, as the 2026 audio cards report it (tasks/audio/common_voice_15.yaml, fleurs_asr.yaml,
wenetspeech.yaml, mls_en.yaml, aishell1_test.yaml; the fleurs_asr_19 suite): end to end on fixture mirrors in the public sets' schemas,
scored with the Qwen audio evaluations' normalisation (``qwen_audio``; tests/conformance/test_qwen_audio_asr.py checks it
against the official code).

The constants and references (make_fixtures ``CV15_SENTENCES``, ``WENETSPEECH_TEXTS``, ``MLS_ENG_ROWS``,
``FLEURS_ASR_SENTENCES``, ``AISHELL1_ANSWERS``, and the FLEURS rows other tests write) are built so that each figure can be worked by hand:
a British spelling and a title the English normaliser rewrites, a digit cn_tn spells out, traditional characters zhconv
simplifies; FLEURS' two readings of sentence 1900 (a woman's, a man's) meet the constant sentence, the man's reading
of 1901 (one word or character sharing nothing with it) costs the constant's length in edits.
"""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks, tiny_vlm_results
from asr_expected import ASR_BEYOND_ENGLISH, CODES
from make_fixtures import (AUD, asr_beyond_english_parts, audio_parts, speech_translation_cards_parts, speech_translation_parts,
                           write_google_fleurs, write_parts)

from evals.results import suite_result
from evals.spec.catalog import load_suite, load_task

pytest.importorskip("zhconv")

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

EXPECTED = ASR_BEYOND_ENGLISH


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("asr_beyond_english")
    mine = asr_beyond_english_parts()
    lmms_fleurs = [p for p in audio_parts() + speech_translation_parts() if p.repo == f"{AUD}/fleurs"]
    write_parts(root, [p for p in mine if p.repo != "google/fleurs"] + lmms_fleurs)
    google = [p for p in mine + speech_translation_cards_parts() if p.repo == "google/fleurs" and p.config in CODES]
    return write_google_fleurs(root, google)


def test_the_tasks_read_the_sets_the_cards_name():
    assert {n: (s.dataset.path, s.dataset.name, s.dataset.split) for n in ("common_voice_15_zh", "common_voice_15_yue", "wenetspeech_test_net",
                                                                          "mls_en", "fleurs_asr_zh", "fleurs_asr_th")
            for s in [load_task(n)]} == {
        "common_voice_15_zh": ("lmms-lab-audio/common_voice_15", "zh-CN", "test"),
        "common_voice_15_yue": ("mozilla-foundation/common_voice_15_0", "zh-HK", "test"),
        "wenetspeech_test_net": ("lmms-lab-audio/WenetSpeech", None, "test_net"),
        "mls_en": ("parler-tts/mls_eng", None, "test"),
        "fleurs_asr_zh": ("lmms-lab-audio/fleurs", "cmn_hans_cn", "test"),
        "fleurs_asr_th": ("google/fleurs", "th_th", "test")}
    assert load_task("fleurs_asr_th").dataset.revision == "refs/convert/parquet"
    assert all(load_task(n).scorers[0].options["normalizer"] == "qwen_audio" for n in EXPECTED)
    assert len(load_suite("fleurs_asr_19").tasks) == 19 and set(load_suite("fleurs_asr_19").tasks) <= set(EXPECTED)


def test_each_task_scores_its_constant_as_worked_by_hand(mirror, tmp_path):
    by_constant: dict[str, list[str]] = {}
    for name, (constant, _, _) in EXPECTED.items():
        by_constant.setdefault(constant, []).append(name)
    results = {}
    for k, (constant, names) in enumerate(by_constant.items()):
        results.update(run_tasks([load_task(n) for n in names], mirror, tmp_path / f"run{k}", constant).tasks)
    for name, (_, metrics, subgroups) in EXPECTED.items():
        r = results[name]
        assert r.n_errors == 0 and r.n_score_errors == 0 and r.dataset.origin.startswith("mirror:"), name
        assert {m: r.metrics[m].value for m in metrics} == pytest.approx(metrics), name
        assert r.metrics["dropped"].value == 0.0, name
        for field, groups in subgroups.items():
            [sub] = [s for s in r.subgroups if s.field == field]
            assert {g: v["wer"].value for g, v in sub.groups.items()} == pytest.approx(groups), (name, field)
    suite = load_suite("fleurs_asr_19")
    overall = suite_result(suite.name, [results[t] for t in suite.tasks], suite.aggregate.metric, suite.aggregate.scale,
                           suite.aggregate.decimals, suite.aggregate.weight)
    assert overall.metric == "wer" and overall.mean == pytest.approx(100 * sum(EXPECTED[t][1]["wer"] for t in suite.tasks) / 19)


@pytest.mark.skipif(not importlib.util.find_spec("transformers"), reason="needs transformers")
def test_a_tiny_audio_llm_transcribes_common_voice(mirror, tmp_path, tiny_model):
    """A tiny random Qwen2-Audio (through ``hf:``) hears Common Voice's 48 kHz clips; its answers, whatever they are, go
    through the Cantonese normalisation and are scored (nothing errs)."""
    result = tiny_vlm_results(tiny_model, "common_voice_15_yue", mirror, tmp_path / "run", family="qwen2_audio")
    assert result.n_samples == 2 and result.n_errors == 0 and result.n_score_errors == 0 and "wer" in result.metrics
