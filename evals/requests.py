"""What flows between the runner and an adapter: ``Request`` in, ``Response`` out.

A request is a chat-style message list whose parts are text, images or audio.
Media parts carry the original encoded bytes (so an HTTP adapter can send them
as they are) and, once the prefetch worker has run, the decoded form the
adapter asked for. Adapters never see task names or dataset rows.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
from functools import cached_property, lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evals.hashing import canonical_json


class GenerationSettings(BaseModel):
    """Decoding settings; part of the cache key and the model fingerprint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_new_tokens: int = Field(32, ge=1)
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    num_beams: int = Field(1, ge=1)
    stop: tuple[str, ...] = ()
    seed: int = 0


@dataclass
class TextPart:
    text: str
    type: Literal["text"] = "text"


@dataclass
class ImagePart:
    """An image as its original encoded bytes; ``image`` is the decoded PIL image once prefetched."""

    data: bytes
    sha: str
    mime: str = "image/png"
    image: Any = None
    type: Literal["image"] = "image"


@dataclass
class AudioPart:
    """Audio as its original encoded bytes; ``array``/``sampling_rate`` once decoded and resampled."""

    data: bytes
    sha: str
    mime: str = "audio/flac"
    array: np.ndarray | None = None
    sampling_rate: int | None = None
    type: Literal["audio"] = "audio"

    @property
    def duration_s(self) -> float | None:
        if self.array is None or not self.sampling_rate:
            return None
        return len(self.array) / self.sampling_rate


Part = TextPart | ImagePart | AudioPart


@dataclass
class Message:
    role: Literal["system", "user", "assistant"]
    content: list[Part]


@dataclass
class Request:
    """One model call. ``key`` is a content hash of the messages (media by their hashes) and settings."""

    id: str
    messages: list[Message]
    generation: GenerationSettings
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            self.key = request_key(self.messages, self.generation)

    def parts(self, kind: str | None = None) -> list[Part]:
        return [p for m in self.messages for p in m.content if kind is None or p.type == kind]

    @cached_property
    def images(self) -> list[ImagePart]:
        return self.parts("image")  # type: ignore[return-value]

    @cached_property
    def audios(self) -> list[AudioPart]:
        return self.parts("audio")  # type: ignore[return-value]

    @property
    def text(self) -> str:
        """All text parts of the user turns, joined: what a text-only view of the prompt says."""
        return "\n".join(p.text for p in self.parts("text"))  # type: ignore[union-attr]


def describe_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """A JSON-able view of messages with media replaced by their hashes (for keys and records)."""
    out = []
    for m in messages:
        parts = []
        for p in m.content:
            if isinstance(p, TextPart):
                parts.append({"type": "text", "text": p.text})
            else:
                parts.append({"type": p.type, "sha": p.sha})
        out.append({"role": m.role, "content": parts})
    return out


@lru_cache(maxsize=64)
def _settings_bytes(generation: GenerationSettings) -> bytes:
    return canonical_json(generation.model_dump()).encode()


def request_key(messages: list[Message], generation: GenerationSettings) -> str:
    """Content hash of roles, texts, media hashes and settings; length-prefixed, so no two prompts collide by concatenation."""
    h = hashlib.sha256(_settings_bytes(generation))
    for m in messages:
        h.update(b"\x1e" + m.role.encode())
        for p in m.content:
            if isinstance(p, TextPart):
                data = p.text.encode()
                h.update(b"t%d:" % len(data) + data)
            else:
                h.update(p.type[0].encode() + p.sha.encode())
    return h.hexdigest()[:32]


class Response(BaseModel):
    """What came back for one request. ``error`` set means the request failed: it is never scored."""

    model_config = ConfigDict(extra="forbid")

    text: str = ""
    error: str | None = None
    latency_s: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    audio_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
