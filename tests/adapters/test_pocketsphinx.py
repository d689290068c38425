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
            evaluate_model(adapter, [load_task("harvard_asr")], tmp_path / out, None, RunOptions(limit=2, n_resamples=20))
        finally:
            adapter.close()
        return read_results(tmp_path / out), [r.prediction for r in iter_samples(tmp_path / out, "harvard_asr")]

    results, predictions = run("a")
    task = results.tasks["harvard_asr"]
    assert (task.n_samples, task.n_errors) == (2, 0) and task.metrics["wer"].value < 1.0  # it hears words, some right
    assert sum(len(p.split()) for p in predictions) >= 4
    assert results.model == "pocketsphinx:en-us" and "pocketsphinx" in results.model_fingerprint
    assert run("b")[1] == predictions  # no sampling: the same transcriptions every time
    assert task.timing.audio_s and task.timing.rtfx == pytest.approx(task.timing.audio_s / task.timing.inference_s)  # a ratio, not a speed


def test_a_model_folder_without_an_acoustic_model_is_a_clear_error(tmp_path):
    adapter = create_adapter(f"pocketsphinx:{tmp_path}", {})
    with pytest.raises(ModelUnavailable, match=r"has no en-us/en-us acoustic model"):
        adapter.generate([])


def _predictions(tmp_path, out: str, args: dict, limit: int = 6) -> tuple[list[str | None], str, str]:
    from evals.spec.task import under_condition

    spec = under_condition(load_task("harvard_asr"), "white_noise:10")  # noisy clips: where a decoder's history used to show
    adapter = create_adapter("pocketsphinx", args)
    try:
        evaluate_model(adapter, [spec], tmp_path / out, None, RunOptions(limit=limit, n_resamples=20))
    finally:
        adapter.close()
    return [r.prediction for r in iter_samples(tmp_path / out, spec.name)], adapter.name, adapter.fingerprint_hash()


def test_each_clip_is_decoded_on_its_own_so_several_worker_processes_give_the_same_text(tmp_path):
    alone, name1, fp1 = _predictions(tmp_path, "one", {"preset": "fast", "workers": 1})  # one decoder, clip after clip
    shared, name2, fp2 = _predictions(tmp_path, "two", {"preset": "fast", "workers": 2})  # two processes, each its own history
    assert alone == shared and any(alone)
    assert (name1, fp1) == (name2, fp2) == ("pocketsphinx:en-us[preset=fast]", fp1)


def test_search_settings_are_in_the_fingerprint_and_the_number_of_workers_is_not():
    default = create_adapter("pocketsphinx", {})
    narrow = create_adapter("pocketsphinx", {"maxhmmpf": 2000, "maxwpf": 5, "fwdflat": False})
    assert narrow.fingerprint_hash() != default.fingerprint_hash()
    assert narrow.name == "pocketsphinx:en-us[fwdflat=False,maxhmmpf=2000,maxwpf=5]"
    assert create_adapter("pocketsphinx", {"maxhmmpf": 2000, "maxwpf": 5, "fwdflat": False, "workers": 3}).fingerprint_hash() == narrow.fingerprint_hash()
    assert create_adapter("pocketsphinx", {"workers": 1}).name == default.name == "pocketsphinx:en-us"
    fast = create_adapter("pocketsphinx", {"preset": "fast"})
    assert fast.fingerprint()["search"] == {"maxhmmpf": 2000, "maxwpf": 5, "fwdflat": False}  # what the preset stood for
    assert fast._config() == narrow._config()  # the same decoder
    assert create_adapter("pocketsphinx", {"preset": "fast", "maxhmmpf": 3000})._config()["maxhmmpf"] == 3000  # one by one wins
    for key in ("maxhmmpf", "maxwpf", "topn", "pl_window", "ds", "fwdflat", "preset", "workers"):
        assert create_adapter("pocketsphinx", {}).Args.model_fields[key].description  # each one says what it does


def test_a_decoder_process_that_dies_fails_its_clip_and_is_replaced():
    import numpy as np

    from evals.errors import AdapterError

    adapter = create_adapter("pocketsphinx", {"workers": 2, "preset": "fast"})
    try:
        adapter.load()
        pool = adapter._pool
        pcm = (np.zeros(8000, dtype=np.int16)).tobytes()  # half a second of silence
        before = [text for text, _ in pool.map([pcm, pcm])]
        assert before[0] == before[1]
        for worker in pool.workers:
            worker.proc.kill()
            worker.proc.wait()
        with pytest.raises(AdapterError, match="a decoder process died"):
            pool.map([pcm, pcm])
        assert [text for text, _ in pool.map([pcm, pcm])] == before  # fresh processes took their places
    finally:
        adapter.close()
