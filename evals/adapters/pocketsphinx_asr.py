"""``pocketsphinx:`` — CMU PocketSphinx 5, a second real offline speech recogniser (no neural network, no GPU).

With no model name it uses the US-English acoustic model, language model and dictionary inside the PyPI wheel
(``pocketsphinx.get_model_path()``); ``pocketsphinx:/path/to/model`` takes another model folder with the same
layout (``en-us/en-us``, ``en-us/en-us.lm.bin``, ``en-us/cmudict-en-us.dict``). Each request's one audio part is
decoded at 16 kHz as 16-bit PCM; the hypothesis is the transcription (empty for silence, which is an answer: a
recogniser that hears nothing has said so).

Each clip is decoded on its own: the decoder's feature extraction (its running cepstral mean included) starts afresh
for every utterance, so a transcription never depends on the clips decoded before it, their order or the process that
decoded it (a decoder's state carried from clip to clip had changed 10 of 12 noisy transcriptions). That lets several
decoders work at once: with more than one CPU core (``-a workers=N``; by default one per core, at most 4) the clips
of a batch are shared out to a small pool of processes, one decoder each, and come back in request order with the
text one decoder would give. The decoder (or the pool's processes, each loading its own) starts when the engine
announces its first request the cache cannot answer (``warm_up``) and is kept until ``close``.

The search can be narrowed for speed (``beam``, ``maxhmmpf``, ``maxwpf``, ``topn``, ``pl_window``, ``ds``,
``fwdflat``: the decoder's own options of those names; ``preset=fast`` sets three of them); each given one is in the
fingerprint and the model's name, so results of different settings never mix. The quickstart suite uses ``preset=fast``.
"""

from __future__ import annotations

import json
import os
import queue
import struct
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from evals.adapters.base import Adapter, AdapterArgs, Capabilities, ModelUnavailable
from evals.errors import AdapterError
from evals.requests import Request, Response

_RATE = 16000


class PocketSphinxArgs(AdapterArgs):
    beam: float | None = Field(None, gt=0, description="the decoder's beam width (-beam); None: PocketSphinx's default")
    maxhmmpf: int | None = Field(None, ge=1, description="at most this many HMMs searched per frame (-maxhmmpf); fewer is faster and "
                                                          "less exact; None: PocketSphinx's default (30000)")
    maxwpf: int | None = Field(None, ge=1, description="at most this many distinct words ending per frame (-maxwpf); None: no limit")
    topn: int | None = Field(None, ge=1, description="Gaussians scored per senone (-topn); None: PocketSphinx's default (4)")
    pl_window: int | None = Field(None, ge=0, description="phone-loop lookahead in frames (-pl_window); None: PocketSphinx's default (5)")
    ds: int | None = Field(None, ge=1, description="score acoustics on every ds-th frame only (-ds); None: every frame")
    fwdflat: bool | None = Field(None, description="run the second, flat-lexicon search pass (-fwdflat); false is faster; "
                                                   "None: PocketSphinx's default (it runs)")
    preset: Literal["fast"] | None = Field(None, description="a set of the search options above: fast = maxhmmpf 2000, maxwpf 5, "
                                                            "fwdflat false (about three times less work than the defaults on the "
                                                            "quickstart's clips, a few WER points worse); options given one by one "
                                                            "override it")
    workers: int = Field(0, ge=0, description="decoder processes, one decoder each: 0 one per CPU core this process may use (at most 4), "
                                              "1 decode in this process. Outputs do not depend on it (it is not in the fingerprint)")


_SEARCH_OPTIONS = ("beam", "maxhmmpf", "maxwpf", "topn", "pl_window", "ds", "fwdflat")
_PRESETS: dict[str, dict[str, Any]] = {"fast": {"maxhmmpf": 2000, "maxwpf": 5, "fwdflat": False}}
_MAX_WORKERS = 4


def _new_decoder(config: dict[str, Any]) -> Any:
    from pocketsphinx import Config, Decoder

    return Decoder(Config(**config))


def _decode(decoder: Any, pcm: bytes) -> tuple[str, float]:
    """One clip, from a fresh feature extractor (its cepstral mean and the rest of its state as configured): the text
    does not depend on what was decoded before. Worker processes (``_WORKER``) call this same function."""
    start = time.perf_counter()
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return (hyp.hypstr if hyp is not None else ""), time.perf_counter() - start


# A worker process: a bare interpreter with one decoder (not multiprocessing, which would import the caller's main
# module again in each worker). It reads clips (4-byte length, 16-bit PCM) on stdin and answers each with a JSON line,
# decoding with ``_decode``.
_WORKER = r"""
import json, struct, sys
from pocketsphinx import Config, Decoder
from evals.adapters.pocketsphinx_asr import _decode
decoder = Decoder(Config(**json.loads(sys.argv[1])))
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    pcm = inp.read(struct.unpack("<I", head)[0])
    out.write(json.dumps(list(_decode(decoder, pcm))).encode() + b"\n")
    out.flush()
"""


class _Worker:
    def __init__(self, config: dict[str, Any]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER, json.dumps(config)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def decode(self, pcm: bytes) -> tuple[str, float]:
        try:
            self.proc.stdin.write(struct.pack("<I", len(pcm)) + pcm)  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
            line = self.proc.stdout.readline()  # type: ignore[union-attr]
        except OSError:
            line = b""
        if not line:
            self.stop()
            why = (self.proc.stderr.read() or b"").decode(errors="replace").strip().splitlines()  # type: ignore[union-attr]
            raise AdapterError(f"pocketsphinx: a decoder process died (exit {self.proc.returncode})"
                               + (f": {why[-1][:300]}" if why else ""))
        text, latency = json.loads(line)
        return text, latency

    def stop(self) -> None:
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _DecoderPool:
    """Worker processes, one decoder each; ``map`` hands each clip to the next free one and keeps the order."""

    def __init__(self, config: dict[str, Any], n: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.config = config
        self.workers = [_Worker(config) for _ in range(n)]  # they load their decoders while this process goes on
        self.free: queue.Queue[_Worker] = queue.Queue()
        for w in self.workers:
            self.free.put(w)
        self.threads = ThreadPoolExecutor(n, thread_name_prefix="omnieval-pocketsphinx")

    def _one(self, pcm: bytes) -> tuple[str, float]:
        worker = self.free.get()
        try:
            return worker.decode(pcm)
        except AdapterError:
            self.workers.remove(worker)
            worker = _Worker(self.config)  # a fresh one for the next clips: the engine bisects the batch to find the culprit
            self.workers.append(worker)
            raise
        finally:
            self.free.put(worker)

    def map(self, pcms: list[bytes]) -> list[tuple[str, float]]:
        return list(self.threads.map(self._one, pcms))

    def close(self) -> None:
        self.threads.shutdown(wait=True)
        for w in self.workers:
            w.stop()


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class PocketSphinxAdapter(Adapter):
    kind = "pocketsphinx"
    version = "2"  # 2: each clip decoded from a fresh feature extractor (1 carried its state from clip to clip)
    Args = PocketSphinxArgs
    declared_capabilities = Capabilities(text=False, audio=True, batch=True, audio_sampling_rate=_RATE, cpu_inference=True)
    description = "CMU PocketSphinx 5 speech recognition; default: the US-English model inside the pocketsphinx wheel"

    def __init__(self, model: str, args: PocketSphinxArgs) -> None:
        if find_spec("pocketsphinx") is None:
            raise AdapterError("pocketsphinx: needs the package pocketsphinx (pip install 'omnieval[speech]')")
        super().__init__(model or "en-us", args)
        self._decoder: Any = None
        self._pool: Any = None
        self.workers = args.workers or min(_usable_cores(), _MAX_WORKERS)

    def _model_dir(self) -> Path:
        import pocketsphinx

        root = Path(pocketsphinx.get_model_path()) if self.model in ("", "en-us") else Path(self.model)
        if not (root / "en-us" / "en-us").is_dir():
            raise ModelUnavailable(f"pocketsphinx: {root} has no en-us/en-us acoustic model")
        return root

    def _config(self) -> dict[str, Any]:
        root = self._model_dir()
        config: dict[str, Any] = {"hmm": str(root / "en-us" / "en-us"), "lm": str(root / "en-us" / "en-us.lm.bin"),
                                  "dict": str(root / "en-us" / "cmudict-en-us.dict"), "samprate": _RATE, "loglevel": "FATAL"}
        config.update(self._search())
        return config

    def _search(self) -> dict[str, Any]:
        """The search options that differ from PocketSphinx's defaults: the preset's, then those given one by one."""
        given = {k: getattr(self.args, k) for k in _SEARCH_OPTIONS if getattr(self.args, k) is not None}
        return {**_PRESETS.get(self.args.preset or "", {}), **given}

    def _ensure_loaded(self) -> None:
        """One decoder here, or with several workers a pool of processes that each create theirs as they start."""
        if self._decoder is not None or self._pool is not None:
            return
        config = self._config()
        if self.workers <= 1:
            self._decoder = _new_decoder(config)
            return
        self._pool = _DecoderPool(config, self.workers)

    def load(self) -> None:
        self._ensure_loaded()

    def warm_up(self) -> None:
        """Start the decoders (or the worker processes, which load theirs) while the engine prepares the first batches."""
        try:
            self._ensure_loaded()
        except ModelUnavailable:
            return  # generate raises it

    def fingerprint(self) -> dict[str, Any]:
        fp = super().fingerprint()
        fp["args"].pop("workers", None)  # how many processes decode changes no output
        if self.args.preset is not None:
            fp["search"] = self._search()  # what the preset stands for: a later change to it cannot mix results
        try:
            from importlib.metadata import version

            fp["pocketsphinx"] = version("pocketsphinx")
        except Exception:  # noqa: BLE001 - not installed: the adapter could not have been created
            pass
        return fp

    def generate(self, requests: list[Request]) -> list[Response]:
        self._ensure_loaded()
        out: list[Response | None] = [None] * len(requests)
        todo: list[tuple[int, bytes, float]] = []
        for i, r in enumerate(requests):
            if len(r.audios) != 1:
                out[i] = Response(error=f"pocketsphinx: expected exactly one audio part, got {len(r.audios)}")
                continue
            samples, rate = r.media.audio(r.audios[0])
            if rate != _RATE:
                out[i] = Response(error=f"pocketsphinx: audio at {rate} Hz, expected {_RATE}")
                continue
            todo.append((i, (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).tobytes(), len(samples) / _RATE))
        if self._pool is None:
            decoded = [_decode(self._decoder, pcm) for _, pcm, _ in todo]
        else:
            decoded = self._pool.map([pcm for _, pcm, _ in todo])
        for (i, _, audio_s), (text, latency) in zip(todo, decoded):
            out[i] = Response(text=text, latency_s=latency, audio_s=audio_s)
        return out  # type: ignore[return-value]

    def close(self) -> None:
        self._decoder = None
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()


ADAPTER = PocketSphinxAdapter
