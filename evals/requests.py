"""What flows between the runner and an adapter: ``Request`` in, ``Response`` out.

A request is a chat-style message list whose parts are text or media (image,
audio, video). A ``MediaPart`` is a content-hash reference to encoded media: its
bytes, or a file it reads lazily (so an HTTP adapter can send the original
bytes as they are). Decoded media never live in parts: the engine decodes a
batch's media into one ``DecodedMedia`` store keyed by content hash and hands
it to the adapter as ``request.media``. Adapters never see task names or
dataset rows.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evals.hashing import canonical_json

MediaKind = Literal["image", "audio", "video"]
MEDIA_KINDS: tuple[MediaKind, ...] = ("image", "audio", "video")
DEFAULT_MAX_IMAGE_PIXELS = 100_000_000
"""Images with more pixels than this are a sample's media error, never decoded (decompression bombs)."""


class GenerationSettings(BaseModel):
    """Decoding settings; part of the cache key and the model fingerprint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_new_tokens: int = Field(32, ge=1)
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    num_beams: int = Field(1, ge=1)
    stop: tuple[str, ...] = ()
    seed: int = 0
    max_reasoning_tokens: int | None = Field(None, ge=1, description="a reasoning model's thinking budget apart from the answer's "
                                             "(max_new_tokens); None: one budget for both")
    translate_to: str | None = Field(None, pattern=r"^[a-z]{2,3}$", description="a speech translation task's target language "
                                     "(ISO 639-1, e.g. en): a model that takes no prompt (Whisper) translates into it with its own "
                                     "task token, or refuses the task; a model that reads the prompt is asked there")

    def identity(self) -> dict[str, Any]:
        """What enters a request key: every setting, less those added later while they keep their old default."""
        data = self.model_dump()
        for key in ("max_reasoning_tokens", "translate_to"):
            if data[key] is None:
                del data[key]
        return data


@dataclass
class TextPart:
    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class VideoSampling:
    """Which frames of a video a task asks for (part of the request key): ``frames`` spread evenly over the clip,
    first and last included (``numpy.linspace(0, n_frames - 1, frames)`` rounded down, as lmms-eval samples), or
    one frame every ``1 / fps`` seconds, at most ``max_frames`` (spread evenly over those when there are more);
    within ``[start_s, end_s)`` of the file when given; ``audio``: the sound track too."""

    frames: int | None = None
    fps: float | None = None
    max_frames: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    audio: bool = False
    audio_file: str | None = None
    """The sound track from this file (SONIC-O1 ships audio apart from its videos) instead of the video's own."""
    duration_s: float | None = None
    """With ``frames``: stepped frames instead of spread ones, LongVideoBench's (lmms-eval's longvideobench
    ``load_video``): ``stepped_count()`` of them, ``int(int(duration_s * fps) / count)`` frames apart from the first,
    ``duration_s`` being the row's duration (not the file's)."""

    def stepped_count(self) -> int:
        """How many frames the stepped mode takes: ``min(frames, int(duration_s))`` (one a second at most)."""
        assert self.frames is not None and self.duration_s is not None
        return min(self.frames, int(self.duration_s))

    def key(self) -> bytes:
        data = {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) not in (None, False)}
        if self.audio_file:  # the file's name, not where this machine keeps it
            data["audio_file"] = os.path.basename(self.audio_file)
        return canonical_json(data).encode()


@dataclass
class VideoFrames:
    """A decoded video: the sampled frames (RGB PIL images), their indices in the file's frame sequence and their
    times in seconds from the file's start, the file's frame rate, and the sound track of the same span when asked."""

    frames: list[Any]
    indices: list[int]
    timestamps: list[float]
    fps: float
    n_frames: int = 0
    """Frames in the whole file."""
    audio: tuple[Any, int] | None = None


@dataclass(frozen=True)
class MediaPart:
    """Encoded media identified by ``sha``, the hash of its bytes: inline ``data``, or a file at ``path`` read when needed.

    Parts are immutable and shared between requests (variants of one sample,
    questions about one image). A file reference was checked to lie inside its
    dataset's root when it was made (``evals.data.media.media_part``).
    """

    kind: MediaKind
    mime: str
    sha: str
    data: bytes | None = field(default=None, repr=False)
    path: str | None = None
    sampling: VideoSampling | None = None
    """Video (or a frame of one): the frames the task asks for (``None``: the decoder's default, 8 frames spread evenly)."""
    condition: str | None = None
    """A robustness condition applied once decoded (``white_noise:10``, ``jpeg:10``; ``evals.data.perturb``)."""
    mix: tuple["MediaPart", ...] = ()
    """Other media the condition mixes in (``babble``: other clips of the task); their hashes are in every key."""
    frame: int | None = None
    """An image that is a frame of a video (its bytes, file or source): the ``frame``-th (from 0) of the frames
    ``sampling`` picks, decoded by the engine from the video; its identity is the video's, the sampling's and ``frame``."""
    source: Any = field(default=None, repr=False, compare=False)
    """A file made only when its bytes are needed (a member of a dataset's archive, ``evals.data.media.ArchiveMember``):
    ``source.file()`` gives its path (extracting it the first time), ``source.size`` its size. ``sha`` is then the
    source's own identity, known without reading it."""

    def __post_init__(self) -> None:
        if self.data is None and self.path is None and self.source is None:
            raise ValueError(f"{self.kind} part {self.sha}: give its bytes or a file path (or a source that makes one)")

    @cached_property
    def identity(self) -> bytes:
        """Everything that decides what a model gets from this part, in one place: its content hash, a video's
        frame sampling, the robustness condition and the media it mixes in. ``request_key`` and ``decode_key`` are
        both built from it, so no kind of part can differ in one and not the other. (The byte layout is that of
        the keys made before it existed: image and audio keys, and those of videos without a condition, are
        unchanged.)"""
        out = self.sha.encode()
        if self.kind == "video" or self.frame is not None:
            sampling = self.sampling.key() if self.sampling is not None else b""
            out += b"s%d:" % len(sampling) + sampling
        if self.frame is not None:
            out += b"f%d:" % self.frame
        if self.condition is not None:
            out += b"c%d:" % len(self.condition) + self.condition.encode()
        return out + b"".join(b"x" + q.sha.encode() for q in self.mix)

    @property
    def decode_key(self) -> str:
        """What its decoded form is stored under in a batch's ``DecodedMedia``: the part's identity (two segments
        of one file, or one clip clean and under a condition, are different decoded media)."""
        return self.identity.decode()

    @property
    def needs_decoding(self) -> bool:
        """What only decoding gives, even to an adapter that sends media encoded: a video's sampled frames, a frame of
        a video, a medium under a condition."""
        return self.kind == "video" or self.frame is not None or self.condition is not None

    @property
    def type(self) -> MediaKind:
        """The part's kind, under the name text parts use too."""
        return self.kind

    @property
    def nbytes(self) -> int:
        """Size of the encoded media: a cheap proxy for its length (0 when the file cannot be read)."""
        if self.data is not None:
            return len(self.data)
        if self.path is None:
            return int(self.source.size)
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    def file(self) -> str | None:
        """The file holding the encoded bytes: ``path``, else the one ``source`` makes (now, the first time it is asked;
        its error, e.g. ``MediaError``, when it cannot); None for inline bytes."""
        if self.path is not None:
            return self.path
        return None if self.source is None else str(self.source.file())

    def read(self) -> bytes:
        """The encoded bytes: ``data``, else the file's contents (``OSError`` when it cannot be read)."""
        if self.data is not None:
            return self.data
        with open(self.file(), "rb") as f:  # type: ignore[arg-type]
            return f.read()


Part = TextPart | MediaPart


class MediaNotDecoded(LookupError):
    """An adapter asked for the decoded form of a part that was not decoded for its batch."""


class DecodedMedia:
    """The decoded media of one batch, by content hash: the engine writes it, adapters read it.

    One store serves every request of a batch, so requests sharing an image
    share its decoded form (read-only: an adapter that changes an image copies
    it first). The engine detaches the store when the batch is done, which
    frees what it holds.
    """

    __slots__ = ("_items", "_read_only")

    def __init__(self, read_only: bool = False) -> None:
        self._items: dict[str, Any] = {}
        self._read_only = read_only

    def put(self, part: MediaPart, value: Any) -> None:
        """Store the decoded form of ``part`` (the engine's decoder calls this)."""
        if self._read_only:
            raise TypeError("NO_MEDIA is shared by every request and holds nothing")
        self._items[part.decode_key] = value

    def __contains__(self, part: object) -> bool:
        return isinstance(part, MediaPart) and part.decode_key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def _get(self, part: MediaPart, kind: MediaKind) -> Any:
        if part.kind != kind:
            raise TypeError(f"a {part.kind} part was asked for as {kind}")
        try:
            return self._items[part.decode_key]
        except KeyError:
            raise MediaNotDecoded(f"{kind} part was not decoded ({part.sha})") from None

    def image(self, part: MediaPart) -> Any:
        """The decoded image of ``part``: an RGB ``PIL.Image.Image``, shared read-only."""
        return self._get(part, "image")

    def audio(self, part: MediaPart) -> tuple[np.ndarray, int]:
        """The decoded audio of ``part``: mono float32 samples and their sampling rate."""
        return self._get(part, "audio")

    def video(self, part: MediaPart) -> Any:
        """The decoded frames of ``part`` (no decoder produces them yet)."""
        return self._get(part, "video")


NO_MEDIA = DecodedMedia(read_only=True)
"""What ``Request.media`` holds outside a batch: nothing decoded."""


@dataclass
class Message:
    role: Literal["system", "user", "assistant"]
    content: list[Part]


@dataclass
class Request:
    """One model call. ``key`` is a content hash of the messages (media by their hashes) and settings.

    ``media`` is set by the engine for the batch the request runs in (decoded
    media for adapters that asked for them); it is not part of the key.
    """

    id: str
    messages: list[Message]
    generation: GenerationSettings
    key: str = ""
    variant: dict[str, Any] | None = None
    """A transform's parameters (``{"circular": 2}``): they enter the key, so each variant has its own response."""
    media: DecodedMedia = field(default=NO_MEDIA, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.key:
            self.key = request_key(self.messages, self.generation, self.variant)

    def parts(self, kind: str | None = None) -> list[Part]:
        return [p for m in self.messages for p in m.content if kind is None or p.type == kind]

    @cached_property
    def images(self) -> list[MediaPart]:
        return self.parts("image")  # type: ignore[return-value]

    @cached_property
    def audios(self) -> list[MediaPart]:
        return self.parts("audio")  # type: ignore[return-value]

    @cached_property
    def videos(self) -> list[MediaPart]:
        return self.parts("video")  # type: ignore[return-value]

    @cached_property
    def media_parts(self) -> list[MediaPart]:
        """Every media part: images, then audio, then video (the order media errors are reported in)."""
        return self.images + self.audios + self.videos

    @property
    def modality(self) -> str:
        """What the request carries besides text: ``text``, ``image``, ``audio``, ``video`` or a mix like ``image+audio``."""
        present = [kind for kind, parts in zip(MEDIA_KINDS, (self.images, self.audios, self.videos)) if parts]
        return "+".join(present) or "text"

    @property
    def text(self) -> str:
        """All text parts of the user turns, joined: what a text-only view of the prompt says."""
        return "\n".join(p.text for p in self.parts("text"))  # type: ignore[union-attr]


def describe_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """A JSON-able view of messages with media replaced by their kind and hash (for keys and records)."""
    out = []
    for m in messages:
        parts = []
        for p in m.content:
            if isinstance(p, TextPart):
                parts.append({"type": "text", "text": p.text})
            else:
                parts.append({"type": p.kind, "sha": p.sha} if p.frame is None else {"type": p.kind, "sha": p.sha, "frame": p.frame})
        out.append({"role": m.role, "content": parts})
    return out


@lru_cache(maxsize=64)
def _settings_bytes(generation: GenerationSettings) -> bytes:
    return canonical_json(generation.identity()).encode()


def request_key(messages: list[Message], generation: GenerationSettings, variant: dict[str, Any] | None = None) -> str:
    """Content hash of roles, texts, media kinds and hashes, settings and transform parameters; length-prefixed, so no two prompts collide by concatenation."""
    h = hashlib.sha256(_settings_bytes(generation))
    if variant:
        data = canonical_json(variant).encode()
        h.update(b"\x1dv%d:" % len(data) + data)
    for m in messages:
        h.update(b"\x1e" + m.role.encode())
        for p in m.content:
            if isinstance(p, TextPart):
                data = p.text.encode()
                h.update(b"t%d:" % len(data) + data)
            elif p.kind in ("image", "audio"):
                # One letter and the part's identity: the keys of every run made before other kinds existed.
                h.update(p.kind[0].encode() + p.identity)
            else:
                kind = p.kind.encode()
                h.update(b"m%d:" % len(kind) + kind + p.identity)
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
    reasoning: str | None = None
    """A reasoning model's reasoning, when the server returns it apart from the answer (``reasoning_content``)."""
    reasoning_tokens: int | None = None
    """How many of ``output_tokens`` were reasoning, when the server says (``usage.completion_tokens_details``)."""

    @property
    def ok(self) -> bool:
        return self.error is None
