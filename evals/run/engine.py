"""The generation engine: every model call goes through here, for the model under test and for judges.

It takes ``Job``s (a request plus whatever the caller wants carried along) in
order and yields them back in the same order, in chunks, each with its
``response`` set. In between it owns:

- cache lookup (one query per group of consecutive jobs) and committing each
  batch's responses as soon as they return (a killed run loses at most the batch
  in flight; failed responses are never cached, nor, when the caller says what it
  can use (``run(usable=...)``: a judge, its verdicts), responses it cannot use: they
  are neither stored nor served, so a re-run asks again);
- decoding the misses' media (each distinct image once, on a small pool),
  ahead of inference in a background thread for GPU and remote models, between
  batches for a model that computes on the CPU;
- batching: chunks hold a few batches' worth of misses, sorted by input size so
  a batch pads little; results keep the callers' order;
- failures: a batch that raises is bisected so one bad input does not fail its
  neighbours; what still raises alone is that request's error; ``OutOfMemory``
  halves the batch size for the rest of the run;
- timing and counts (``EngineStats``), and progress: ``run(on_answered=...)`` hears of each batch as it is answered.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

from evals.adapters.base import Adapter, ModelUnavailable
from evals.data.media import MediaDecoder, MediaError
from evals.errors import OutOfMemory
from evals.redact import redact
from evals.requests import NO_MEDIA, DecodedMedia, MediaPart, Request, Response
from evals.run.cache import ResponseCache, cache_key

_QUEUE_CHUNKS = 2
_SORT_WINDOW = 4
_LOOKUP_GROUP = 64
_DECODE_WORKERS = max(1, min(4, (os.cpu_count() or 2)))
_MAX_CHUNK = 512


@dataclass
class Job:
    """One request on its way through the engine. ``error`` set beforehand means: do not call the model."""

    request: Request | None
    payload: Any = None
    error: str | None = None
    key: str = ""
    response: Response | None = None
    cached: bool = False

    @property
    def needs_model(self) -> bool:
        return self.request is not None and self.error is None and self.response is None

    @property
    def failure(self) -> str | None:
        """Why this job has no usable response: its own error, or the response's."""
        if self.error:
            return self.error
        return self.response.error if self.response is not None else None


@dataclass
class EngineStats:
    inference_s: float = 0.0
    generated: int = 0
    cached: int = 0
    errors: int = 0
    audio_s: float = 0.0
    notes: set[str] = field(default_factory=set)


def _input_size(job: Job) -> tuple[int, int, int, int]:
    """A cheap proxy for a request's input length: images, videos, then audio bytes, then prompt characters.

    Most VLMs spend a fixed number of tokens per image, so a JPEG's byte count says
    nothing about padding, while the prompt's length does; audio length follows its bytes.
    """
    req = job.request
    return len(req.images), len(req.videos), sum(p.nbytes for p in req.audios), len(req.text)  # type: ignore[union-attr]


def _chunks(jobs: Iterator[Job], misses_per_chunk: int) -> Iterator[list[Job]]:
    """Cut the ordered stream so each chunk holds ``misses_per_chunk`` misses (or ``_MAX_CHUNK`` jobs)."""
    chunk: list[Job] = []
    misses = 0
    for job in jobs:
        chunk.append(job)
        misses += job.needs_model
        if misses >= misses_per_chunk or len(chunk) >= _MAX_CHUNK:
            yield chunk
            chunk, misses = [], 0
    if chunk:
        yield chunk


class _Preparer(threading.Thread):
    """Looks up and decodes ahead of inference; hands chunks over a bounded queue.

    With ``background=False`` (a model computing on the CPU) nothing runs beside
    inference: each chunk is prepared when the previous one is done, its media
    decoded on every core by the pool, and the thread is never started.
    """

    _DONE = object()

    def __init__(self, jobs: Iterable[Job], adapter: Adapter, cache: ResponseCache | None, model_hash: str, chunk_misses: int,
                 background: bool, usable: Callable[[Job], bool] | None = None) -> None:
        super().__init__(daemon=True, name="omnieval-prepare")
        self.jobs, self.cache, self.model_hash, self.chunk_misses = jobs, cache, model_hash, chunk_misses
        self.usable = usable
        self.adapter = adapter
        self._warmed = False
        self.background = background
        self.queue: queue.Queue = queue.Queue(maxsize=_QUEUE_CHUNKS)
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        caps = adapter.capabilities
        self._decode = caps.decode_media
        self._decode_video = caps.decode_video  # an adapter that sends encoded images and audio may still need frames
        self._decoder = MediaDecoder(caps.audio_sampling_rate, caps.max_image_side, caps.max_image_pixels)
        self._pool: ThreadPoolExecutor | None = None

    def _keyed(self) -> Iterator[Job]:
        group: list[Job] = []
        for job in self.jobs:
            if job.request is not None and not job.key:
                job.key = cache_key(job.request.key, self.model_hash)
            group.append(job)
            if len(group) >= _LOOKUP_GROUP:
                yield from self._looked_up(group)
                group = []
        yield from self._looked_up(group)

    def _looked_up(self, group: list[Job]) -> list[Job]:
        """One cache query for a group of consecutive jobs."""
        if self.cache is not None and group:
            hits = self.cache.get_many([j.key for j in group if j.key and j.error is None])
            for j in group:
                hit = hits.get(j.key)
                if hit is not None:
                    j.response, j.cached = hit, True
                    if self.usable is not None and not self.usable(j):  # stored before it was known unusable: ask again
                        j.response, j.cached = None, False
        if not self._warmed and any(j.needs_model for j in group):
            # The first request the cache cannot answer: a lazy model starts loading while the first chunks are prepared.
            self._warmed = True
            self.adapter.warm_up()
        return group

    def _decode_parts(self, parts: list[MediaPart], store: DecodedMedia, failures: dict[str, str]) -> None:
        for part in parts:
            try:
                store.put(part, self._decoder.decode(part))
            except MediaError as e:
                failures[part.decode_key] = str(e)

    @staticmethod
    def _decode_job(job: Job, store: DecodedMedia, failures: dict[str, str]) -> None:
        """Hand the job its chunk's decoded media, or make its first undecodable part its error."""
        req = job.request
        failed = next((failures[p.decode_key] for p in req.media_parts if p.decode_key in failures), None)  # type: ignore[union-attr]
        if failed is not None:
            job.error = f"media: {failed}"
        elif len(req.media):  # type: ignore[union-attr]
            # The same request is still in an earlier chunk, holding that chunk's store: this job gets its own copy.
            job.request = replace(req, media=store)  # type: ignore[arg-type]
        else:
            req.media = store  # type: ignore[union-attr]

    def _prepare(self, chunk: list[Job]) -> None:
        """Decode the misses' media into one store for the chunk, each distinct part once.

        Pillow, libsndfile and soxr release the GIL while they work, so a small pool runs them in parallel.
        """
        if not (self._decode or self._decode_video):
            return

        def wanted(parts: list[MediaPart]) -> list[MediaPart]:
            # An adapter that sends media encoded still needs what only decoding gives: sampled frames, perturbed media.
            return parts if self._decode else [p for p in parts if p.needs_decoding]

        todo = [j for j in chunk if j.needs_model and wanted(j.request.media_parts)]  # type: ignore[union-attr]
        distinct = list({p.decode_key: p for j in todo for p in wanted(j.request.media_parts)}.values())  # type: ignore[union-attr]
        store, failures = DecodedMedia(), {}
        if len(distinct) >= 4:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=_DECODE_WORKERS, thread_name_prefix="omnieval-decode")
            # One task per worker, interleaved for balance: small images decode faster than a task hand-over.
            slices = [distinct[k::_DECODE_WORKERS] for k in range(_DECODE_WORKERS)]
            list(self._pool.map(lambda parts: self._decode_parts(parts, store, failures), slices))
        else:
            self._decode_parts(distinct, store, failures)
        for j in todo:
            self._decode_job(j, store, failures)

    def _produce(self) -> Iterator[list[Job]]:
        for chunk in _chunks(self._keyed(), self.chunk_misses):
            self._prepare(chunk)
            yield chunk

    def run(self) -> None:
        try:
            for chunk in self._produce():
                while not self._stop.is_set():
                    try:
                        self.queue.put(chunk, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as e:  # noqa: BLE001 - re-raised in the consuming thread
            self.failure = e
        finally:
            self._shutdown_pool()
            self.queue.put(self._DONE)

    def _shutdown_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    def chunks(self) -> Iterator[list[Job]]:
        if not self.background:
            try:
                yield from self._produce()
            finally:
                self._shutdown_pool()
            return
        self.start()
        while True:
            chunk = self.queue.get()
            if chunk is self._DONE:
                if self.failure is not None:
                    raise self.failure
                return
            yield chunk

    def stop(self) -> None:
        self._stop.set()


def _release_media(job: Job) -> None:
    """Detach the chunk's decoded media once the job's batch is done: the store is freed with its last
    request, so memory stays flat over a long run."""
    if job.request is not None:
        job.request.media = NO_MEDIA


class GenerationEngine:
    """Runs jobs through one adapter with caching, batching, bisection and out-of-memory halving.

    ``batch_size`` is the largest batch handed to the adapter (capped by the
    adapter's capabilities). The engine is reusable across tasks: the batch size it
    settled on after running out of memory is kept.
    """

    def __init__(self, adapter: Adapter, cache: ResponseCache | None, batch_size: int = 8) -> None:
        self.adapter, self.cache = adapter, cache
        caps = adapter.capabilities
        self.batch_size = max(1, min(batch_size, caps.max_batch_size or batch_size)) if caps.batch else 1
        self.model_hash = adapter.fingerprint_hash()
        self.stats = EngineStats()

    def run(self, jobs: Iterable[Job], on_answered: Callable[[list[Job]], None] | None = None,
            usable: Callable[[Job], bool] | None = None) -> Iterator[list[Job]]:
        """Yield ``jobs`` in order, chunk by chunk, each with ``response`` (or ``error``) set.

        ``on_answered`` (progress) hears of every job once, as soon as it has its answer: a prepared chunk's jobs the
        cache answered or that need no model (their own error) at once, the others batch by batch as the model answers
        them, each batch after its responses are committed; before the chunk is yielded.

        ``usable`` (a job with a successful response -> whether the caller can use it: a judge's reply that is a
        verdict) decides what the cache keeps: a response it rejects is handed back (the caller records why it is
        unusable) but never stored, and a stored one it rejects is not served but asked again.
        """
        caps = self.adapter.capabilities
        # Chunks hold a few batches' worth of misses so they can be sorted by length (less padding).
        preparer = _Preparer(jobs, self.adapter, self.cache, self.model_hash, self.batch_size * _SORT_WINDOW,
                             background=not caps.cpu_inference, usable=usable)
        try:
            for chunk in preparer.chunks():
                misses = [j for j in chunk if j.needs_model]
                if on_answered is not None and len(misses) < len(chunk):
                    on_answered([j for j in chunk if not j.needs_model])  # the cache's answers and the jobs' own errors
                misses.sort(key=_input_size)  # stable; the chunk itself keeps the callers' order
                i = 0
                while i < len(misses):
                    batch = misses[i:i + self.batch_size]
                    i += len(batch)
                    self._generate(batch)
                    if self.cache is not None:
                        keep = [j for j in batch if j.response is not None and (usable is None or j.failure is not None or usable(j))]
                        self.cache.put_many([(j.key, j.response) for j in keep], self.adapter.name)  # errors: never stored
                    if on_answered is not None:
                        on_answered(batch)
                for j in chunk:
                    self._count(j)
                    _release_media(j)
                yield chunk
        finally:
            preparer.stop()

    def _count(self, job: Job) -> None:
        s = self.stats
        if job.failure is not None:
            s.errors += 1
        elif job.cached:
            s.cached += 1
        elif job.response is not None:
            s.generated += 1
        if job.response is not None and job.response.audio_s:
            s.audio_s += job.response.audio_s

    def _generate(self, batch: list[Job]) -> None:
        """Run ``batch`` through the adapter, bisecting on failure and halving on out-of-memory."""
        self.adapter.load()  # a lazy model loads before the clock starts: its start-up is not inference time
        start = time.perf_counter()
        try:
            self._call(batch)
        finally:
            self.stats.inference_s += time.perf_counter() - start

    def _call(self, batch: list[Job]) -> None:
        requests = [j.request for j in batch]
        try:
            responses = self.adapter.generate(requests)  # type: ignore[arg-type]
            if len(responses) != len(requests):
                raise RuntimeError(f"adapter returned {len(responses)} responses for {len(requests)} requests")
        except ModelUnavailable:
            raise  # no request can succeed: the run stops
        except Exception as e:  # noqa: BLE001 - recorded per request, the run goes on
            if isinstance(e, OutOfMemory) and self.batch_size > 1:
                self.batch_size = max(1, min(self.batch_size, len(batch)) // 2)
                self.stats.notes.add(f"out of memory: batch size reduced to {self.batch_size}")
            if len(batch) == 1:
                batch[0].response = Response(error=redact(f"{type(e).__name__}: {e}".splitlines()[0][:500]))
                return
            half = len(batch) // 2
            self._call(batch[:half])
            self._call(batch[half:])
            return
        for j, resp in zip(batch, responses):
            if resp.error:  # servers echo URLs and keys back in their error bodies
                resp.error = redact(resp.error)
            j.response = resp
