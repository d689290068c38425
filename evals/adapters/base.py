"""The one interface every model sits behind, and the ``kind:model`` registry.

An adapter receives fully built ``Request``s and returns one ``Response`` per
request, in order. It never sees a task, a dataset row or a benchmark name.
A failure of one request is returned as ``Response(error=...)``; an exception
out of ``generate`` fails the whole batch, which the runner records per
request.

Models load lazily: creating an adapter, ``capabilities``, ``fingerprint()``
and ``close()`` must stay cheap (no backend import, no weights), because a run
whose responses are all cached calls nothing else. The model loads in
``load()`` (the engine calls it before its first batch), or earlier in the
background when the engine calls ``warm_up()`` on finding the first request
the cache cannot answer; ``generate`` loads it too if nobody did. A model
that cannot be loaded raises ``ModelUnavailable`` from ``generate``: no request
can succeed, so the engine ends the run instead of recording each request's error.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Mapping

from pydantic import BaseModel, ConfigDict, ValidationError

from evals.errors import AdapterError
from evals.hashing import stable_hash
from evals.redact import redact
from evals.requests import DEFAULT_MAX_IMAGE_PIXELS, Request, Response


class ModelUnavailable(AdapterError):
    """The adapter's model could not be loaded (raised by ``generate``): the run stops with this message."""


class Capabilities(BaseModel):
    """What an adapter accepts, and the media form it wants from the prefetch worker."""

    model_config = ConfigDict(frozen=True)

    text: bool = True
    image: bool = False
    multi_image: bool = False
    audio: bool = False
    video: bool = False
    batch: bool = False
    max_batch_size: int | None = None
    audio_sampling_rate: int | None = 16000
    decode_media: bool = True
    max_image_side: int | None = None
    max_image_pixels: int | None = DEFAULT_MAX_IMAGE_PIXELS
    """Images with more pixels (after a JPEG's reduced-scale decode for ``max_image_side``) are the
    sample's media error, never decoded: a 100-byte file can claim 20000x20000 pixels. None: no limit."""
    decode_video: bool = False
    """With ``decode_media`` off: the engine still decodes what cannot be sent as it is stored: video parts (their
    sampled frames) and media under a robustness condition (``request.media``)."""
    reasoning_budget: bool = False
    """Honours ``GenerationSettings.max_reasoning_tokens`` (a thinking budget apart from the answer's)."""
    translation_targets: tuple[str, ...] = ()
    """For a model that takes no prompt (``text`` false): the languages it translates speech into when a request's
    ``GenerationSettings.translate_to`` asks (multilingual Whisper: English only). A model that reads the prompt is
    asked there; any other task that asks for a translation is refused before it runs."""
    cpu_inference: bool = False
    """The model computes on this machine's CPU cores. The runner then prepares the next
    batches' inputs between batches (decoding on all cores) rather than beside inference:
    a decode thread beside a model that already uses every core stalls its parallel ops."""


class AdapterArgs(BaseModel):
    """Base for an adapter's ``--model-arg`` options: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Adapter(ABC):
    kind: ClassVar[str]
    version: ClassVar[str] = "1"
    Args: ClassVar[type[AdapterArgs]] = AdapterArgs
    description: ClassVar[str] = ""
    declared_capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, model: str, args: AdapterArgs) -> None:
        self.model = model
        self.args = args

    @property
    def capabilities(self) -> Capabilities:
        return self.declared_capabilities

    @abstractmethod
    def generate(self, requests: list[Request]) -> list[Response]: ...

    def load(self) -> None:
        """Load the model now if it is not loaded (blocking; raises ``ModelUnavailable`` when it cannot be).
        The engine calls it before timing a batch, so a lazy model's start-up is not counted as inference."""

    def warm_up(self) -> None:
        """A request the cache cannot answer is on its way: an adapter with a lazily loaded model may start
        loading it now, in the background, while the engine prepares the first batches. ``generate`` then
        waits for it. The engine calls it once per task at most, never when every response is cached;
        it must be safe to call again."""

    def fingerprint(self) -> dict[str, Any]:
        """What identifies this model's outputs: kind, model, adapter version and arguments."""
        return {"kind": self.kind, "model": self.model, "adapter_version": self.version, "args": self.args.model_dump(mode="json")}

    def fingerprint_hash(self) -> str:
        return stable_hash(self.fingerprint())

    @property
    def name(self) -> str:
        """``kind:model``, plus the arguments given explicitly that change outputs: ``baseline:constant[text=yes]``."""
        base = f"{self.kind}:{self.model}" if self.model else self.kind
        fingerprinted = self.fingerprint().get("args", {})
        shown = [f"{k}={fingerprinted[k]}" for k in sorted(self.args.model_fields_set) if k in fingerprinted]
        return redact(f"{base}[{','.join(shown)}]" if shown else base)

    def close(self) -> None:
        """Release the model; called once at the end of a run."""


# kind -> module that defines it; imported only when the kind is used (torch is heavy).
ADAPTER_MODULES: dict[str, str] = {
    "baseline": "evals.adapters.baseline",
    "ct2-whisper": "evals.adapters.ct2_whisper",
    "hf": "evals.adapters.hf",
    "openai": "evals.adapters.openai_compat",
    "pocketsphinx": "evals.adapters.pocketsphinx_asr",
    "sglang": "evals.adapters.sglang_engine",
    "vllm": "evals.adapters.vllm_engine",
}


def _plugin_modules() -> dict[str, str]:
    """Adapters installed by other packages, under the entry-point group ``omnieval.adapters``."""
    from importlib.metadata import entry_points

    return {ep.name: ep.value.split(":")[0] for ep in entry_points(group="omnieval.adapters")}


def adapter_kinds() -> dict[str, str]:
    return {**_plugin_modules(), **ADAPTER_MODULES}


def adapter_class(kind: str) -> type[Adapter]:
    modules = adapter_kinds()
    if kind not in modules:
        from evals.names import did_you_mean

        raise AdapterError(f"unknown model kind {kind!r}{did_you_mean(kind, sorted(modules))}; known kinds: "
                           f"{', '.join(sorted(modules))} (`omnieval models`)")
    module = importlib.import_module(modules[kind])
    return module.ADAPTER


def parse_model_name(name: str) -> tuple[str, str]:
    kind, _, model = name.partition(":")
    return kind, model


def create_adapter(name: str, args: Mapping[str, Any] | None = None) -> Adapter:
    """Build the adapter for ``kind:model`` with validated arguments."""
    kind, model = parse_model_name(name)
    cls = adapter_class(kind)
    try:
        parsed = cls.Args.model_validate(dict(args or {}))
    except ValidationError as e:
        from evals.names import did_you_mean

        known = sorted(cls.Args.model_fields)

        def problem(err) -> str:
            key = ".".join(map(str, err["loc"]))
            if err["type"] != "extra_forbidden":
                return f"{key}: {err['msg']}"
            return f"{key}: unknown argument{did_you_mean(key, known)}; {kind}: takes {', '.join(known)}"

        raise AdapterError(f"model {name}: bad --model-arg: {'; '.join(problem(err) for err in e.errors())}") from None
    return cls(model, parsed)


def parse_model_args(items: list[str]) -> dict[str, Any]:
    """``key=value`` pairs. Values stay strings for the adapter's pydantic model to coerce
    (``8`` -> int, ``true`` -> bool, but ``text=yes`` stays the string "yes"); a value
    starting with ``[`` or ``{`` is read as JSON."""
    import json

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise AdapterError(f"--model-arg {item!r}: expected key=value")
        if value.strip().startswith(("[", "{")):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as e:
                raise AdapterError(f"--model-arg {key}: invalid JSON: {e}") from None
        out[key.strip().replace("-", "_")] = value
    return out
