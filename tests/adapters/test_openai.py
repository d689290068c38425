"""The ``openai:`` adapter against real HTTP servers on loopback."""

from __future__ import annotations

import base64
import io
import time

import numpy as np
import pytest

from evals.adapters.base import create_adapter
from evals.requests import GenerationSettings, MediaPart, Message, Request, TextPart
from tests.adapters.fault_server import FaultServer

pytest.importorskip("httpx")

_GEN = GenerationSettings(max_new_tokens=5, stop=("\n",), seed=3)


def text_request(text: str) -> Request:
    return Request(id=text, messages=[Message("user", [TextPart(text)])], generation=_GEN)


def adapter_for(server, **args):
    base = {"base_url": server.url, "initial_backoff_s": 0.01, "max_backoff_s": 5.0, "timeout_s": 1.0}
    return create_adapter("openai:tiny-model", {**base, **args})


def test_concurrency_reaches_but_never_exceeds_the_limit():
    with FaultServer(delay=0.15) as server:
        adapter = adapter_for(server, concurrency=3)
        try:
            out = adapter.generate([text_request(f"q{i}") for i in range(12)])
        finally:
            adapter.close()
    assert [r.text for r in out] == [f"q{i}"[::-1] for i in range(12)]
    assert server.peak == 3
    assert all(r.input_tokens == len(f"q{i}") and r.output_tokens == len(f"q{i}") for i, r in enumerate(out))


def test_generation_settings_and_key_reach_the_wire(monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-secret-123")
    with FaultServer() as server:
        adapter = adapter_for(server, api_key_env="MY_KEY")
        try:
            adapter.generate([text_request("hello")])
        finally:
            adapter.close()
    body, headers = server.bodies[0], server.headers[0]
    assert (body["model"], body["max_tokens"], body["temperature"], body["top_p"], body["seed"], body["stop"]) == ("tiny-model", 5, 0.0, 1.0, 3, ["\n"])
    assert headers["Authorization"] == "Bearer sk-secret-123"
    assert "sk-secret" not in str(adapter.fingerprint()) and "api_key_env" not in adapter.fingerprint()["args"]


def test_retries_on_500_then_succeeds():
    with FaultServer() as server:
        adapter = adapter_for(server, max_retries=3)
        try:
            out = adapter.generate([text_request("fail:500:2")])
        finally:
            adapter.close()
    assert out[0].ok and out[0].text == "fail:500:2"[::-1]
    assert len(server.attempts["fail:500:2"]) == 3


def test_retry_after_is_honoured():
    with FaultServer(retry_after="1") as server:
        adapter = adapter_for(server, max_retries=2)
        try:
            out = adapter.generate([text_request("fail:429:1")])
        finally:
            adapter.close()
    first, second = server.attempts["fail:429:1"]
    assert out[0].ok
    assert second - first >= 0.95  # backoff alone would wait ~0.01 s


def test_a_request_that_keeps_failing_is_an_error_naming_status_and_attempts():
    with FaultServer() as server:
        adapter = adapter_for(server, max_retries=3)
        try:
            out = adapter.generate([text_request("fail:500:all"), text_request("fine"), text_request("fail:400:all")])
        finally:
            adapter.close()
    assert out[0].error.startswith("HTTP 500 after 4 attempts:") and "internal boom" in out[0].error
    assert out[0].text == ""
    assert out[1].ok and out[1].text == "enif"
    assert out[2].error.startswith("HTTP 400:") and len(server.attempts["fail:400:all"]) == 1  # 4xx is not retried


def test_timeouts_and_dropped_connections_are_retried():
    with FaultServer(stall_s=1.5) as server:
        adapter = adapter_for(server, max_retries=2, timeout_s=0.5)
        try:
            out = adapter.generate([text_request("fail:stall:1"), text_request("fail:drop:1"), text_request("fail:drop:all")])
        finally:
            adapter.close()
    assert out[0].ok and out[1].ok
    assert out[2].error.startswith("connection error after 3 attempts")
    assert len(server.attempts["fail:stall:1"]) == 2


def test_images_go_as_data_urls_of_original_bytes_and_flac_as_wav():
    import soundfile as sf

    flac = io.BytesIO()
    sf.write(flac, np.zeros(1600, dtype=np.float32), 16000, format="FLAC")
    image = MediaPart("image", "image/png", "i", data=b"\x89PNG-original-bytes")
    audio = MediaPart("audio", "audio/flac", "a", data=flac.getvalue())
    request = Request(id="m", messages=[Message("user", [image, audio, TextPart("describe")])], generation=_GEN)
    with FaultServer() as server:
        adapter = adapter_for(server)
        try:
            assert adapter.generate([request])[0].ok
        finally:
            adapter.close()
    parts = server.bodies[0]["messages"][0]["content"]
    assert parts[0] == {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(b"\x89PNG-original-bytes").decode()}}
    assert parts[1]["input_audio"]["format"] == "wav"
    wav, rate = sf.read(io.BytesIO(base64.b64decode(parts[1]["input_audio"]["data"])))
    assert rate == 16000 and len(wav) == 1600


def test_file_references_are_read_when_sent_and_video_is_a_request_error(tmp_path):
    from evals.adapters.openai_compat import chat_messages

    (tmp_path / "a.png").write_bytes(b"\x89PNG-from-a-file")
    by_path = MediaPart("image", "image/png", "f", path=str(tmp_path / "a.png"))
    request = Request(id="p", messages=[Message("user", [by_path, TextPart("q")])], generation=_GEN)
    url = chat_messages(request)[0]["content"][0]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(b"\x89PNG-from-a-file").decode()
    video = Request(id="v", messages=[Message("user", [MediaPart("video", "video/mp4", "v", data=b"...."), TextPart("q")])], generation=_GEN)
    with pytest.raises(ValueError, match="video parts are not supported yet"):
        chat_messages(video)
    (tmp_path / "a.png").unlink()
    with pytest.raises(ValueError, match="cannot read image file"):
        chat_messages(request)


def test_errors_are_counted_in_a_real_run(tmp_path):
    """Through evaluate_model: failed requests are errors in results.json, never scored as empty answers."""
    from evals.spec.catalog import load_task
    from evals.run.evaluate import evaluate_model
    from evals.results import iter_samples, read_results
    from evals.run.runner import RunOptions

    class FailSome(FaultServer):
        def handle(self, handler, body):
            text = self._last_text(body)
            if "color" in text or "colour" in text:  # these questions always fail
                with self.lock:
                    self.attempts.setdefault(text, []).append(time.monotonic())
                return self._send(handler, 500, {"error": "boom"})
            return super().handle(handler, body)

    with FailSome(delay=0.0) as server:
        adapter = adapter_for(server, max_retries=1)
        try:
            evaluate_model(adapter, [load_task("easyvqa")], tmp_path / "run", None, RunOptions(limit=8, batch_size=8))
        finally:
            adapter.close()
    result = read_results(tmp_path / "run").tasks["easyvqa"]
    records = list(iter_samples(tmp_path / "run", "easyvqa"))
    failed = [r for r in records if r.error]
    assert failed, "the fixture must make some requests fail"
    assert result.n_errors == len(failed) and result.n_scored == 8 - len(failed)
    assert all(r.error.startswith("HTTP 500 after 2 attempts") and r.prediction is None for r in failed)
    assert all(r.prediction for r in records if not r.error)
