"""The cards' remaining speech-recognition sets (Phi-4-multimodal's CV15 table, arXiv 2503.01743 Table 4; Voxtral's
FLEURS, MCV and MLS tables, arXiv 2507.13264v1 Tables 4-6; Qwen2.5-Omni's LibriSpeech dev rows): Common Voice 15 in
seven more languages, FLEURS Hindi, MLS German and Dutch, LibriSpeech dev-clean and dev-other, end to end on fixture
mirrors in the public sets' schemas (make_fixtures ``asr_cards_more_parts``), one constant per family with each figure
worked by hand; the suites that make the reports' averages; then a tiny random Qwen2-Audio hearing a 48 kHz clip."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import FLEURS_HI, write_asr_cards_more

from evals.spec.catalog import load_suite, load_task

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

CV_MORE = ["de", "es", "it", "pt", "nl", "hi", "ja"]
EXPECTED = {
    # "ok" against "OK!" (0 edits) and one word: a substitution over 1 + 1 reference words.
    **{f"common_voice_15_{c}": ("ok", {"wer": 1 / 2}, {}) for c in ("de", "es", "it", "pt", "nl")},
    # Hindi: Whisper's basic normaliser (the official code's) turns the vowel signs of कुत्ता into spaces: "क त त", three
    # tokens; "ok" against them is a substitution and two deletions, over 1 + 3.
    "common_voice_15_hi": ("ok", {"wer": 3 / 4}, {}),
    # Japanese by characters: "o k" matches; against 猫 a substitution and an insertion, over 2 + 1 characters.
    "common_voice_15_ja": ("ok", {"wer": 2 / 3}, {}),
    # "3" is "drei" in German and "drie" in Dutch (num2words in the task's language): the constant "drei drie" is one
    # insertion against it, a substitution and an insertion against the one-word second row: 3 edits over 1 + 1 words.
    **{name: ("drei drie", {"wer": 3 / 2}, {}) for name in ("mls_de", "mls_nl")},
    # "the" against "THE CAT SAT" (2 deletions) and "A DOG RAN" (3 edits), over 6 words; no speaker_sex group.
    **{f"librispeech_dev_{s}": ("the", {"wer": 5 / 6}, {}) for s in ("clean", "other")},
    # बिल्ली बैठी is "ब ल ल ब ठ" (5 tokens) after the basic normaliser, कुत्ता "क त त": the two readings of 1900 match, the
    # man's 1901 costs 3 substitutions and 2 insertions; 5 edits over 5 + 5 + 3 tokens, the man's 5 over 5 + 3.
    "fleurs_asr_hi": (FLEURS_HI[0], {"wer": 5 / 13}, {"gender": {"female": 0.0, "male": 5 / 8}}),
}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_asr_cards_more(tmp_path_factory.mktemp("asr_cards_more"))


def test_the_tasks_read_the_sets_the_reports_name():
    assert {n: (s.dataset.path, s.dataset.name, s.dataset.split) for n in ("common_voice_15_hi", "mls_nl", "librispeech_dev_other", "fleurs_asr_hi")
            for s in [load_task(n)]} == {
        "common_voice_15_hi": ("mozilla-foundation/common_voice_15_0", "hi", "test"),
        "mls_nl": ("facebook/multilingual_librispeech", "dutch", "test"),
        "librispeech_dev_other": ("openslr/librispeech_asr", "other", "validation"),
        "fleurs_asr_hi": ("google/fleurs", "hi_in", "test")}
    assert all(load_task(f"common_voice_15_{c}").dataset.gated for c in CV_MORE)
    # The reports' averages: Phi-4-multimodal's eight CV15 languages; Voxtral's eight MCV (no Arabic), nine FLEURS,
    # six MLS languages and eight FLEURS translation pairs.
    suites = {name: load_suite(name).tasks for name in ("phi4mm_common_voice_15", "voxtral_mcv", "voxtral_fleurs_asr", "voxtral_mls",
                                                        "voxtral_fleurs_st")}
    assert {k: len(v) for k, v in suites.items()} == {"phi4mm_common_voice_15": 8, "voxtral_mcv": 8, "voxtral_fleurs_asr": 9,
                                                      "voxtral_mls": 6, "voxtral_fleurs_st": 8}
    assert {t.rsplit("_", 1)[1] for t in suites["phi4mm_common_voice_15"]} == {"en", "de", "es", "fr", "it", "ja", "pt", "zh"}
    assert {t.rsplit("_", 1)[1] for t in suites["voxtral_mcv"]} == {"en", "fr", "de", "es", "it", "pt", "nl", "hi"}
    assert {t.rsplit("_", 1)[1] for t in suites["voxtral_fleurs_asr"]} == {"ar", "nl", "en", "fr", "de", "hi", "it", "pt", "es"}
    assert {t.rsplit("_", 1)[1] for t in suites["voxtral_mls"]} == {"nl", "fr", "de", "it", "pt", "es"}


@pytest.mark.parametrize("text", sorted({text for text, _, _ in EXPECTED.values()}))
def test_each_family_scores_its_constant_as_worked_by_hand(text, mirror, tmp_path):
    names = [n for n, (t, _, _) in EXPECTED.items() if t == text]
    results = run_tasks([load_task(n) for n in names], mirror, tmp_path / "run", text).tasks
    for name in names:
        _, metrics, subgroups = EXPECTED[name]
        r = results[name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored > 0, name
        assert {k: r.metrics[k].value for k in metrics} == pytest.approx(metrics), name
        for field, groups in subgroups.items():
            report = next(s for s in r.subgroups if s.field == field)
            assert {g: report.groups[g]["wer"].value for g in groups} == pytest.approx(groups), name


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_qwen2_audio_hears_a_48khz_common_voice_clip(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "common_voice_15_de", mirror, tmp_path / "run", family="qwen2_audio", limit=1)
    assert r.n_errors == 0 and r.n_samples == 1
