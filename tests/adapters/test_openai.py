"""The ``openai:`` adapter against real HTTP servers on loopback."""

from __future__ import annotations

from pathlib import Path

import base64
import io
import time

import numpy as np
import pytest

from evals.adapters.base import create_adapter
from evals.requests import GenerationSettings, MediaPart, Message, Request, TextPart
from tests.adapters.fault_server import EMPTY_KINDS, STOP_POLL_S, FaultServer

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


def test_retry_after_is_honoured(monkeypatch):
    import asyncio

    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recorded_sleep(delay, *args, **kwargs):
        waits.append(delay)
        return await real_sleep(0)  # what the adapter asked for is the point, not the clock

    monkeypatch.setattr(asyncio, "sleep", recorded_sleep)
    with FaultServer(retry_after="3") as server:
        adapter = adapter_for(server, max_retries=2)
        try:
            out = adapter.generate([text_request("fail:429:1")])
        finally:
            adapter.close()
    assert out[0].ok and len(server.attempts["fail:429:1"]) == 2
    assert 3.0 in waits  # the server's Retry-After, not the ~0.01 s backoff


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


def test_a_prompt_longer_than_the_context_is_named_not_retried_and_does_not_stop_the_run():
    with FaultServer() as server:
        adapter = adapter_for(server, max_retries=3, fail_fast_after=2)
        try:
            out = adapter.generate([text_request(f"fail:context:all #{i}") for i in range(3)] + [text_request("fine")])
        finally:
            adapter.close()
    assert all(r.error.startswith("prompt too long for the model's context: HTTP 400:") for r in out[:3]), out
    assert "takes at most 2048" in out[0].error and len(server.attempts["fail:context:all #0"]) == 1
    assert out[3].ok  # one prompt too long says nothing about the next: no fail-fast


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


def test_file_references_are_read_when_sent_and_a_video_goes_as_its_timed_frames(tmp_path):
    import sys
    from dataclasses import replace

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    from make_fixtures import video_bytes

    from evals.adapters.openai_compat import chat_messages
    from evals.data.media import MediaDecoder, media_part
    from evals.requests import DecodedMedia, MediaNotDecoded, VideoSampling

    (tmp_path / "a.png").write_bytes(b"\x89PNG-from-a-file")
    by_path = MediaPart("image", "image/png", "f", path=str(tmp_path / "a.png"))
    request = Request(id="p", messages=[Message("user", [by_path, TextPart("q")])], generation=_GEN)
    url = chat_messages(request)[0]["content"][0]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(b"\x89PNG-from-a-file").decode()
    clip = replace(media_part("video", video_bytes(n=20, fps=10, audio_rate=8000)), sampling=VideoSampling(frames=3, audio=True))
    video = Request(id="v", messages=[Message("user", [clip, TextPart("q")])], generation=_GEN)
    with pytest.raises(MediaNotDecoded):  # the engine samples and decodes it (decode_video) before the adapter sends it
        chat_messages(video)
    store = DecodedMedia()
    store.put(clip, MediaDecoder(16000).video(clip))
    content = chat_messages(replace(video, media=store))[0]["content"]
    assert [c["text"] for c in content if c["type"] == "text"] == ["Frame at 0.0 s:", "Frame at 0.9 s:", "Frame at 1.9 s:", "q"]
    assert [c["type"] for c in content] == ["text", "image_url"] * 3 + ["input_audio", "text"]
    assert content[1]["image_url"]["url"].startswith("data:image/jpeg;base64,") and content[6]["input_audio"]["format"] == "wav"
    # -a video_url=true: the file itself, for servers that sample videos themselves; a segment or a sound track cannot go so.
    whole = replace(video, messages=[Message("user", [replace(clip, sampling=VideoSampling(frames=3)), TextPart("q")])])
    [part, _] = chat_messages(whole, video_url=True)[0]["content"]
    assert part["type"] == "video_url" and part["video_url"]["url"].startswith("data:video/")
    with pytest.raises(ValueError, match="video_url sends whole files"):
        chat_messages(replace(video, media=store), video_url=True)
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
    assert result.n_new == 8 and result.n_cached == 0  # a failed request was asked of the model: new, and an error
    assert all(r.error.startswith("HTTP 500 after 2 attempts") and r.prediction is None for r in failed)
    assert all(r.prediction for r in records if not r.error)


@pytest.mark.parametrize("kind", EMPTY_KINDS)
def test_an_empty_completion_is_an_error_not_an_empty_answer(kind):
    with FaultServer() as server:
        adapter = adapter_for(server, max_retries=3)
        try:
            out = adapter.generate([text_request(f"fail:{kind}:all"), text_request("fine")])
        finally:
            adapter.close()
    assert out[1].ok and out[1].text == "enif"
    assert not out[0].ok and out[0].text == ""
    assert out[0].error.startswith("empty completion: ") and "allow_empty=true" in out[0].error
    assert len(server.attempts[f"fail:{kind}:all"]) == 1  # a 200 is not retried: the resume asks again
    why = {"null": "content is null", "reasoning": "content is null but reasoning_content has", "empty": "content is empty",
           "blank": "content is only whitespace", "nocontent": "no content", "nochoices": "no choices"}[kind]
    assert why in out[0].error
    if kind == "reasoning":
        assert "finish_reason=length" in out[0].error


def test_allow_empty_makes_empty_content_an_answer_with_its_own_identity():
    with FaultServer() as server:
        adapter = adapter_for(server, allow_empty=True)
        default = adapter_for(server)
        try:
            out = adapter.generate([text_request(f"fail:{k}:all") for k in ("null", "empty", "blank", "nocontent", "nochoices")])
            assert adapter.fingerprint_hash() != default.fingerprint_hash()
            assert "allow_empty" not in default.fingerprint()["args"]  # the default keeps the identity it always had
        finally:
            adapter.close()
            default.close()
    assert [r.ok for r in out] == [True, True, True, True, False] and all(r.text == "" for r in out)
    assert "no choices" in out[4].error  # no completion at all is never an answer


def test_an_empty_completion_is_not_cached_so_a_resume_asks_again(tmp_path):
    from evals.run.cache import ResponseCache
    from evals.run.engine import GenerationEngine, Job

    cache = ResponseCache(tmp_path / "c.sqlite")
    with FaultServer() as server:
        for run in (1, 2):
            adapter = adapter_for(server)
            try:
                engine = GenerationEngine(adapter, cache, batch_size=8)
                jobs = [j for chunk in engine.run(Job(text_request(t)) for t in ("fail:null:1", "fine")) for j in chunk]
            finally:
                adapter.close()
            if run == 1:
                assert "content is null" in jobs[0].failure and jobs[1].response.text == "enif"
    # The second run took "fine" from the cache and asked the server again for the one that came back empty.
    assert jobs[0].failure is None and jobs[0].response.text == "fail:null:1"[::-1] and not jobs[0].cached
    assert jobs[1].cached
    assert len(server.attempts["fail:null:1"]) == 2 and len(server.attempts["fine"]) == 1


def test_a_trickling_server_is_a_timeout_and_the_rest_of_the_batch_is_answered():
    # One byte every 50 ms: every read is far inside timeout_s, the whole ~250-byte body would take ~12 s.
    with FaultServer(trickle_s=0.05) as server:
        adapter = adapter_for(server, max_retries=2, timeout_s=0.5)
        try:
            out = adapter.generate([text_request("fail:trickle:all"), text_request("a"), text_request("fail:trickle:1"),
                                    text_request("b")])
        finally:
            adapter.close()
    assert out[0].error.startswith("timeout after 3 attempts: no complete response within timeout_s=0.5 s")
    assert len(server.attempts["fail:trickle:all"]) == 3
    assert [r.text for r in out[1:]] == ["a", "1:elkcirt:liaf", "b"]
    assert len(server.attempts["fail:trickle:1"]) == 2


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _count_attempts(adapter) -> list[int]:
    calls = [0]
    real = adapter._attempt

    async def counted(*a, **kw):
        calls[0] += 1
        return await real(*a, **kw)

    adapter._attempt = counted
    return calls


def test_a_closed_port_stops_the_run_after_a_few_attempts_with_one_reason():
    adapter = create_adapter("openai:m", {"base_url": f"http://127.0.0.1:{_closed_port()}/v1", "concurrency": 4, "max_retries": 3,
                                          "initial_backoff_s": 0.01, "timeout_s": 2.0})
    attempts = _count_attempts(adapter)
    try:
        first = adapter.generate([text_request(f"q{i}") for i in range(40)])
        later = adapter.generate([text_request(f"r{i}") for i in range(40)])
    finally:
        adapter.close()
    assert attempts[0] <= 8 + 3  # the 8 that trip it, and those already in flight; not 4 attempts x 80 requests
    assert all(not r.ok and "connection refused" in r.error for r in first + later)
    stopped = {r.error for r in first + later if r.error.startswith("not sent:")}
    assert len(stopped) == 1 and len([r for r in first + later if r.error.startswith("not sent:")]) >= 80 - 11
    (reason,) = stopped
    assert "\n" not in reason and "8 attempts failed in a row" in reason and "fail_fast_after=8" in reason


@pytest.mark.parametrize("kind, says", [("401", "HTTP 401: {\"error\": \"invalid api key\"}"), ("model", "does not exist")])
def test_401_and_an_unknown_model_stop_the_run_after_eight(kind, says):
    with FaultServer() as server:
        adapter = adapter_for(server, concurrency=1)
        try:
            out = adapter.generate([text_request(f"fail:{kind}:all #{i}") for i in range(12)])
        finally:
            adapter.close()
    assert sum(len(v) for v in server.attempts.values()) == 8
    assert all(says in r.error for r in out)
    assert [r.error.startswith("not sent:") for r in out] == [False] * 8 + [True] * 4


def test_a_success_resets_the_count_and_zero_never_stops():
    with FaultServer() as server:
        adapter = adapter_for(server, concurrency=1)
        counting_off = adapter_for(server, concurrency=1, fail_fast_after=0)
        try:
            # 7 failures, an answer, 7 failures, an answer...: never 8 in a row.
            texts = [f"fail:401:all #{i}" if i % 8 != 7 else f"ok {i}" for i in range(32)]
            out = adapter.generate([text_request(t) for t in texts])
            off = counting_off.generate([text_request(f"fail:403:all #{i}") for i in range(12)])
        finally:
            adapter.close()
            counting_off.close()
    assert not any(r.error and r.error.startswith("not sent:") for r in out)
    assert [r.ok for r in out] == [i % 8 == 7 for i in range(32)]
    assert all(r.error.startswith("HTTP 403") for r in off) and sum(k.startswith("fail:403") for k in server.attempts) == 12


class _RawServer:
    """Answers each request on 127.0.0.1 with the next canned bytes; ``close_after`` closes the connection after that reply,
    ``drop_second`` closes it, unanswered, on the second request it carries."""

    def __init__(self, replies: list[bytes], close_after: bool = False, drop_second: bool = False) -> None:
        import socketserver
        import threading

        self.replies, self.seen = list(replies), []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                for k in range(len(outer.replies) + 1):  # bounded: one request per canned reply
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = self.rfile.readline(65536)
                        if not line:
                            return
                        head += line
                    length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
                    outer.seen.append((head, self.rfile.read(length)))
                    if not outer.replies or (drop_second and k == 1):
                        return
                    self.wfile.write(outer.replies.pop(0))
                    self.wfile.flush()
                    if close_after:
                        return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, args=(STOP_POLL_S,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _completion_bytes(text: str) -> bytes:
    import json

    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}).encode()


def test_the_builtin_client_reads_chunked_gzip_close_delimited_and_interim_replies():
    import gzip

    body = _completion_bytes("chunky")
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    zipped = gzip.compress(_completion_bytes("zipped"))
    replies = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n" + chunked,
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(zipped), zipped),
        b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + _completion_bytes("until close"),
    ]
    server = _RawServer(replies[:2])
    closing = _RawServer(replies[2:], close_after=True)
    try:
        adapter = create_adapter("openai:m", {"base_url": server.url, "concurrency": 1})
        other = create_adapter("openai:m", {"base_url": closing.url})
        try:
            out = adapter.generate([text_request("a"), text_request("b")])
            last = other.generate([text_request("c")])
        finally:
            adapter.close()
            other.close()
    finally:
        server.close()
        closing.close()
    assert [r.text for r in out + last] == ["chunky", "zipped", "until close"]
    head = server.seen[0][0].decode()
    assert head.startswith("POST /v1/chat/completions HTTP/1.1\r\n") and f"Host: 127.0.0.1:{server.url.split(':')[2].split('/')[0]}" in head
    assert len(server.seen) == 2  # both over one kept-alive connection


def test_a_kept_alive_connection_the_server_closed_is_replaced_without_costing_an_attempt():
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
    # The server keeps the connection but drops it, unanswered, when the second request arrives on it (an idle timeout
    # racing the request): the request goes again on a new connection, with no backoff and no attempt spent.
    server = _RawServer([reply % (len(b), b) for b in (_completion_bytes("one"), _completion_bytes("two"))], drop_second=True)
    try:
        adapter = create_adapter("openai:m", {"base_url": server.url, "max_retries": 0, "concurrency": 1})
        try:
            first = adapter.generate([text_request("a")])
            second = adapter.generate([text_request("b")])
        finally:
            adapter.close()
    finally:
        server.close()
    assert [r.text for r in first + second] == ["one", "two"]
    assert len(server.seen) == 3  # the second request was sent twice: on the dead connection, then on a new one


def test_https_goes_through_httpx_and_the_builtin_client_refuses_it():
    from evals.errors import AdapterError

    adapter = create_adapter("openai:m", {"base_url": "https://api.example.invalid/v1"})
    try:
        assert not adapter._builtin and "http_client" not in adapter.fingerprint()["args"]
    finally:
        adapter.close()
    with pytest.raises(AdapterError, match="http:// only"):
        create_adapter("openai:m", {"base_url": "https://api.example.invalid/v1", "http_client": "builtin"})


@pytest.mark.parametrize("client", ["builtin", "httpx"])
def test_both_http_clients_retry_time_out_and_stop_alike(client):
    with FaultServer(trickle_s=0.05, stall_s=1.5) as server:
        adapter = adapter_for(server, http_client=client, max_retries=2, timeout_s=0.5, concurrency=1)
        try:
            out = adapter.generate([text_request(t) for t in ("fine", "fail:500:1", "fail:drop:1", "fail:stall:1", "fail:trickle:all",
                                                              "fail:null:1", "fail:401:all")])
        finally:
            adapter.close()
    assert [r.text for r in out[:4]] == ["enif", "1:005:liaf", "1:pord:liaf", "1:llats:liaf"]
    assert out[4].error.startswith("timeout after 3 attempts")
    assert out[5].error.startswith("empty completion: content is null")
    assert out[6].error.startswith("HTTP 401: ")
    closed = create_adapter("openai:m", {"base_url": f"http://127.0.0.1:{_closed_port()}/v1", "http_client": client, "max_retries": 0,
                                         "concurrency": 1})
    try:
        refused = closed.generate([text_request(f"q{i}") for i in range(10)])
    finally:
        closed.close()
    assert [r.error.startswith("not sent:") for r in refused] == [False] * 8 + [True] * 2
    assert all("connection refused" in r.error for r in refused)
