"""``pocketsphinx:``: a second real offline recogniser, with the US-English model inside its wheel."""

from __future__ import annotations

import pytest

pytest.importorskip("pocketsphinx")

from evals.adapters.base import ModelUnavailable, create_adapter  # noqa: E402
from evals.results import iter_samples, read_results  # noqa: E402
from evals.run.evaluate import evaluate_model  # noqa: E402
from evals.run.runner import RunOptions  # noqa: E402
from evals.spec.catalog import load_task  # noqa: E402


def test_it_transcribes_the_quickstart_speech_offline_and_deterministically(tmp_path):
    def run(out: str):
        adapter = create_adapter("pocketsphinx", {})
        try:
            evaluate_model(adapter, [load_task("harvard_asr")], tmp_path / out, None, RunOptions(limit=4, n_resamples=20))
        finally:
            adapter.close()
        return read_results(tmp_path / out), [r.prediction for r in iter_samples(tmp_path / out, "harvard_asr")]

    results, predictions = run("a")
    task = results.tasks["harvard_asr"]
    assert (task.n_samples, task.n_errors) == (4, 0) and task.metrics["wer"].value < 1.0  # it hears words, some right
    assert sum(len(p.split()) for p in predictions) >= 8
    assert results.model == "pocketsphinx:en-us" and "pocketsphinx" in results.model_fingerprint
    assert run("b")[1] == predictions  # no sampling: the same transcriptions every time
    assert task.timing.rtfx and task.timing.rtfx > 0


def test_a_model_folder_without_an_acoustic_model_is_a_clear_error(tmp_path):
    adapter = create_adapter(f"pocketsphinx:{tmp_path}", {})
    with pytest.raises(ModelUnavailable, match=r"has no en-us/en-us acoustic model"):
        adapter.generate([])
