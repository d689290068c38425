"""The run loop: plan -> cache lookup -> prefetch/decode -> adapter -> cache -> score -> results.

A background thread reads rows, builds requests, looks them up in the cache
and decodes the media of the misses, a few batches ahead of the model (a
bounded queue keeps memory flat). The main thread runs the adapter, commits
each batch of responses to the cache at once, and scores as it goes. Rows stay
in dataset order throughout, so a resumed run writes the same records.
"""

from __future__ import annotations

import json
import os
import queue
from concurrent.futures import ThreadPoolExecutor
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from evals.adapters.base import Adapter
from evals.run.cache import ResponseCache, cache_key
from evals.data.open import open_dataset
from evals.data.source import select_rows
from evals.hashing import stable_hash
from evals.data.media import MediaDecoder, MediaError
from evals.scoring.contract import ScoreInput
from evals.run.plan import RequestPlanner, Sample
from evals.requests import Response
from evals.results import DatasetRecord, SampleRecord, TaskResult, TaskTiming
from evals.scoring.task import TaskScoring
from evals.spec.task import TaskSpec

_QUEUE_CHUNKS = 2
_SORT_WINDOW = 4
_LOOKUP_GROUP = 64
_DECODE_WORKERS = max(1, min(4, (os.cpu_count() or 2)))
_MAX_CHUNK = 512


@dataclass
class Item:
    sample: Sample
    key: str = ""
    response: Response | None = None
    cached: bool = False


@dataclass
class TaskProgress:
    """Counts the progress display reads; updated by the main thread only."""

    total: int | None
    done: int = 0
    cached: int = 0
    ran: int = 0
    errors: int = 0


@dataclass
class RunOptions:
    batch_size: int = 8
    limit: int | None = None
    data_dir: str | None = None
    seed: int = 0
    n_resamples: int = 1000
    shard: tuple[int, int] | None = None
    on_progress: Callable[[str, TaskProgress], None] | None = None


def _chunks(items: Iterator[Item], batch_size: int) -> Iterator[list[Item]]:
    """Cut the ordered stream so each chunk holds ``batch_size`` misses (or ``_MAX_CHUNK`` items)."""
    chunk: list[Item] = []
    misses = 0
    for item in items:
        chunk.append(item)
        if item.response is None and item.sample.request is not None:
            misses += 1
        if misses >= batch_size or len(chunk) >= _MAX_CHUNK:
            yield chunk
            chunk, misses = [], 0
    if chunk:
        yield chunk


class _Prefetcher(threading.Thread):
    """Plans, looks up and decodes ahead of inference; hands chunks over a bounded queue.

    With ``background=False`` (a model computing on the CPU) nothing runs beside
    inference: each chunk is prepared when the previous one is done, its media
    decoded on every core by the pool, and the thread is never started.
    """

    _DONE = object()

    def __init__(self, samples: Iterator[Sample], adapter: Adapter, cache: ResponseCache | None, task_hash: str, model_hash: str, batch_size: int,
                 background: bool = True) -> None:
        super().__init__(daemon=True, name="omnieval-prefetch")
        self.background = background
        self.samples, self.adapter, self.cache = samples, adapter, cache
        self.task_hash, self.model_hash, self.batch_size = task_hash, model_hash, batch_size
        self.queue: queue.Queue = queue.Queue(maxsize=_QUEUE_CHUNKS)
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        caps = adapter.capabilities
        self._decode = caps.decode_media
        self._decoder = MediaDecoder(caps.audio_sampling_rate, caps.max_image_side)
        self._pool: ThreadPoolExecutor | None = None

    def _items(self) -> Iterator[Item]:
        group: list[Item] = []
        for sample in self.samples:
            item = Item(sample)
            if sample.request is not None:
                item.key = cache_key(self.task_hash, sample.request.key, self.model_hash)
            group.append(item)
            if len(group) >= _LOOKUP_GROUP:
                yield from self._looked_up(group)
                group = []
        yield from self._looked_up(group)

    def _looked_up(self, group: list[Item]) -> list[Item]:
        """One cache query for a group of consecutive rows."""
        if self.cache is not None and group:
            hits = self.cache.get_many([it.key for it in group if it.key])
            for it in group:
                hit = hits.get(it.key)
                if hit is not None:
                    it.response, it.cached = hit, True
        return group

    def _decode_item(self, item: Item) -> None:
        req = item.sample.request
        try:
            self._decoder.decode(req.images, req.audios)  # type: ignore[union-attr]
        except MediaError as e:
            item.sample.error = f"media: {e}"

    def _decode_items(self, items: list[Item]) -> None:
        for item in items:
            self._decode_item(item)

    def _prepare(self, chunk: list[Item]) -> None:
        """Decode the misses' media, each distinct image once.

        Pillow, libsndfile and soxr release the GIL while they work, so a small pool runs them in parallel.
        """
        if not self._decode:
            return
        todo = [it for it in chunk if it.response is None and it.sample.request is not None]
        firsts: dict[str, Item] = {}
        for it in todo:
            for part in it.sample.request.images:  # type: ignore[union-attr]
                firsts.setdefault(part.sha, it)
        # One item per distinct image (items sharing it then hit the decoder's memo), and every item with audio.
        leaders = list({id(it): it for it in [*firsts.values(), *(it for it in todo if it.sample.request.audios)]}.values())  # type: ignore[union-attr]
        if len(leaders) >= 4:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=_DECODE_WORKERS, thread_name_prefix="omnieval-decode")
            # One task per worker, interleaved for balance: small images decode faster than a task hand-over.
            list(self._pool.map(self._decode_items, [leaders[k::_DECODE_WORKERS] for k in range(_DECODE_WORKERS)]))
        for item in todo:
            self._decode_item(item)  # memo hits for images decoded above; whatever is still encoded

    def _produce(self) -> Iterator[list[Item]]:
        for chunk in _chunks(self._items(), self.batch_size):
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
        except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
            self.failure = e
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
            self.queue.put(self._DONE)

    def chunks(self) -> Iterator[list[Item]]:
        if not self.background:
            try:
                yield from self._produce()
            finally:
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
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


def _is_out_of_memory(error: BaseException) -> bool:
    return type(error).__name__ == "OutOfMemoryError" or "out of memory" in str(error).lower()


def _generate(adapter: Adapter, items: list[Item]) -> tuple[float, bool]:
    """Run the misses through the adapter; returns (seconds, whether it ran out of memory).

    If the batch raises, it is split in halves and each retried, down to single
    requests, so one bad input does not fail its neighbours and an
    out-of-memory batch still completes; what still raises alone is recorded as
    that request's error and the run goes on.
    """
    start = time.perf_counter()
    requests = [it.sample.request for it in items]
    try:
        responses = adapter.generate(requests)  # type: ignore[arg-type]
        if len(responses) != len(requests):
            raise RuntimeError(f"adapter returned {len(responses)} responses for {len(requests)} requests")
    except Exception as e:  # noqa: BLE001 - recorded per request, the run goes on
        oom = _is_out_of_memory(e)
        if len(requests) == 1:
            responses = [Response(error=f"{type(e).__name__}: {e}".splitlines()[0][:500])]
        else:
            half = len(items) // 2
            _generate(adapter, items[:half])
            _generate(adapter, items[half:])
            return time.perf_counter() - start, oom
    for it, resp in zip(items, responses):
        it.response = resp
    return time.perf_counter() - start, False


def _stored_plan(cache: ResponseCache, plan_key: str, spec: TaskSpec, task_hash: str, model_hash: str) -> Iterator[Sample] | None:
    """The samples of a finished earlier run over unchanged data, if every response is cached.

    With any miss the data must be read (the stored plan holds no media), so None.
    """
    n = cache.plan_size(plan_key)
    if n is None:
        return None
    keys: list[str] = []
    for text in cache.iter_plan(plan_key):
        request_key = json.loads(text)[2]
        if request_key:
            keys.append(cache_key(task_hash, request_key, model_hash))
    if len(cache.get_many(keys)) != len(keys):
        return None
    return (Sample.from_json(text, spec.generation) for text in cache.iter_plan(plan_key))


def _input_size(item: Item) -> tuple[int, int, int]:
    """A cheap proxy for a request's input length: images, then audio bytes, then prompt characters.

    Most VLMs spend a fixed number of tokens per image, so a JPEG's byte count says
    nothing about padding, while the prompt's length does; audio length follows its bytes.
    """
    req = item.sample.request
    return len(req.images), sum(len(p.data) for p in req.audios), len(req.text)  # type: ignore[union-attr]


def task_hash_for(spec: TaskSpec, data_fingerprint: str) -> str:
    return stable_hash({"spec": spec.spec_hash, "data": data_fingerprint, "revision": spec.dataset.revision})


def evaluate_task(spec: TaskSpec, adapter: Adapter, cache: ResponseCache | None, samples_path: Path, options: RunOptions) -> TaskResult:
    """Evaluate one task with one adapter; writes its sample records and returns its results."""
    started = time.perf_counter()
    source = select_rows(open_dataset(spec, options.data_dir), options.limit)
    task_hash = task_hash_for(spec, source.fingerprint)
    model_hash = adapter.fingerprint_hash()
    planner = RequestPlanner(spec, source.columns)
    rows = source.rows
    if options.shard is not None:
        rank, world = options.shard
        rows = ((i, r) for i, r in rows if i % world == rank)
    scoring = TaskScoring(spec.scorers, spec.fields.subgroups, seed=options.seed, n_resamples=options.n_resamples)
    progress = TaskProgress(total=source.num_rows if options.shard is None else None)
    caps = adapter.capabilities
    batch_size = min(options.batch_size, caps.max_batch_size or options.batch_size) if caps.batch else 1
    plan_key = stable_hash([task_hash, source.reuse_key, source.selection, options.shard]) if cache is not None and source.reuse_key else None
    stored = _stored_plan(cache, plan_key, spec, task_hash, model_hash) if plan_key else None
    if stored is not None:
        samples: Iterator[Sample] = stored  # a finished run over the same data: no rows read, no media decoded
    else:
        samples = planner.plan_rows(rows)
        if plan_key:
            cache.start_plan(plan_key)  # type: ignore[union-attr]
    # Chunks hold a few batches' worth of misses so they can be sorted by length (less padding).
    prefetch = _Prefetcher(samples, adapter, cache, task_hash, model_hash, batch_size * _SORT_WINDOW, background=not caps.cpu_inference)
    inference_s = 0.0
    audio_s = 0.0
    oom_notes: set[str] = set()
    records: list[SampleRecord] = []
    samples_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = samples_path.with_suffix(".jsonl.tmp")
    out = open(tmp_path, "w")
    try:
        for chunk in prefetch.chunks():
            misses = [it for it in chunk if it.response is None and it.sample.error is None and it.sample.request is not None]
            misses.sort(key=_input_size)  # stable; records below keep dataset order
            i = 0
            while i < len(misses):
                batch = misses[i:i + batch_size]
                i += len(batch)
                seconds, oom = _generate(adapter, batch)
                inference_s += seconds
                if oom and batch_size > 1:
                    batch_size //= 2  # keep the smaller batch for the rest of the task
                    oom_notes.add(f"out of memory: batch size reduced to {batch_size}")
                if cache is not None:
                    cache.put_many([(it.key, it.response) for it in batch])  # type: ignore[misc]
            inputs, scored_items = [], []
            chunk_records = []
            for it in chunk:
                s, resp = it.sample, it.response
                error = s.error or (resp.error if resp is not None else None)
                if resp is not None and resp.audio_s:
                    audio_s += resp.audio_s
                rec = SampleRecord(
                    task=spec.name, index=s.index, id=s.id,
                    prompt=s.describe(),
                    prediction=None if error else resp.text,  # type: ignore[union-attr]
                    references=s.references, choices=s.choices, subgroups=s.subgroups, error=error,
                    latency_s=resp.latency_s if resp is not None else None, cached=it.cached,
                )
                chunk_records.append(rec)
                progress.done += 1
                progress.errors += error is not None
                progress.cached += it.cached
                progress.ran += (not it.cached) and s.request is not None and s.error is None
                if error is None:
                    inputs.append(ScoreInput(id=s.id, prediction=resp.text, references=s.references, choices=s.choices, meta=s.subgroups))  # type: ignore[union-attr]
                    scored_items.append(rec)
                if s.request is not None:  # release decoded media as soon as the batch is done
                    for p in s.request.images:
                        p.image = None
                    for p in s.request.audios:
                        p.array = None
            if plan_key and stored is None:
                cache.add_plan_rows(plan_key, [(it.sample.index, it.sample.to_json()) for it in chunk])  # type: ignore[union-attr]
            for rec, stats in zip(scored_items, scoring.add(inputs)):
                rec.scores = stats
            if scoring.streaming:
                for rec in chunk_records:
                    out.write(rec.model_dump_json(exclude_none=True) + "\n")
            else:
                records.extend(chunk_records)
            if options.on_progress:
                options.on_progress(spec.name, progress)
    finally:
        prefetch.stop()
        out.close()
    with warnings.catch_warnings(record=True) as caught:
        # Scorers warn about what they had to skip (SPICE without its jars): that belongs in the results.
        warnings.simplefilter("always")
        metrics, subgroups = _finish_scoring(scoring, records, tmp_path)
    tmp_path.replace(samples_path)
    if plan_key and stored is None:
        cache.finish_plan(plan_key, progress.done)  # type: ignore[union-attr]
    notes = sorted(oom_notes)
    notes.extend(sorted({str(w.message) for w in caught}))
    if source.selection != "all":
        notes.append(f"partial run: {source.selection}")
    if progress.errors:
        notes.append(f"{progress.errors} request(s) failed and were not scored")
    rtfx = audio_s / inference_s if audio_s and inference_s else None
    return TaskResult(
        task=spec.name, task_version=spec.version, modality=spec.modality, kind=spec.kind,
        task_hash=task_hash, spec_hash=spec.spec_hash,
        dataset=DatasetRecord(path=spec.dataset.path, name=spec.dataset.name, split=spec.dataset.split, revision=source.revision,
                              fingerprint=source.fingerprint, origin=source.origin, selection=source.selection),
        primary_metric=spec.primary_metric, metrics=metrics, scorers=scoring.options_record(),
        n_samples=progress.done, n_scored=scoring.n_scored, n_errors=progress.errors, n_unparsed=scoring.n_unparsed(),
        n_cached=progress.cached, limit=options.limit, subgroups=subgroups, notes=notes,
        timing=TaskTiming(wall_s=time.perf_counter() - started, inference_s=inference_s, audio_s=audio_s or None, rtfx=rtfx),
    )


def _finish_scoring(scoring: TaskScoring, records: list[SampleRecord], tmp_path: Path) -> tuple[dict, list]:
    """Corpus-level scorers run now; their per-sample stats join the buffered records."""
    if not scoring.streaming:
        corpus = iter(scoring.finish_corpus())
        with open(tmp_path, "w") as out:
            for rec in records:
                if rec.error is None:
                    rec.scores.update(next(corpus))
                out.write(rec.model_dump_json(exclude_none=True) + "\n")
    return scoring.metrics(), scoring.subgroups()


def check_supported(spec: TaskSpec, adapter: Adapter) -> str | None:
    """Why ``adapter`` cannot take ``spec``'s requests, or None."""
    caps = adapter.capabilities
    if spec.modality == "image" and not caps.image:
        return f"{adapter.name} does not accept images"
    if spec.modality == "audio" and not caps.audio:
        return f"{adapter.name} does not accept audio"
    if isinstance(spec.fields.image, list) and len(spec.fields.image) > 1 and not caps.multi_image:
        return f"{adapter.name} does not accept several images per request"
    return None
