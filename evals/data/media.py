"""Media: encoded bytes from rows, decoded images (Pillow) and audio (soundfile + soxr).

Never torchcodec: it does not load beside the CPU torch build this project uses.
"""

from __future__ import annotations

import io
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from evals.hashing import bytes_hash
from evals.requests import AudioPart, ImagePart

_IMAGE_MAGIC = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "image/webp", b"BM": "image/bmp"}
_AUDIO_MAGIC = {b"fLaC": "audio/flac", b"RIFF": "audio/wav", b"OggS": "audio/ogg", b"ID3": "audio/mpeg", b"\xff\xfb": "audio/mpeg"}


class MediaError(ValueError):
    """A sample's media could not be read or decoded; recorded as that sample's error."""


def encoded_bytes(value: Any, base_dir: Path | None = None) -> bytes:
    """The encoded bytes of an ``Image``/``Audio`` cell read with ``decode=False``, a path or raw bytes."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, dict):
        if value.get("bytes"):
            return bytes(value["bytes"])
        value = value.get("path")
    if isinstance(value, str) and value:
        path = os.path.join(base_dir, value) if base_dir is not None else value  # an absolute value stays as it is
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise MediaError(f"cannot read media file {value}: {e.strerror}") from None
    raise MediaError(f"no media in cell (got {type(value).__name__})")


def _sniff(data: bytes, table: dict[bytes, str], default: str) -> str:
    for magic, mime in table.items():
        if data.startswith(magic):
            if magic == b"RIFF" and mime == "image/webp" and data[8:12] != b"WEBP":
                continue
            return mime
    return default


def image_part(value: Any, base_dir: Path | None = None) -> ImagePart:
    data = encoded_bytes(value, base_dir)
    return ImagePart(data=data, sha=bytes_hash(data), mime=_sniff(data, _IMAGE_MAGIC, "image/png"))


def audio_part(value: Any, base_dir: Path | None = None) -> AudioPart:
    data = encoded_bytes(value, base_dir)
    return AudioPart(data=data, sha=bytes_hash(data), mime=_sniff(data, _AUDIO_MAGIC, "audio/wav"))


def decode_image(data: bytes, max_side: int | None = None):
    """Decode to an RGB PIL image, optionally bounded to ``max_side`` pixels on the long side."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if max_side and max(image.size) > max_side:
            image.draft("RGB", (max_side, max_side))
        if image.mode != "RGB":
            image = image.convert("RGB")
        else:
            image.load()
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise MediaError(f"cannot decode image ({len(data)} bytes): {e}") from None
    if max_side and max(image.size) > max_side:
        image.thumbnail((max_side, max_side))
    return image


def decode_audio(data: bytes, sampling_rate: int | None = 16000) -> tuple[np.ndarray, int]:
    """Decode to mono float32, resampled to ``sampling_rate`` (None keeps the file's rate)."""
    import soundfile as sf

    try:
        array, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise MediaError(f"cannot decode audio ({len(data)} bytes): {e}") from None
    mono = array.mean(axis=1) if array.shape[1] > 1 else array[:, 0]
    if sampling_rate and rate != sampling_rate:
        mono = resample(mono, rate, sampling_rate)
        rate = sampling_rate
    return np.ascontiguousarray(mono, dtype=np.float32), rate


def resample(array: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    import soxr

    return soxr.resample(array, from_rate, to_rate, quality="HQ").astype(np.float32)


class MediaDecoder:
    """Decodes the media of requests, remembering the last few images by content hash.

    Benchmarks ask several questions about one image (VQAv2 averages five,
    MME two, POPE many), usually in consecutive rows: each image is decoded
    once. Decoded images are shared read-only between requests.
    """

    def __init__(self, sampling_rate: int | None, max_image_side: int | None = None, remember: int = 32) -> None:
        self.sampling_rate = sampling_rate
        self.max_image_side = max_image_side
        self._recent: OrderedDict[str, Any] = OrderedDict()
        self._remember = remember
        self._lock = threading.Lock()

    def image(self, part: ImagePart) -> None:
        with self._lock:
            hit = self._recent.get(part.sha)
            if hit is not None:
                self._recent.move_to_end(part.sha)
        if hit is None:
            hit = decode_image(part.data, self.max_image_side)
            with self._lock:
                self._recent[part.sha] = hit
                while len(self._recent) > self._remember:
                    self._recent.popitem(last=False)
        part.image = hit

    def audio(self, part: AudioPart) -> None:
        part.array, part.sampling_rate = decode_audio(part.data, self.sampling_rate)

    def decode(self, image_parts: list[ImagePart], audio_parts: list[AudioPart]) -> None:
        """Fill in the decoded form of each part, in place."""
        for part in image_parts:
            if part.image is None:
                self.image(part)
        for part in audio_parts:
            if part.array is None:
                self.audio(part)

