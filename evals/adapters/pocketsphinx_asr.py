"""``pocketsphinx:`` — CMU PocketSphinx 5, a second real offline speech recogniser (no neural network, no GPU).

With no model name it uses the US-English acoustic model, language model and dictionary inside the PyPI wheel
(``pocketsphinx.get_model_path()``); ``pocketsphinx:/path/to/model`` takes another model folder with the same
layout (``en-us/en-us``, ``en-us/en-us.lm.bin``, ``en-us/cmudict-en-us.dict``). Each request's one audio part is
decoded at 16 kHz as 16-bit PCM; the hypothesis is the transcription (empty for silence, which is an answer: a
recogniser that hears nothing has said so). The decoder is created on the first ``generate`` and kept.
"""

from __future__ import annotations

import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from evals.adapters.base import Adapter, AdapterArgs, Capabilities, ModelUnavailable
from evals.errors import AdapterError
from evals.requests import Request, Response

_RATE = 16000


class PocketSphinxArgs(AdapterArgs):
    beam: float | None = Field(None, gt=0, description="the decoder's beam width (-beam); None: PocketSphinx's default")


class PocketSphinxAdapter(Adapter):
    kind = "pocketsphinx"
    version = "1"
    Args = PocketSphinxArgs
    declared_capabilities = Capabilities(text=False, audio=True, batch=True, audio_sampling_rate=_RATE, cpu_inference=True)
    description = "CMU PocketSphinx 5 speech recognition; default: the US-English model inside the pocketsphinx wheel"

    def __init__(self, model: str, args: PocketSphinxArgs) -> None:
        if find_spec("pocketsphinx") is None:
            raise AdapterError("pocketsphinx: needs the package pocketsphinx (pip install 'omnieval[speech]')")
        super().__init__(model or "en-us", args)
        self._decoder: Any = None

    def _model_dir(self) -> Path:
        import pocketsphinx

        root = Path(pocketsphinx.get_model_path()) if self.model in ("", "en-us") else Path(self.model)
        if not (root / "en-us" / "en-us").is_dir():
            raise ModelUnavailable(f"pocketsphinx: {root} has no en-us/en-us acoustic model")
        return root

    def _ensure_loaded(self) -> Any:
        if self._decoder is None:
            from pocketsphinx import Config, Decoder

            root = self._model_dir()
            config = Config(hmm=str(root / "en-us" / "en-us"), lm=str(root / "en-us" / "en-us.lm.bin"),
                            dict=str(root / "en-us" / "cmudict-en-us.dict"), samprate=_RATE, loglevel="FATAL")
            if self.args.beam is not None:
                config["beam"] = self.args.beam
            self._decoder = Decoder(config)
        return self._decoder

    def fingerprint(self) -> dict[str, Any]:
        fp = super().fingerprint()
        try:
            from importlib.metadata import version

            fp["pocketsphinx"] = version("pocketsphinx")
        except Exception:  # noqa: BLE001 - not installed: the adapter could not have been created
            pass
        return fp

    def generate(self, requests: list[Request]) -> list[Response]:
        decoder = self._ensure_loaded()
        out = []
        for r in requests:
            if len(r.audios) != 1:
                out.append(Response(error=f"pocketsphinx: expected exactly one audio part, got {len(r.audios)}"))
                continue
            samples, rate = r.media.audio(r.audios[0])
            if rate != _RATE:
                out.append(Response(error=f"pocketsphinx: audio at {rate} Hz, expected {_RATE}"))
                continue
            start = time.perf_counter()
            pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
            out.append(Response(text=hyp.hypstr if hyp is not None else "", latency_s=time.perf_counter() - start,
                                audio_s=len(samples) / _RATE))
        return out

    def close(self) -> None:
        self._decoder = None


ADAPTER = PocketSphinxAdapter
