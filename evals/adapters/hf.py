"""``hf:`` — transformers models: VLMs, speech-to-text (Whisper, CTC) and audio-language models.

``hf:<hub id or local directory>``. The path is chosen from the checkpoint's
config, never from a task:

- ``whisper`` configs: ``AutoModelForSpeechSeq2Seq``. Clips up to 30 s are
  batched (each is padded to the 30 s window Whisper always sees); longer clips
  go one at a time through the model's long-form ``generate`` with an
  attention mask. The request's text is not used (Whisper takes no prompt); a
  request whose ``generation.translate_to`` is ``en`` runs Whisper's
  ``translate`` task (multilingual checkpoints; other targets are refused).
- ``*ForCTC`` architectures (wav2vec2, HuBERT, ...): ``AutoModelForCTC`` and
  greedy argmax decoding.
- everything else: a chat model whose processor takes images and/or audio
  (``AutoModelForImageTextToText``, else the architecture's own class, e.g.
  ``Qwen2AudioForConditionalGeneration``). The request's messages become the
  model's chat template input: image parts ``{"type": "image"}`` and audio
  parts ``{"type": "audio"}``, with the decoded media handed to the processor.

Loading is lazy. Creating the adapter reads only the checkpoint's small JSON
files (``config.json``, the processor's ``processor_config.json`` /
``preprocessor_config.json``), directly from a local directory or through
``huggingface_hub`` for a Hub id, never through torch or transformers: the
path, the fingerprint (model type, snapshot commit) and the capabilities
(image processor? feature extractor and its sampling rate? CPU or CUDA, asked
of the CUDA driver) come from them. torch, transformers, the processor and the
weights load on the first ``generate`` (a run whose responses are all cached
never loads them); on an accelerator they start loading in a background
thread from ``warm_up``, which the engine calls when it finds the first
request the cache cannot answer. A model
that cannot be loaded raises ``ModelUnavailable`` from ``generate``, and the
engine ends the run with it. Only when the processor files cannot be read
(not found for a reason other than absence) are the capabilities taken from
the processor instead, which then loads early (the weights still wait).

Batching and batch invariance: chat inputs are left-padded with an attention
mask, and greedy outputs must not depend on the batch a request lands in.
With ``batching=padded`` (the default) that holds for the architectures
tested in ``tests/adapters`` (float32 on CPU, any attention implementation).
``batching=equal_length`` only batches requests whose inputs have the same
length (no padding at all), the safe choice for an architecture where padding
changes the result; ``batching=equal_length_audio`` only batches audio clips of
one sample length (audio encoders that convolve over padding: Gemma 3n,
Phi-4-multimodal); ``batching=none`` runs one request at a time. CTC models
whose feature extractor ignores the attention mask (``feat_extract_norm=group``,
e.g. wav2vec2-base) always use equal-length batching, because padding changes
their group-normalised features; so do chat families whose entry in
``hf_families.FAMILIES`` says so (Kosmos-2: its processor places the image
embedding mask assuming no left padding).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from evals.adapters.base import Adapter, AdapterArgs, Capabilities, ModelUnavailable
from evals.adapters.hf_families import default_batching
from evals.errors import AdapterError, OutOfMemory
from evals.hub import ensure_hub_or_offline
from evals.requests import GenerationSettings, Request, Response, TextPart, VideoFrames

if TYPE_CHECKING:
    import numpy as np

_WHISPER_WINDOW_S = 30
_DEFAULT_SAMPLING_RATE = 16000
_SNAPSHOT = re.compile(r"snapshots/([^/]+)/")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class HFArgs(AdapterArgs):
    dtype: str = "auto"
    device: str | None = None
    device_map: str | None = None
    attn_implementation: str | None = None
    revision: str | None = None
    trust_remote_code: bool = False
    max_image_side: int | None = None
    batch_size: int = 8
    batching: Literal["padded", "equal_length", "equal_length_audio", "none"] = "padded"
    language: str | None = None
    task: Literal["transcribe", "translate"] | None = None
    think_end: str = Field("</think>", description="the tag that ends a reasoning model's thinking (for max_reasoning_tokens)")
    min_pixels: int | None = Field(None, ge=1, description="image token budget, for processors that resize to a pixel range (Qwen-VL, GLM-4V)")
    max_pixels: int | None = Field(None, ge=1, description="image token budget, for processors that resize to a pixel range (Qwen-VL, GLM-4V)")


# Arguments added after model fingerprints were first published, with their defaults: at the default a model keeps its identity.
_FINGERPRINT_NEUTRAL = {"think_end": "</think>", "min_pixels": None, "max_pixels": None}


def _check_pixel_budget(processor: Any, budget: dict[str, int], model: str) -> None:
    """``min_pixels``/``max_pixels`` took effect (the image processor resizes to a pixel range), or a clear error:
    other processors ignore them silently, which would run the model at a size the user did not ask for."""
    if not budget:
        return
    ip = getattr(processor, "image_processor", None)
    size = getattr(ip, "size", None)
    edges = {"min_pixels": "shortest_edge", "max_pixels": "longest_edge"}
    for key, value in budget.items():
        held = getattr(ip, key, None) if getattr(ip, key, None) is not None else getattr(size, edges[key], None)
        if held != value:
            raise AdapterError(f"hf: -a {key}: the image processor of {model!r} ({type(ip).__name__}) does not resize to a pixel "
                               "range; use -a max_image_side=N")


def _text_output(model: Any) -> Any:
    """The model that writes the text. omnieval evaluates text, so a model that can also speak (Qwen2.5-Omni and its
    kin: a ``thinker`` writes the text, a ``talker`` turns it into speech) drops its speech modules and generates with
    its thinker; any other model is returned as it is. Decided by what the model object has, never by its name."""
    if callable(getattr(model, "disable_talker", None)):
        model.disable_talker()
    thinker = getattr(model, "thinker", None)
    return thinker if thinker is not None and callable(getattr(thinker, "generate", None)) else model


def _renders_with_mistral_common(tokenizer: Any) -> bool:
    return type(tokenizer).__name__ == "MistralCommonBackend"


class _ProcessorFailed(Exception):
    """The processor could not turn a batch's prompts and media into inputs (the message says why)."""


def _truncate_at_stop(text: str, stop: tuple[str, ...]) -> str:
    cut = len(text)
    for s in stop:
        i = text.find(s)
        if s and i != -1:
            cut = min(cut, i)
    return text[:cut]


def _generation_kwargs(g: GenerationSettings) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"max_new_tokens": g.max_new_tokens, "num_beams": g.num_beams, "do_sample": g.temperature > 0}
    if g.temperature > 0:
        kwargs.update(temperature=g.temperature, top_p=g.top_p)
    else:
        # Unset sampling knobs a checkpoint's generation_config may carry, so greedy stays greedy.
        kwargs.update(temperature=None, top_p=None, top_k=None)
    return kwargs


def _first_error_line(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}".splitlines()[0][:500]


def cuda_available() -> bool:
    """Whether torch would find a CUDA device, without importing torch when it is not loaded yet.

    A torch build without CUDA (no ``libtorch_cuda`` beside it) finds none; a ROCm build finds its
    devices when ``/dev/kfd`` is there. Otherwise the CUDA driver is asked (``cuInit``,
    ``cuDeviceGetCount``), which applies ``CUDA_VISIBLE_DEVICES`` as torch does.
    """
    torch = sys.modules.get("torch")
    spec = getattr(torch, "__spec__", None)
    if torch is not None and not getattr(spec, "_initializing", False):  # not while another thread is importing it
        return bool(torch.cuda.is_available())
    import ctypes
    from importlib.util import find_spec

    found = find_spec("torch")
    if found is None or not found.submodule_search_locations:
        return False
    lib = Path(next(iter(found.submodule_search_locations))) / "lib"
    if (lib / "libtorch_hip.so").exists():
        return Path("/dev/kfd").exists()
    if not any((lib / name).exists() for name in ("libtorch_cuda.so", "torch_cuda.dll")):
        return False

    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    else:
        return False
    count = ctypes.c_int(0)
    try:
        return lib.cuInit(0) == 0 and lib.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    except (AttributeError, OSError):
        return False


@dataclass(frozen=True)
class MediaInfo:
    """What the checkpoint's processor holds, as its saved configs say."""

    image: bool
    audio: bool
    sampling_rate: int | None
    video: bool = False
    """It holds a video processor: video goes in as video (else a video's frames go in as images)."""


def media_info_from_configs(configs: list[dict[str, Any]]) -> MediaInfo:
    """Read a processor's saved configs (``processor_config.json`` nests each part under its attribute name,
    the older ``preprocessor_config.json`` merges them at the top level).

    An image processor names ``image_processor_type`` (old vision checkpoints: a ``feature_extractor_type``
    without a sampling rate); an audio feature extractor has a ``sampling_rate``.
    """
    image = audio = False
    rate: int | None = None
    for config in configs:
        parts = [config] + [v for v in config.values() if isinstance(v, dict)]
        for part in parts:
            if "image_processor_type" in part or ("feature_extractor_type" in part and "sampling_rate" not in part):
                image = True
            if "sampling_rate" in part and ("feature_extractor_type" in part or "feature_size" in part):
                audio = True
                rate = rate or part.get("sampling_rate")
        if isinstance(config.get("image_processor"), dict):
            image = True
        if isinstance(config.get("feature_extractor"), dict) or isinstance(config.get("audio_processor"), dict):
            audio = True
    video = any(isinstance(c.get("video_processor"), dict) or "video_processor_type" in c for c in configs)
    return MediaInfo(image=image, audio=audio, sampling_rate=int(rate) if rate else None, video=video)


def media_info_from_processor(processor: Any) -> MediaInfo:
    """The same facts read off a loaded processor (what the files stand in for)."""
    # Granite Speech and Phi-4-multimodal keep theirs as ``audio_processor``.
    extractor = getattr(processor, "feature_extractor", None) or getattr(processor, "audio_processor", None)
    rate = getattr(extractor, "sampling_rate", None)
    return MediaInfo(image=getattr(processor, "image_processor", None) is not None, audio=extractor is not None,
                     sampling_rate=int(rate) if rate else None, video=getattr(processor, "video_processor", None) is not None)


class _Unreadable(Exception):
    """A checkpoint file exists (or may) but could not be read."""


class _Checkpoint:
    """The small JSON files of a local directory or a Hub repo, read without transformers."""

    def __init__(self, model: str, revision: str | None) -> None:
        self.model, self.revision = model, revision
        self.local = Path(model).is_dir()
        self.commit: str | None = None

    def path(self, name: str) -> Path | None:
        """The file's local path; None when the checkpoint has no such file; ``_Unreadable`` otherwise."""
        if self.local:
            path = Path(self.model) / name
            return path if path.is_file() else None
        try:
            from huggingface_hub import hf_hub_download
            from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError
        except ImportError as e:
            raise _Unreadable(f"needs huggingface_hub: {e}") from None
        offline = ensure_hub_or_offline()
        try:
            found = hf_hub_download(self.model, name, revision=self.revision)
        except LocalEntryNotFoundError:
            # A subclass of EntryNotFoundError: "not in the local cache", which says nothing about the repo.
            why = offline or "the Hub could not be reached"
            raise _Unreadable(f"{name} is not in the local Hugging Face cache and {why}; "
                              f"pass a local folder (hf:/path/to/model)") from None
        except EntryNotFoundError:
            return None
        except Exception as e:  # noqa: BLE001 - network, authentication, bad id: the caller says which file
            raise _Unreadable(_first_error_line(e)) from None
        return Path(found)

    def json(self, name: str) -> dict[str, Any] | None:
        path = self.path(name)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise _Unreadable(_first_error_line(e)) from None
        if not isinstance(data, dict):
            raise _Unreadable(f"{name} is not a JSON object")
        if name == "config.json":
            # As transformers records it: the commit of the Hub cache snapshot the file was read from.
            match = _SNAPSHOT.search(path.as_posix())  # the snapshot path itself: its files link into blobs/
            self.commit = match.group(1) if match and _COMMIT.match(match.group(1)) else None
        return data


@dataclass
class _Loaded:
    """What ``_load`` builds: torch, the config object, the processor and the model."""

    torch: Any
    config: Any
    processor: Any
    tokenizer: Any
    model: Any
    eos: set[int]


def _eos_ids(model: Any, config: Any, tokenizer: Any) -> set[int]:
    ids: set[int] = set()
    for source in (getattr(model, "generation_config", None), config, getattr(tokenizer, "eos_token_id", None)):
        value = source if isinstance(source, int) else getattr(source, "eos_token_id", None)
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, (list, tuple)):
            ids.update(int(v) for v in value)
    return ids


class HFAdapter(Adapter):
    kind = "hf"
    version = "1"
    Args = HFArgs
    description = "transformers: VLMs via chat templates, Whisper, CTC, audio-language models"
    # What the kind can take; an instance narrows it (``capabilities``) from its processor's configs.
    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, batch=True)

    def __init__(self, model: str, args: HFArgs) -> None:
        if not model:
            raise AdapterError("hf: give a model, e.g. hf:HuggingFaceTB/SmolVLM-256M-Instruct or hf:/path/to/checkpoint")
        super().__init__(model, args)
        if model.startswith(("/", "./", "../", "~")) and not Path(model).expanduser().is_dir():
            raise AdapterError(f"hf: no such model directory {model!r} (a local checkpoint is a folder with config.json; a Hub id looks like org/name)")
        self._checkpoint = _Checkpoint(model, args.revision)
        try:
            config = self._checkpoint.json("config.json")
            if config is None:
                raise _Unreadable("no config.json")
        except _Unreadable as e:
            raise AdapterError(f"hf: cannot load the config of {model!r}: {e}") from None
        self._commit = self._checkpoint.commit
        self._model_type: str | None = config.get("model_type")
        if not isinstance(self._model_type, str):
            # A config without a model_type: only transformers can tell which class it is (imports it now).
            self._model_type = self._config_object().model_type
        archs = [a for a in config.get("architectures") or [] if isinstance(a, str)]
        self._archs = archs
        self._multilingual = self._model_type == "whisper" and self._whisper_is_multilingual(config)
        if self._model_type == "whisper":
            self.path: Literal["whisper", "ctc", "chat"] = "whisper"
        elif any(a.endswith("ForCTC") for a in archs):
            self.path = "ctc"
        else:
            self.path = "chat"
        self._media: MediaInfo | None = self._media_from_files()
        self._device: str | None = args.device
        self._state: _Loaded | None = None
        self._processor: Any = None
        self._load_error: ModelUnavailable | None = None
        self._load_lock = threading.Lock()
        self._loader: threading.Thread | None = None

    # -- cheap facts (no torch) ------------------------------------------------------------------

    def _whisper_is_multilingual(self, config: dict[str, Any]) -> bool:
        """What ``generate`` will read (``generation_config.is_multilingual``), from the small JSON file; without it,
        Whisper's own rule (openai/whisper): a vocabulary of 51865 tokens or more holds the language and task tokens."""
        try:
            gen = self._checkpoint.json("generation_config.json") or {}
        except _Unreadable:
            gen = {}
        if "is_multilingual" in gen:
            return bool(gen["is_multilingual"])
        return int(config.get("vocab_size") or 0) >= 51865

    def _common(self) -> dict[str, Any]:
        return {"revision": self.args.revision, "trust_remote_code": self.args.trust_remote_code}

    def _config_object(self) -> Any:
        import transformers

        try:
            return transformers.AutoConfig.from_pretrained(self.model, **self._common())
        except (OSError, ValueError) as e:
            raise AdapterError(f"hf: cannot load the config of {self.model!r}: {_first_error_line(e)}") from None

    def _media_from_files(self) -> MediaInfo | None:
        """From the processor's saved configs; None when they cannot be read (then the processor decides)."""
        configs = []
        try:
            for name in ("processor_config.json", "preprocessor_config.json"):
                data = self._checkpoint.json(name)
                if data is not None:
                    configs.append(data)
        except _Unreadable:
            return None
        return media_info_from_configs(configs)

    @property
    def device(self) -> str:
        """``device`` as given, else ``cuda`` when a CUDA device is there (asked of the driver until torch is loaded)."""
        if self._device is None:
            self._device = "cuda" if cuda_available() else "cpu"
        return self._device

    # -- loading (torch, transformers, processor, weights) ----------------------------------------

    @property
    def loaded(self) -> bool:
        return self._state is not None

    def load(self) -> None:
        self._ensure_loaded()

    def warm_up(self) -> None:
        """Start loading the model in a background thread (the engine found a request the cache cannot answer),
        for a model that computes on an accelerator. On the CPU the first ``generate`` loads it: measured on two
        cores, the preparation a thread could overlap (the first chunk, about 50 ms) is lost in the load (about
        3 s of imports that hold the GIL), and imports racing in two threads can meet half-initialised modules."""
        if not self._load_in_background():
            return
        with self._load_lock:
            if self._state is not None or self._load_error is not None or self._loader is not None:
                return
            self._loader = threading.Thread(target=self._load_quietly, name="omnieval-hf-load", daemon=True)
            self._loader.start()

    def _load_in_background(self) -> bool:
        return self.device != "cpu"

    def _load_quietly(self) -> None:
        try:
            self._ensure_loaded()
        except BaseException:  # noqa: BLE001 - kept in _load_error; generate raises it
            pass

    def _ensure_loaded(self) -> _Loaded:
        state = self._state
        if state is not None:
            return state
        with self._load_lock:
            if self._state is None:
                if self._load_error is not None:
                    raise ModelUnavailable(str(self._load_error))
                try:
                    self._state = self._load()
                except Exception as e:  # noqa: BLE001
                    message = str(e) if isinstance(e, AdapterError) else f"hf: cannot load {self.model!r}: {_first_error_line(e)}"
                    self._load_error = ModelUnavailable(message)
                    raise ModelUnavailable(message) from e
            return self._state

    def _load(self) -> _Loaded:
        try:
            import torch
            import transformers
        except ImportError as e:
            raise AdapterError("hf: needs torch and transformers: pip install 'omnieval[hf]'") from e
        common = self._common()
        config = self._config_object()
        processor = self._load_processor()
        if self.args.device is None:
            self._device = "cuda" if torch.cuda.is_available() else "cpu"  # torch has the last word
        model = _text_output(self._load_model(torch, transformers, self._archs, common))
        tokenizer = getattr(processor, "tokenizer", processor)
        if self.path == "chat":
            if (getattr(tokenizer, "chat_template", None) is None and getattr(processor, "chat_template", None) is None
                    and not _renders_with_mistral_common(tokenizer)):
                raise AdapterError(f"hf: {self.model} has no chat template; the hf adapter renders every request through it")
            tokenizer.padding_side = "left"
        if self._media is None:
            self._media = media_info_from_processor(processor)
        return _Loaded(torch=torch, config=config, processor=processor, tokenizer=tokenizer, model=model,
                       eos=_eos_ids(model, config, tokenizer))

    def _load_processor(self) -> Any:
        """The processor (kept: ``capabilities`` may have needed it before the model)."""
        if self._processor is None:
            try:
                import transformers
            except ImportError as e:
                raise AdapterError("hf: needs torch and transformers: pip install 'omnieval[hf]'") from e
            budget = {k: v for k, v in (("min_pixels", self.args.min_pixels), ("max_pixels", self.args.max_pixels)) if v is not None}
            try:
                self._processor = transformers.AutoProcessor.from_pretrained(self.model, **self._common(), **budget)
            except (OSError, ValueError, TypeError) as e:
                raise AdapterError(f"hf: cannot load the processor of {self.model!r}: {_first_error_line(e)}") from None
            _check_pixel_budget(self._processor, budget, self.model)
        return self._processor

    def _load_model(self, torch: Any, transformers: Any, archs: list[str], common: dict[str, Any]) -> Any:
        a = self.args
        kwargs: dict[str, Any] = dict(common)
        kwargs["dtype"] = a.dtype if a.dtype == "auto" else getattr(torch, a.dtype, None)
        if kwargs["dtype"] is None:
            raise AdapterError(f"hf: dtype={a.dtype!r} is not a torch dtype (float32, bfloat16, float16, auto)")
        if a.device_map:
            kwargs["device_map"] = a.device_map
        if a.attn_implementation:
            kwargs["attn_implementation"] = a.attn_implementation
        if self.path == "whisper":
            candidates = [transformers.AutoModelForSpeechSeq2Seq]
        elif self.path == "ctc":
            candidates = [transformers.AutoModelForCTC]
        else:
            candidates = [transformers.AutoModelForImageTextToText]
        # The architecture's own class where the Auto mapping does not cover it (Qwen2-Audio).
        candidates += [getattr(transformers, arch) for arch in archs if hasattr(transformers, arch)]
        errors = []
        for cls in candidates:
            try:
                model = cls.from_pretrained(self.model, **kwargs)
                break
            except (ValueError, KeyError) as e:
                errors.append(f"{cls.__name__}: {_first_error_line(e)}")
        else:
            raise AdapterError(f"hf: no model class loads {self.model!r} (architectures {archs}): {'; '.join(errors)}")
        if not a.device_map:
            model.to(self.device)
        return model.eval()

    # What generation needs, loading on first use.

    @property
    def _torch(self) -> Any:
        return self._ensure_loaded().torch

    @property
    def config(self) -> Any:
        return self._ensure_loaded().config

    @property
    def processor(self) -> Any:
        return self._ensure_loaded().processor

    @property
    def tokenizer(self) -> Any:
        return self._ensure_loaded().tokenizer

    @property
    def model_obj(self) -> Any:
        return self._ensure_loaded().model

    @property
    def _eos(self) -> set[int]:
        return self._ensure_loaded().eos

    # -- the adapter interface ------------------------------------------------------------------

    @property
    def media_info(self) -> MediaInfo:
        """What the processor takes, from its saved configs (from the processor itself when they could not be read:
        that loads the processor, not the model)."""
        if self._media is None:
            state = self._state
            self._media = media_info_from_processor(state.processor if state is not None else self._load_processor())
        return self._media

    @property
    def capabilities(self) -> Capabilities:
        media = self.media_info
        rate = media.sampling_rate or _DEFAULT_SAMPLING_RATE
        cpu = self.device == "cpu"
        if self.path in ("whisper", "ctc"):
            # Multilingual Whisper translates speech into English (its translate task token); nothing else here translates.
            targets = ("en",) if self.path == "whisper" and self._multilingual else ()
            return Capabilities(text=False, audio=True, batch=True, max_batch_size=self.args.batch_size, audio_sampling_rate=rate,
                                cpu_inference=cpu, translation_targets=targets)
        return Capabilities(image=media.image, multi_image=media.image, audio=media.audio, video=media.video, batch=True,
                            max_batch_size=self.args.batch_size, audio_sampling_rate=rate, max_image_side=self.args.max_image_side,
                            reasoning_budget=not self._ships_mistral_tokenizer, cpu_inference=cpu)

    def fingerprint(self) -> dict[str, Any]:
        fp = super().fingerprint()
        # Outputs do not depend on the batch a request lands in (tested), so the cap is not identity.
        fp["args"].pop("batch_size", None)
        for key, default in _FINGERPRINT_NEUTRAL.items():
            if fp["args"].get(key, default) == default:
                fp["args"].pop(key, None)
        fp["commit"] = self._commit
        fp["model_type"] = self._model_type
        return fp

    def generate(self, requests: list[Request]) -> list[Response]:
        torch = self._ensure_loaded().torch
        try:
            return self._generate(requests)
        except torch.cuda.OutOfMemoryError as e:
            raise OutOfMemory(str(e).splitlines()[0]) from e

    def _generate(self, requests: list[Request]) -> list[Response]:
        responses: list[Response | None] = [None] * len(requests)
        groups: dict[GenerationSettings, list[int]] = {}
        for i, r in enumerate(requests):
            groups.setdefault(r.generation, []).append(i)
        for settings, idx in groups.items():
            reqs = [requests[i] for i in idx]
            if self.path == "whisper":
                out = self._whisper(reqs, settings)
            elif self.path == "ctc":
                out = self._ctc(reqs)
            else:
                out = self._chat(reqs, settings)
            for i, resp in zip(idx, out):
                if resp.ok and settings.stop:
                    resp.text = _truncate_at_stop(resp.text, settings.stop)
                responses[i] = resp
        return responses  # type: ignore[return-value]

    def close(self) -> None:
        """Drop the model (a later ``generate`` loads it again); never loads anything itself."""
        # Without the load lock: a background load still in flight (an interrupted run) is not waited for.
        state, self._state = self._state, None
        if self._loader is not None and not self._loader.is_alive():
            self._loader = None
        if state is not None and self.device.startswith("cuda"):
            del state
            sys.modules["torch"].cuda.empty_cache()

    # -- chat models (images and/or audio) ------------------------------------------------------

    @cached_property
    def _ships_mistral_tokenizer(self) -> bool:
        """The checkpoint's tokenizer is mistral-common's ``tekken.json`` (read from the files: no model needed). Its
        conversations are rendered whole, so the budget-forcing path, which appends a thought to a prompt string, is off."""
        try:
            return self._checkpoint.path("tekken.json") is not None
        except _Unreadable:
            return False

    @property
    def _mistral_common(self) -> bool:
        """The tokenizer is mistral-common's (Voxtral, real Mistral 3 checkpoints): it renders whole conversations itself."""
        return _renders_with_mistral_common(self.tokenizer)

    def _chat_inputs(self, request: Request) -> tuple[Any, list[Any], list[np.ndarray], list[VideoFrames]]:
        """The prompt (the chat template's text; for a mistral-common tokenizer the conversation itself, audio inline
        as float WAV in base64, samples unchanged), the images, the audio arrays and the videos of one request (an
        image-only model gets a video's sampled frames as images)."""
        mistral = self._mistral_common
        messages, images, audios, videos = [], [], [], []
        for m in request.messages:
            content: list[dict[str, Any]] = []
            for p in m.content:
                if isinstance(p, TextPart):
                    content.append({"type": "text", "text": p.text})
                elif p.kind == "image" and not mistral:
                    content.append({"type": "image"})
                    images.append(self._bounded(request.media.image(p)))
                elif p.kind == "audio":
                    array = request.media.audio(p)[0]
                    content.append({"type": "audio", "base64": self._wav_base64(array)} if mistral else {"type": "audio"})
                    audios.append(array)
                elif p.kind == "video" and not mistral:
                    clip = request.media.video(p)
                    if self.capabilities.video:
                        content.append({"type": "video"})
                        videos.append(clip)
                    else:  # an image-only model sees the sampled frames, in order
                        content.extend({"type": "image"} for _ in clip.frames)
                        images.extend(self._bounded(f) for f in clip.frames)
                    if clip.audio is not None:  # the sound track, when the task asks for it (audio_from_video)
                        content.append({"type": "audio"})
                        audios.append(clip.audio[0])
                else:
                    raise ValueError(f"{p.kind} input is not supported{' with a mistral-common tokenizer' if mistral else ''} yet")
            messages.append({"role": m.role, "content": content})
        if mistral:
            return messages, [], audios, []
        # Some processors (Kosmos-2) keep the template on their tokenizer only.
        templater = self.processor if getattr(self.processor, "chat_template", None) else self.tokenizer
        text = templater.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return text, images, audios, videos

    def _bounded(self, image: Any) -> Any:
        side = self.args.max_image_side
        if side and max(image.size) > side:
            image = image.copy()  # the decoded image is shared with other requests
            image.thumbnail((side, side))
        return image

    def _wav_base64(self, array: np.ndarray) -> str:
        import base64
        import io

        import soundfile as sf

        buf = io.BytesIO()
        sf.write(buf, array, self.capabilities.audio_sampling_rate, format="WAV", subtype="FLOAT")
        return base64.b64encode(buf.getvalue()).decode()

    def _processor_call(self, texts: list[Any], images: list[list[Any]], audios: list[list[np.ndarray]],
                        videos: list[list[VideoFrames]] | None = None) -> Any:
        if self._mistral_common:  # ``texts`` are conversations; mistral-common tokenizes them, media included, left-padded
            return self.processor.apply_chat_template(texts, tokenize=True, return_dict=True, return_tensors="pt")
        kwargs: dict[str, Any] = {"text": texts, "return_tensors": "pt", "padding": True}
        if any(videos):
            import numpy as np
            from transformers.video_utils import VideoMetadata

            clips = [c for per in videos for c in per]
            kwargs["videos"] = [[np.asarray(f) for f in c.frames] for c in clips]
            kwargs["video_metadata"] = [VideoMetadata(total_num_frames=c.n_frames, fps=c.fps, frames_indices=c.indices,
                                                      width=c.frames[0].width, height=c.frames[0].height,
                                                      duration=c.n_frames / c.fps if c.fps else None) for c in clips]
            kwargs["do_sample_frames"] = False
        if any(images):
            kwargs["images"] = images
        if any(audios):
            kwargs["audio"] = [a for per in audios for a in per]
            kwargs["sampling_rate"] = self.capabilities.audio_sampling_rate
        return self.processor(**kwargs)

    def _chat(self, requests: list[Request], settings: GenerationSettings) -> list[Response]:
        out: list[Response | None] = [None] * len(requests)
        prepared: list[tuple[Any, ...]] = []  # (index, prompt, images, audios, videos)
        for i, r in enumerate(requests):
            try:
                prepared.append((i, *self._chat_inputs(r)))
            except Exception as e:  # noqa: BLE001 - a bad request is that request's error
                out[i] = Response(error=f"hf: cannot build inputs: {_first_error_line(e)}")
        for batch in self._batches(prepared):
            for i, resp in zip([b[0] for b in batch], self._run_chat_batch(batch, settings)):
                out[i] = resp
        return out  # type: ignore[return-value]

    def _batches(self, prepared: list[tuple[Any, ...]]) -> list[list[tuple]]:
        """Cut prepared requests into model calls following ``batching``; media kinds never mix in one call."""
        by_kind: dict[tuple[bool, bool], list[tuple]] = {}
        for item in prepared:
            by_kind.setdefault((bool(item[2]), bool(item[3]), bool(item[4])), []).append(item)
        mode = self._chat_batching()
        cap = max(1, self.args.batch_size)
        batches: list[list[tuple]] = []
        for items in by_kind.values():
            if mode == "equal_length_audio" and items and items[0][3]:
                # The audio encoder convolves over padding (Gemma 3n, Phi-4-multimodal, Granite Speech): only clips of
                # one length share a batch; the prompt text may still be left-padded.
                by_clip: dict[tuple[int, ...], list[tuple]] = {}
                for it in items:
                    by_clip.setdefault(tuple(len(a) for a in it[3]), []).append(it)
                for group in by_clip.values():
                    batches += [group[k:k + cap] for k in range(0, len(group), cap)]
            elif mode == "none":
                batches += [[it] for it in items]
            elif mode == "equal_length":
                by_len: dict[int, list[tuple]] = {}
                for it in items:
                    try:
                        n = int(self._processor_call([it[1]], [it[2]], [it[3]], [it[4]])["input_ids"].shape[1])
                    except Exception:  # noqa: BLE001 - reported when the request runs alone
                        n = -1 - len(by_len)
                    by_len.setdefault(n, []).append(it)
                for group in by_len.values():
                    batches += [group[k:k + cap] for k in range(0, len(group), cap)]
            else:
                batches += [items[k:k + cap] for k in range(0, len(items), cap)]
        return batches

    def _run_chat_batch(self, batch: list[tuple], settings: GenerationSettings) -> list[Response]:
        start = time.perf_counter()
        try:
            budget = settings.model_copy(update={"max_new_tokens": settings.max_reasoning_tokens}) if settings.max_reasoning_tokens else settings
            stop = {"stop_strings": [self.args.think_end], "tokenizer": self.tokenizer} if settings.max_reasoning_tokens else {}
            generated = self._generate_batch(batch, budget, **stop)
            thought: list[tuple[str, int, bool] | None] = [None] * len(batch)
            if settings.max_reasoning_tokens:
                thought, generated = self._think_then_answer(batch, settings, generated)
        except _ProcessorFailed as e:
            if len(batch) > 1:  # find which request is at fault
                return [r for b in batch for r in self._run_chat_batch([b], settings)]
            return [Response(error=f"hf: processor failed: {e}")]
        new, n_in = generated
        share = (time.perf_counter() - start) / len(batch)
        responses = []
        for tokens, n_input, b, t in zip(new, n_in, batch, thought):
            tokens = self._until_eos(tokens)
            text = self.tokenizer.decode(tokens, skip_special_tokens=True).strip()
            audio_s = sum(len(a) for a in b[3]) / self.capabilities.audio_sampling_rate if b[3] else None  # type: ignore[operator]
            if t is None:
                responses.append(Response(text=text, latency_s=share, input_tokens=int(n_input), output_tokens=len(tokens), audio_s=audio_s))
            else:
                reasoning, n_reasoning, answered = t
                responses.append(Response(text=(reasoning + text).strip() if answered else reasoning.strip(), latency_s=share,
                                          input_tokens=int(n_input), output_tokens=n_reasoning + (len(tokens) if answered else 0),
                                          reasoning_tokens=n_reasoning, audio_s=audio_s))
        return responses

    def _generate_batch(self, batch: list[tuple], settings: GenerationSettings, **extra: Any) -> tuple[list[list[int]], list[int]]:
        """One ``generate`` call over prepared requests: each one's new tokens and its input token count."""
        torch = self._torch
        try:
            inputs = self._processor_call([b[1] for b in batch], [b[2] for b in batch], [b[3] for b in batch], [b[4] for b in batch])
        except Exception as e:  # noqa: BLE001
            raise _ProcessorFailed(_first_error_line(e)) from None
        inputs = inputs.to(self.model_obj.device)
        dtype = self.model_obj.dtype
        for key, value in inputs.items():
            if torch.is_floating_point(value):
                inputs[key] = value.to(dtype)
        if settings.temperature > 0:
            torch.manual_seed(settings.seed)
        with torch.inference_mode():
            generated = self.model_obj.generate(**inputs, **_generation_kwargs(settings), **extra, pad_token_id=self.tokenizer.pad_token_id)
        n_in = inputs["attention_mask"].sum(dim=1).tolist() if "attention_mask" in inputs else [inputs["input_ids"].shape[1]] * len(batch)
        return generated[:, inputs["input_ids"].shape[1]:].tolist(), n_in

    def _think_then_answer(self, batch: list[tuple], settings: GenerationSettings, thinking: tuple[list[list[int]], list[int]]):
        """Budget forcing: ``thinking`` ran ``max_reasoning_tokens`` (stopping at ``think_end``); a row that ran out is
        closed with ``think_end``, and every row not ended by EOS is continued for the answer's ``max_new_tokens``.
        Returns per row (reasoning text, its tokens, whether an answer follows) and the answer phase's tokens."""
        end = self.args.think_end
        thought, follow = [], []
        for (tokens, _), b in zip(zip(*thinking), batch):
            kept = self._until_eos(tokens)
            text = self.tokenizer.decode(kept, skip_special_tokens=True)
            ended = len(kept) < len(tokens)  # the model stopped itself: no answer phase
            if end in text:
                text = text[: text.index(end) + len(end)]
            elif not ended:
                text += f"\n{end}\n\n"
            thought.append((text, len(kept), not ended))
            follow.append((b[0], b[1] + text, *b[2:]))
        answer_settings = settings.model_copy(update={"max_reasoning_tokens": None})
        answers = self._generate_batch(follow, answer_settings)
        return thought, ([a if t[2] else [] for a, t in zip(answers[0], thought)], thinking[1])

    def _until_eos(self, tokens: list[int]) -> list[int]:
        for k, t in enumerate(tokens):
            if t in self._eos:
                return tokens[:k]
        return tokens

    # -- speech to text --------------------------------------------------------------------------

    def _audio_arrays(self, requests: list[Request]) -> tuple[list[int], list[np.ndarray], list[Response | None]]:
        ok, arrays, out = [], [], [None] * len(requests)
        for i, r in enumerate(requests):
            audios = r.audios
            if len(audios) != 1 or audios[0] not in r.media:
                out[i] = Response(error=f"hf: {self.path} models need exactly one decoded audio part, got {len(audios)}")
            else:
                ok.append(i)
                arrays.append(r.media.audio(audios[0])[0])
        return ok, arrays, out  # type: ignore[return-value]

    def _whisper_generate_kwargs(self, settings: GenerationSettings) -> dict[str, Any]:
        kwargs = _generation_kwargs(settings)
        gc = self.model_obj.generation_config
        if getattr(gc, "is_multilingual", False):
            if self.args.language:
                kwargs["language"] = self.args.language
            # A speech translation task asks for English through the request (check_supported refused other targets).
            kwargs["task"] = "translate" if settings.translate_to == "en" else self.args.task or "transcribe"
        # Whisper's decoder holds max_target_positions tokens, the forced prompt included.
        limit = self.config.max_target_positions - 4
        kwargs["max_new_tokens"] = min(settings.max_new_tokens, limit)
        return kwargs

    def _whisper(self, requests: list[Request], settings: GenerationSettings) -> list[Response]:
        torch = self._torch
        ok, arrays, out = self._audio_arrays(requests)
        fe = self.processor.feature_extractor
        rate = fe.sampling_rate
        window = _WHISPER_WINDOW_S * rate
        kwargs = self._whisper_generate_kwargs(settings)
        short = [(i, a) for i, a in zip(ok, arrays) if len(a) <= window]
        long = [(i, a) for i, a in zip(ok, arrays) if len(a) > window]
        cap = max(1, self.args.batch_size)
        calls: list[tuple[list[tuple[int, np.ndarray]], bool]] = [(short[k:k + cap], False) for k in range(0, len(short), cap)]
        calls += [([item], True) for item in long]
        for items, is_long in calls:
            start = time.perf_counter()
            try:
                if is_long:
                    feats = fe([items[0][1]], sampling_rate=rate, return_tensors="pt", truncation=False, padding="longest", return_attention_mask=True)
                    extra = {"attention_mask": feats["attention_mask"].to(self.model_obj.device), "return_timestamps": True, "condition_on_prev_tokens": False}
                else:
                    feats = fe([a for _, a in items], sampling_rate=rate, return_tensors="pt")
                    extra = {}
                features = feats["input_features"].to(self.model_obj.device, self.model_obj.dtype)
                if settings.temperature > 0:
                    torch.manual_seed(settings.seed)
                with torch.inference_mode():
                    generated = self.model_obj.generate(features, **kwargs, **extra)
                sequences = generated["sequences"] if isinstance(generated, dict) else generated
                texts = self.processor.batch_decode(sequences, skip_special_tokens=True)
                counts = [len([t for t in seq.tolist() if t < self._first_special()]) for seq in sequences]
            except Exception as e:  # noqa: BLE001
                for i, _ in items:
                    out[i] = Response(error=f"hf: whisper generate failed: {_first_error_line(e)}")
                continue
            share = (time.perf_counter() - start) / len(items)
            for (i, a), text, n in zip(items, texts, counts):
                out[i] = Response(text=text.strip(), latency_s=share, output_tokens=n, audio_s=len(a) / rate)
        return out  # type: ignore[return-value]

    def _first_special(self) -> int:
        """Whisper's special tokens all sit above the text vocabulary, from ``<|endoftext|>`` on."""
        return self.tokenizer.convert_tokens_to_ids("<|endoftext|>")

    def _chat_batching(self) -> str:
        """``padded`` unless the architecture is known to change its outputs under left padding
        (then equal-length batches), and unless the user chose explicitly."""
        if "batching" not in self.args.model_fields_set:
            return default_batching(self._model_type)
        return self.args.batching

    def _ctc_batching(self) -> str:
        fe = self.processor.feature_extractor
        if getattr(self.config, "feat_extract_norm", "layer") == "group" or not getattr(fe, "return_attention_mask", False):
            return "equal_length"
        return self.args.batching

    def _ctc(self, requests: list[Request]) -> list[Response]:
        torch = self._torch
        ok, arrays, out = self._audio_arrays(requests)
        fe = self.processor.feature_extractor
        rate = fe.sampling_rate
        mode = self._ctc_batching()
        cap = max(1, self.args.batch_size)
        items = list(zip(ok, arrays))
        if mode == "none":
            calls = [[it] for it in items]
        elif mode == "equal_length":
            by_len: dict[int, list] = {}
            for it in items:
                by_len.setdefault(len(it[1]), []).append(it)
            calls = [g[k:k + cap] for g in by_len.values() for k in range(0, len(g), cap)]
        else:
            calls = [items[k:k + cap] for k in range(0, len(items), cap)]
        for call in calls:
            start = time.perf_counter()
            try:
                feats = self.processor([a for _, a in call], sampling_rate=rate, return_tensors="pt", padding=True,
                                       return_attention_mask=mode == "padded")
                feats = feats.to(self.model_obj.device)
                values = feats["input_values"].to(self.model_obj.dtype)
                mask = feats.get("attention_mask")
                with torch.inference_mode():
                    logits = self.model_obj(values, attention_mask=mask).logits
                ids = logits.argmax(dim=-1)
                lengths = self.model_obj._get_feat_extract_output_lengths(mask.sum(-1)).tolist() if mask is not None else [ids.shape[1]] * len(call)
                texts = [self.processor.decode(row[:n]) for row, n in zip(ids, lengths)]
            except Exception as e:  # noqa: BLE001
                for i, _ in call:
                    out[i] = Response(error=f"hf: CTC forward failed: {_first_error_line(e)}")
                continue
            share = (time.perf_counter() - start) / len(call)
            for (i, a), text in zip(call, texts):
                out[i] = Response(text=text.strip(), latency_s=share, audio_s=len(a) / rate)
        return out  # type: ignore[return-value]


ADAPTER = HFAdapter
