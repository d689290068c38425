"""The engine decodes a chunk's media into one store by content hash, hands it over as ``request.media``, and detaches it."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest

from evals.adapters.base import Adapter, AdapterArgs, Capabilities
from evals.data import media
from evals.data.media import media_part
from evals.requests import NO_MEDIA, GenerationSettings, Message, Request, Response, TextPart
from evals.run.engine import GenerationEngine, Job

_GEN = GenerationSettings(max_new_tokens=4)


def _png(color: int, size: tuple[int, int] = (24, 16)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (color, 10, 200)).save(buf, "PNG")
    return buf.getvalue()


def _wav(samples: np.ndarray) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, samples, 16000, format="WAV", subtype="FLOAT")
    return buf.getvalue()


class Recorder(Adapter):
    """Answers with what it was handed: the decoded image objects and audio lengths of each request."""

    kind = "recorder"
    seen: list[tuple[str, list[int], list[int]]]

    def __init__(self, caps: Capabilities) -> None:
        super().__init__("m", AdapterArgs())
        self._caps = caps
        self.seen = []

    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    def generate(self, requests: list[Request]) -> list[Response]:
        for r in requests:
            images = [id(r.media.image(p)) for p in r.images]
            audios = [len(r.media.audio(p)[0]) for p in r.audios]
            self.seen.append((r.id, images, audios))
        return [Response(text="ok") for _ in requests]


def _request(rid: str, *parts) -> Request:
    return Request(id=rid, messages=[Message("user", [*parts, TextPart(f"question {rid}")])], generation=_GEN)


def _run(adapter: Adapter, requests: list[Request], batch_size: int = 4) -> list[Job]:
    engine = GenerationEngine(adapter, None, batch_size=batch_size)
    return [job for chunk in engine.run(Job(r) for r in requests) for job in chunk]


@pytest.mark.parametrize("cpu_inference", [False, True])
def test_each_distinct_image_is_decoded_once_per_chunk_and_shared(monkeypatch, cpu_inference):
    calls: list[int] = []
    real = media.decode_image
    monkeypatch.setattr(media, "decode_image", lambda data, *a, **k: calls.append(len(data)) or real(data, *a, **k))
    images = [media_part("image", _png(c)) for c in range(6)]  # six distinct: the pool decodes them
    requests = [_request(str(i), images[i % 6]) for i in range(12)]
    requests.append(_request("two", images[0], images[1]))
    adapter = Recorder(Capabilities(image=True, batch=True, cpu_inference=cpu_inference))
    jobs = _run(adapter, requests, batch_size=8)  # one chunk of 13 misses
    assert all(j.response is not None and j.response.ok for j in jobs), [j.failure for j in jobs]
    assert len(calls) == 6
    seen = {rid: ims for rid, ims, _ in adapter.seen}
    assert seen["0"] == seen["6"] and seen["1"] == seen["7"] and seen["two"] == seen["0"] + seen["1"]  # one object per image
    assert all(j.request.media is NO_MEDIA for j in jobs)  # released with the chunk


def test_bad_media_are_that_samples_error_and_never_reach_the_model():
    good = media_part("image", _png(1))
    bomb = media_part("image", _png(2, (60, 50)))  # 3,000 pixels: over this adapter's limit
    nan = np.full(800, 0.1, dtype=np.float32)
    nan[3] = np.nan
    requests = [
        _request("good", good),
        _request("bomb", bomb),
        _request("nan", media_part("audio", _wav(nan))),
        _request("empty", media_part("audio", _wav(np.zeros(0, dtype=np.float32)))),
        _request("video", media_part("video", b"\x1a\x45\xdf\xa3webm...")),
        _request("clip", media_part("audio", _wav(np.zeros(1600, dtype=np.float32))), good),
        _request("text"),
    ]
    adapter = Recorder(Capabilities(image=True, audio=True, batch=True, max_image_pixels=2000))
    jobs = {j.request.id: j for j in _run(adapter, requests)}
    assert jobs["bomb"].failure == "media: image of 60x50 pixels is over the limit of 2000 pixels (a decompression bomb?)"
    assert jobs["nan"].failure == "media: audio has NaN or infinite samples"
    assert jobs["empty"].failure == "media: audio has 0 frames; at least 2 are needed"
    assert jobs["video"].failure.startswith("media: cannot open video: ")  # a WebM signature and nothing more
    assert {rid for rid, _, _ in adapter.seen} == {"good", "clip", "text"}
    assert [a for rid, _, a in adapter.seen if rid == "clip"] == [[1600]]


def test_adapters_that_take_encoded_media_get_no_decoded_store():
    part = media_part("video", b"\x1a\x45\xdf\xa3webm...")

    class Encoded(Recorder):
        def generate(self, requests):
            self.seen.extend((r.id, [len(r.media)], [len(p.read()) for p in r.media_parts]) for r in requests)
            return [Response(text="ok") for _ in requests]

    adapter = Encoded(Capabilities(image=True, video=True, batch=True, decode_media=False))
    jobs = _run(adapter, [_request("v", part)])
    assert jobs[0].response.ok and adapter.seen == [("v", [0], [len(part.data)])]


def test_a_request_queued_twice_in_different_chunks_keeps_its_media(monkeypatch):
    """The background preparer decodes chunk 2 while chunk 1 runs; releasing chunk 1 must not strip chunk 2."""
    from evals.run.engine import _Preparer

    second_ready = threading.Event()
    prepare = _Preparer._prepare

    def spy(self, chunk):
        prepare(self, chunk)
        if any(j.request.id == "3" for j in chunk):
            second_ready.set()

    monkeypatch.setattr(_Preparer, "_prepare", spy)

    class WaitsForChunk2(Recorder):
        def generate(self, requests):
            second_ready.wait(timeout=30)  # chunk 1's first batch runs only once chunk 2 is prepared
            return super().generate(requests)

    shared = _request("shared", media_part("image", _png(7)))
    others = [_request(str(i), media_part("image", _png(20 + i))) for i in range(6)]
    adapter = WaitsForChunk2(Capabilities(image=True, batch=True))
    jobs = _run(adapter, [shared, *others[:3], shared, *others[3:]], batch_size=1)  # chunks of 4 misses
    assert second_ready.is_set()
    assert all(j.response is not None and j.response.ok for j in jobs), [j.failure for j in jobs]
    assert [rid for rid, _, _ in adapter.seen].count("shared") == 2
