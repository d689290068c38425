"""Media: parts from dataset cells, decoded images (Pillow) and audio (soundfile + soxr).

A cell's bytes become an inline part; a cell that names a file becomes a file
reference, read only when it resolves inside the dataset's root (a row cannot
make the planner read ``/home/user/.ssh/id_rsa`` or ``../../secrets``).
Decoding is bounded: images over a pixel limit, and audio that is empty, a
single sample, or not finite, are that sample's media error.

Never torchcodec: it does not load beside the CPU torch build this project uses.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from evals.data.perturb import perturb, resample  # noqa: F401  (resample: part of this module's interface)
from evals.files import write_text_atomic
from evals.hashing import bytes_hash, canonical_json
from evals.requests import DEFAULT_MAX_IMAGE_PIXELS, MediaKind, MediaPart, VideoFrames, VideoSampling

_MAGIC: dict[str, dict[bytes, str]] = {
    "image": {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "image/webp", b"BM": "image/bmp"},
    "audio": {b"fLaC": "audio/flac", b"RIFF": "audio/wav", b"OggS": "audio/ogg", b"ID3": "audio/mpeg", b"\xff\xfb": "audio/mpeg"},
    "video": {b"\x1a\x45\xdf\xa3": "video/webm", b"RIFF": "video/x-msvideo", b"OggS": "video/ogg"},
}
_DEFAULT_MIME = {"image": "image/png", "audio": "audio/wav", "video": "video/mp4"}
_RIFF_FORM = {"image/webp": b"WEBP", "video/x-msvideo": b"AVI "}  # RIFF holds WAV too: these need their form type
_SNIFF_BYTES = 16


class MediaError(ValueError):
    """A sample's media could not be read or decoded; recorded as that sample's error."""


def _sniff(head: bytes, kind: str) -> str:
    if kind == "video" and head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    for magic, mime in _MAGIC[kind].items():
        if head.startswith(magic):
            if mime in _RIFF_FORM and head[8:12] != _RIFF_FORM[mime]:
                continue
            return mime
    return _DEFAULT_MIME[kind]


@lru_cache(maxsize=16)
def _resolved_root(root: Path) -> Path:
    return root.resolve()


def resolve_inside(name: str, root: Path | None) -> Path:
    """``name`` (relative to ``root``, or absolute) as a real path inside ``root``; ``MediaError`` otherwise.

    Symlinks and ``..`` are resolved before the check, so neither can lead out of the root.
    """
    if root is None:
        raise MediaError(f"media path {name} cannot be read: no dataset root was given")
    base = _resolved_root(Path(root))
    try:
        path = (base / name).resolve()  # an absolute name replaces the base
    except (OSError, RuntimeError, ValueError) as e:  # a symlink loop, a NUL byte
        raise MediaError(f"media path {name} cannot be resolved: {e}") from None
    if not path.is_relative_to(base):
        raise MediaError(f"media path {name} is outside the dataset root {root}")
    return path


MISSING_MEDIA = ("<missing: ", ">")
"""How a loader marks a row whose medium it could not find (``<missing: why>``): that sample's error is the reason."""


class LoaderFile(str):
    """A file path a loader found inside the dataset's own folder (not a path a row wrote): taken as it is."""


ARCHIVE_MEMBER_LIMITS: dict[str, int] = {"video": 4 << 30, "image": 64 << 20, "subtitles": 4 << 20}
"""The largest member of each kind read out of a dataset's archive, by the size its archive declares (uncompressed).
Above the largest of the real datasets: Video-MME's videos run to an hour (about a GB at its bitrates), NExT-QA's and
MVBench's clips to minutes (tens of MB); VisuLogic's images are PNGs of well under a MB; an hour of Video-MME subtitles
is tens of KB. A member over its limit is its sample's error, never read."""
MAX_VIDEO_INFLATION = 16
"""An encoded video hardly deflates: a video member over ``_INFLATION_FLOOR`` bytes that declares more than this many
times its compressed size is no video (a decompression bomb: a few MB that unpack to GBs), and its sample's error."""
_INFLATION_FLOOR = 64 << 20
_CHUNK = 1 << 20


def _zip_errors() -> tuple[type[BaseException], ...]:
    import zipfile
    import zlib

    return OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError, NotImplementedError, RuntimeError


def check_member(info: Any, kind: str, archive: str) -> None:
    """``MediaError`` when the member ``info`` (a ``ZipInfo``) of ``archive`` is over the limit for its kind
    (``ARCHIVE_MEMBER_LIMITS``), or a video member inflates as no video does (``MAX_VIDEO_INFLATION``): from what the
    archive declares, before a byte is read."""
    limit = ARCHIVE_MEMBER_LIMITS[kind]
    size, packed = info.file_size, info.compress_size
    if size > limit:
        raise MediaError(f"{info.filename} in {archive} declares {size:,} bytes, over the limit of {limit:,} bytes "
                         f"for a {kind} member")
    if kind == "video" and size > _INFLATION_FLOOR and size > MAX_VIDEO_INFLATION * max(packed, 1):
        raise MediaError(f"{info.filename} in {archive} declares {size:,} bytes from {packed:,} compressed, over "
                         f"{MAX_VIDEO_INFLATION} times as many: no encoded video inflates so (a decompression bomb?)")


def read_member(archive: Any, info: Any, kind: str, name: str) -> bytes:
    """The bytes of member ``info`` of the open ``zipfile.ZipFile`` ``archive`` (named ``name`` in messages), after
    ``check_member``; never more than its declared size is read, and a member that holds more is a ``MediaError``."""
    check_member(info, kind, name)
    try:
        with archive.open(info) as src:
            data = src.read(info.file_size + 1)
    except _zip_errors() as e:
        raise MediaError(f"cannot read {info.filename} from {name}: {e}") from None
    if len(data) != info.file_size:
        raise MediaError(f"{info.filename} in {name} holds other than the {info.file_size:,} bytes it declares")
    return data


class MediaArchive:
    """One of a dataset's zip archives, as the media inside it see it: its file, the dataset it belongs to (``dataset``,
    the Hub path, and ``name``, the archive's name inside the dataset) and its directory's digest (every member's name,
    CRC-32, sizes, offset and method: a sha256, from what opening the archive read anyway; no archive is hashed whole).
    Dataset, name and digest are the archive's identity in request keys, so the same mirror anywhere keeps its cached
    answers and another dataset's archive never shares them; the extraction cache adds the file's real path, so two
    archive files never share an extracted member."""

    def __init__(self, path: Path, infos: list[Any], cache_dir: Path, dataset: str, name: str) -> None:
        self.path, self.cache_dir, self.dataset, self.name = Path(path), Path(cache_dir), dataset, name
        directory = [(i.filename, i.CRC, i.compress_size, i.file_size, i.header_offset, i.compress_type) for i in infos]
        self.digest = hashlib.sha256(canonical_json(directory).encode()).hexdigest()

    @property
    def identity(self) -> dict[str, str]:
        return {"dataset": self.dataset, "archive": self.name, "directory": self.digest}

    def member(self, info: Any, kind: str) -> "ArchiveMember":
        """The member ``info`` (a ``ZipInfo`` of this archive) holding a medium of ``kind`` (a key of ``ARCHIVE_MEMBER_LIMITS``)."""
        return ArchiveMember(self, info, kind)


_EXTRACTING: dict[str, threading.Lock] = {}
_EXTRACTING_LOCK = threading.Lock()
_SHA256_HEX = frozenset("0123456789abcdef")
_SUFFIX_MIME = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm",
                ".mkv": "video/webm", ".avi": "video/x-msvideo"}  # Matroska's EBML header is what _sniff calls webm


class ArchiveMember:
    """A medium inside one of the dataset's own archives (Video-MME's ``videos_chunked_*.zip``), named by a loader,
    never by row data. Planning reads nothing of it: its identity in request keys (``sha``) is its archive's identity
    (``MediaArchive``), its name and offset; its size is checked against the limit for its kind (``check_member``)
    then, and extraction waits until a model needs its bytes (``file``). Extraction streams the member into
    ``<cache_dir>/<sha256 of its bytes><suffix>`` (hashed as it is written, to a temporary file renamed when whole,
    removed when not) and records that hash under the member's cache key (archive identity, real path, member),
    so no other member, of this archive or another, is ever served its bytes."""

    __slots__ = ("archive", "info", "kind", "member", "size")

    def __init__(self, archive: MediaArchive, info: Any, kind: str) -> None:
        self.archive, self.info, self.kind = archive, info, kind
        self.member, self.size = info.filename, info.file_size

    @property
    def sha(self) -> str:
        """The member's identity in request and decode keys: its archive's identity, its name and its offset."""
        key = {**self.archive.identity, "member": self.member, "offset": self.info.header_offset}
        return "z" + hashlib.sha256(canonical_json(key).encode()).hexdigest()[:20]

    @property
    def mime(self) -> str:
        return _SUFFIX_MIME.get(Path(self.member).suffix.lower(), _DEFAULT_MIME.get(self.kind, "application/octet-stream"))

    def __repr__(self) -> str:
        return f"ArchiveMember({self.archive.name}:{self.member}, {self.size} bytes)"

    def check(self) -> None:
        """``MediaError`` when the member is over the limit for its kind (nothing is read)."""
        check_member(self.info, self.kind, self.archive.name)

    def read(self) -> bytes:
        """Its bytes, in memory (for small kinds: subtitles), within the limit for its kind."""
        import zipfile

        try:
            with zipfile.ZipFile(self.archive.path) as z:
                return read_member(z, self.info, self.kind, self.archive.name)
        except (OSError, zipfile.BadZipFile) as e:
            raise MediaError(f"cannot read {self.member} from {self.archive.name}: {e}") from None

    @contextmanager
    def open(self) -> Iterator[Any]:
        """A binary stream of its bytes, within the limit for its kind: the file already extracted, else the archive's
        member itself, nothing written (the subtitles' frame count reads a video through it)."""
        import zipfile

        self.check()
        cached = self.cached()
        if cached is not None:
            with open(cached, "rb") as f:
                yield f
            return
        try:
            with zipfile.ZipFile(self.archive.path) as z, z.open(self.info) as src:
                yield src
        except _zip_errors() as e:
            raise MediaError(f"cannot read {self.member} from {self.archive.name}: {e}") from None

    @property
    def _cache_key(self) -> str:
        key = {**self.archive.identity, "path": str(self.archive.path.resolve()), "member": self.member,
               "offset": self.info.header_offset}
        return hashlib.sha256(canonical_json(key).encode()).hexdigest()[:32]

    def _target(self, digest: str) -> Path:
        return self.archive.cache_dir / f"{digest}{Path(self.member).suffix.lower()}"

    def cached(self) -> Path | None:
        """Its file in the cache when it was extracted whole before, else None."""
        try:
            digest = (self.archive.cache_dir / "members" / self._cache_key).read_text().strip()
        except OSError:
            return None
        if len(digest) != 64 or not set(digest) <= _SHA256_HEX:
            return None
        target = self._target(digest)
        try:
            return target if target.stat().st_size == self.size else None
        except OSError:
            return None

    def file(self) -> Path:
        """Its file in the cache: extracted (streamed, hashed, renamed when whole) the first time; ``MediaError`` when it
        is over its limit or cannot be read, and then nothing of it is left in the cache."""
        import os
        import tempfile
        import zipfile

        self.check()
        key = self._cache_key
        with _EXTRACTING_LOCK:
            lock = _EXTRACTING.setdefault(key, threading.Lock())
        with lock:  # two decoding threads wanting one member: one extracts, the other finds it
            found = self.cached()
            if found is not None:
                return found
            cache_dir = self.archive.cache_dir
            (cache_dir / "members").mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".extracting-", suffix=".part")
            try:
                digest, written = hashlib.sha256(), 0
                with os.fdopen(fd, "wb") as dst, zipfile.ZipFile(self.archive.path) as z, z.open(self.info) as src:
                    while chunk := src.read(_CHUNK):  # zipfile stops at the declared size and checks the CRC-32 at the end
                        written += len(chunk)
                        if written > self.size:
                            raise MediaError(f"{self.member} in {self.archive.name} holds more than the {self.size:,} bytes it declares")
                        digest.update(chunk)
                        dst.write(chunk)
                if written != self.size:
                    raise MediaError(f"{self.member} in {self.archive.name} holds {written:,} bytes, not the {self.size:,} it declares")
                target = self._target(digest.hexdigest())
                os.replace(tmp, target)  # the same bytes, if another process put them there first
                write_text_atomic(cache_dir / "members" / key, digest.hexdigest())
            except _zip_errors() as e:
                raise MediaError(f"cannot extract {self.member} from {self.archive.name}: {e}") from None
            finally:
                Path(tmp).unlink(missing_ok=True)
        return target


def media_part(kind: MediaKind, value: Any, root: Path | None = None) -> MediaPart:
    """The part for one media cell: raw bytes, a ``{bytes, path}`` struct as `datasets` gives it
    with ``decode=False``, or a path, which must resolve inside the dataset's ``root``.

    Bytes are kept inline; a file becomes a reference (hashed now, read again when decoded or sent).
    """
    if isinstance(value, LoaderFile):  # a loader's (row data cannot make one), checked inside the dataset's folder
        path = Path(value)
        try:
            with open(path, "rb") as f:
                head = f.read(_SNIFF_BYTES)
                f.seek(0)
                sha = hashlib.file_digest(f, "sha256").hexdigest()[:16]
        except OSError as e:
            raise MediaError(f"cannot read media file {path}: {e.strerror}") from None
        return MediaPart(kind, _sniff(head, kind), sha, path=str(path))
    if isinstance(value, ArchiveMember):  # a loader's, not the row's: inside the dataset's own archive, extracted when needed
        value.check()
        return MediaPart(kind, value.mime, value.sha, source=value)
    if isinstance(value, dict):
        if value.get("bytes"):
            value = value["bytes"]
        else:
            value = value.get("path")
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        return MediaPart(kind, _sniff(data[:_SNIFF_BYTES], kind), bytes_hash(data), data=data)
    if not isinstance(value, str) or not value:
        raise MediaError(f"no media in cell (got {type(value).__name__})")
    if value.startswith(MISSING_MEDIA[0]) and value.endswith(MISSING_MEDIA[1]):  # a loader found no file for this row: it says why
        raise MediaError(value[len(MISSING_MEDIA[0]):-len(MISSING_MEDIA[1])])
    path = resolve_inside(value, root)
    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
            f.seek(0)
            sha = hashlib.file_digest(f, "sha256").hexdigest()[:16]  # the digest bytes_hash gives the same bytes
    except OSError as e:
        raise MediaError(f"cannot read media file {value} (resolved to {path}): {e.strerror}") from None
    return MediaPart(kind, _sniff(head, kind), sha, path=str(path))


def image_part(value: Any, root: Path | None = None) -> MediaPart:
    """``media_part`` for an image cell."""
    return media_part("image", value, root)


def audio_part(value: Any, root: Path | None = None) -> MediaPart:
    """``media_part`` for an audio cell."""
    return media_part("audio", value, root)


def video_part(value: Any, root: Path | None = None) -> MediaPart:
    """``media_part`` for a video cell."""
    return media_part("video", value, root)


def check_pixels(size: tuple[int, int], max_pixels: int | None) -> None:
    """``MediaError`` when an image of ``size`` has more than ``max_pixels`` pixels (None: no limit)."""
    w, h = size
    if max_pixels is not None and w * h > max_pixels:
        raise MediaError(f"image of {w}x{h} pixels is over the limit of {max_pixels} pixels (a decompression bomb?)")


def decode_image(data: bytes, max_side: int | None = None, max_pixels: int | None = DEFAULT_MAX_IMAGE_PIXELS):
    """Decode to an RGB PIL image, bounded to ``max_side`` pixels on the long side and ``max_pixels`` in all.

    A JPEG larger than ``max_side`` is decoded at a reduced scale (``Image.draft``),
    so the pixel limit applies to what is decoded, not to the file's full size.
    """
    from PIL import Image, UnidentifiedImageError

    # Pillow's own bomb check raises past twice its MAX_IMAGE_PIXELS, and warns past it: a warning
    # turned into an error (``-W error``) must be this sample's error too, not a crash.
    unreadable = (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning)
    try:
        image = Image.open(io.BytesIO(data))
        if max_side and max(image.size) > max_side:
            image.draft("RGB", (max_side, max_side))
    except unreadable as e:
        raise MediaError(f"cannot decode image ({len(data)} bytes): {e}") from None
    check_pixels(image.size, max_pixels)  # only the header is read so far
    try:
        if image.mode != "RGB":
            image = image.convert("RGB")
        else:
            image.load()
    except unreadable as e:
        raise MediaError(f"cannot decode image ({len(data)} bytes): {e}") from None
    if max_side and max(image.size) > max_side:
        image.thumbnail((max_side, max_side))
    return image


def decode_audio(data: bytes, sampling_rate: int | None = 16000) -> tuple[np.ndarray, int]:
    """Decode to mono float32, resampled to ``sampling_rate`` (None keeps the file's rate).

    Fewer than two frames, NaN or infinite samples are a ``MediaError``: a model
    would turn them into an answer that gets scored.
    """
    import soundfile as sf

    try:
        array, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise MediaError(f"cannot decode audio ({len(data)} bytes): {e}") from None
    if len(array) < 2:
        raise MediaError(f"audio has {len(array)} frame{'' if len(array) == 1 else 's'}; at least 2 are needed")
    mono = array.mean(axis=1) if array.shape[1] > 1 else array[:, 0]
    if not np.isfinite(mono).all():
        raise MediaError("audio has NaN or infinite samples")
    if sampling_rate and rate != sampling_rate:
        mono = resample(mono, rate, sampling_rate)
        rate = sampling_rate
    return np.ascontiguousarray(mono, dtype=np.float32), rate


DEFAULT_VIDEO_SAMPLING = VideoSampling(frames=8)


def _chosen(times: Sequence[float], sampling: VideoSampling) -> list[int]:
    """Positions (into ``times``, the frame times of the segment, ascending) of the frames ``sampling`` asks for."""
    n = len(times)
    if sampling.fps:
        step, start, picked = 1.0 / sampling.fps, times[0], []
        k = 0
        for pos, t in enumerate(times):  # the first frame at or after each tick
            while start + k * step <= t + 1e-6:
                if not picked or picked[-1] != pos:
                    picked.append(pos)
                k += 1
        if sampling.max_frames and len(picked) > sampling.max_frames:
            picked = [picked[i] for i in np.linspace(0, len(picked) - 1, sampling.max_frames, dtype=int)]
        return picked
    return [int(i) for i in np.linspace(0, n - 1, sampling.frames or 8, dtype=int)]


def stepped_frames(sampling: VideoSampling, fps: float, n_frames: int) -> list[int]:
    """The frame indices of the stepped mode (``VideoSampling.duration_s``), as lmms-eval's longvideobench ``load_video``
    computes them: ``count`` frames ``int(int(duration_s * fps) / count)`` apart from frame 0. A duration under a second
    (no frames; the official code divides by zero) or an index past the file's last frame (decord's ``get_batch`` refuses
    it) is a ``MediaError``."""
    count = sampling.stepped_count()
    if count < 1:
        raise MediaError(f"a duration of {sampling.duration_s:g} s gives no frames (one a second at most)")
    step = int(int(sampling.duration_s * fps) / count)  # type: ignore[operator]
    wanted = [step * i for i in range(count)]
    if wanted[-1] >= n_frames:
        raise MediaError(f"frame {wanted[-1]} is past the video's end ({n_frames} frames at {fps:g} fps; the row says {sampling.duration_s:g} s)")
    return wanted


_SEEK_GAP_S = 1.0
"""Wanted frames further apart than this are reached by a seek (to the keyframe before them), not by decoding on."""


def _decode_runs(wanted: list[int], times: Sequence[float]) -> list[list[int]]:
    """The wanted frame indices (ascending) cut into runs: a new run where the next one is over ``_SEEK_GAP_S`` ahead."""
    runs: list[list[int]] = []
    for i in wanted:
        if runs and times[i] - times[runs[-1][-1]] <= _SEEK_GAP_S:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _frame_pts(container: Any, stream: Any) -> np.ndarray:
    """The presentation times of the stream's frames, in order, read from its packets (nothing is decoded): one int64
    array, so an hour of video (90,000 frames at 25 fps) costs 0.7 MB here, not the ~10 MB of Python ints and lists."""
    return np.unique(np.fromiter((p.pts for p in container.demux(stream) if p.pts is not None and p.size), dtype=np.int64))


def video_frame_count_and_rate(source: str | Path | Any) -> tuple[int, float]:
    """How many frames a video has, and its frame rate (the declared one, else the mean over the file): from a file
    path or a binary stream."""
    import av

    with av.open(str(source) if isinstance(source, (str, Path)) else source) as container:
        stream = container.streams.video[0]
        pts = _frame_pts(container, stream)
        return len(pts), _frame_rate(stream, pts)


def _frame_rate(stream: Any, pts: np.ndarray) -> float:
    """The declared frame rate, else the mean over the file (0 for a single frame)."""
    rate = float(stream.average_rate or 0)
    if not rate and len(pts) > 1:
        rate = (len(pts) - 1) / float(int(pts[-1] - pts[0]) * stream.time_base)
    return rate


def decode_video(source: str | bytes, sampling: VideoSampling | None = None, sampling_rate: int | None = 16000,
                 max_side: int | None = None, max_pixels: int | None = DEFAULT_MAX_IMAGE_PIXELS) -> VideoFrames:
    """The frames ``sampling`` asks for, from a file path or the encoded bytes, with PyAV.

    One pass reads the video packets' timestamps (no decoding) to find the frames of the segment and pick
    the wanted ones; then each run of nearby wanted frames is reached by a seek to the keyframe before it and
    decoded only up to its last frame, keeping only the wanted ones: sparse samples of a long video decode a
    small part of it, and memory holds the sampled frames, never the video. The file is closed on return.
    An unreadable file, a missing video stream or a segment without frames is a ``MediaError``.
    """
    import av

    sampling = sampling or DEFAULT_VIDEO_SAMPLING
    try:
        container = av.open(source if isinstance(source, str) else io.BytesIO(source))
    except (av.FFmpegError, OSError, ValueError) as e:
        raise MediaError(f"cannot open video: {e}") from None
    try:
        if not container.streams.video:
            raise MediaError("the file has no video stream")
        stream = container.streams.video[0]
        tb = stream.time_base
        pts = _frame_pts(container, stream)
        if not len(pts):
            raise MediaError("the video has no frames")
        # Every frame's time in seconds, as float((pts - origin) * time_base) rounds it (integer products, one division),
        # in arrays: memory for a video's timeline stays a few bytes a frame however long the video.
        every = (pts - pts[0]) * tb.numerator / tb.denominator
        lo = sampling.start_s if sampling.start_s is not None else -1.0
        hi = sampling.end_s if sampling.end_s is not None else float("inf")
        segment = np.flatnonzero((every >= lo - 1e-6) & (every < hi - 1e-6))
        if not len(segment):
            raise MediaError(f"no video frames in [{sampling.start_s or 0:g}, {hi:g}) s (the video lasts {every[-1]:g} s)")
        if sampling.duration_s is not None:
            wanted = stepped_frames(sampling, _frame_rate(stream, pts), len(every))
        else:
            wanted = [int(segment[i]) for i in _chosen(every[segment], sampling)]
        decoded: dict[int, Any] = {}
        for run in _decode_runs(sorted(set(wanted)), every):
            # Seek to the keyframe before each run of nearby wanted frames; decode forward only as far as its last one.
            want_pts = {int(pts[i]): i for i in run}
            container.seek(int(pts[run[0]]), stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                if frame.pts in want_pts and want_pts[frame.pts] not in decoded:
                    image = frame.to_image()
                    check_pixels(image.size, max_pixels)
                    if max_side and max(image.size) > max_side:
                        image.thumbnail((max_side, max_side))
                    decoded[want_pts[frame.pts]] = image
                if frame.pts >= pts[run[-1]]:
                    break
        missing = sorted(set(wanted) - set(decoded))
        if missing:
            raise MediaError(f"{len(missing)} sampled video frame(s) could not be decoded (first at {every[missing[0]]:.3f} s)")
        rate = _frame_rate(stream, pts)
        audio = None
        if sampling.audio:
            span = (float(every[segment[0]]), float(every[segment[-1]]) + (1.0 / rate if rate else 0.0))
            if sampling.audio_file:
                try:
                    with av.open(sampling.audio_file) as sound:
                        audio = _video_audio(sound, *span, sampling_rate)
                except (av.FFmpegError, OSError) as e:
                    raise MediaError(f"cannot read the sound track {Path(sampling.audio_file).name}: {e}") from None
            else:
                audio = _video_audio(container, *span, sampling_rate)
        return VideoFrames(frames=[decoded[i] for i in wanted], indices=wanted, timestamps=[float(every[i]) for i in wanted], fps=rate,
                           n_frames=len(every), audio=audio)
    except av.FFmpegError as e:
        raise MediaError(f"cannot decode video: {e}") from None
    finally:
        container.close()


def _video_audio(container: Any, start_s: float, end_s: float, sampling_rate: int | None) -> tuple[np.ndarray, int]:
    """The sound track between ``start_s`` and ``end_s``, mono float32 at ``sampling_rate`` (None: the file's)."""
    if not container.streams.audio:
        raise MediaError("the video has no audio track (the task asks for its sound)")
    stream = container.streams.audio[0]
    container.seek(0)
    chunks, rate, origin = [], stream.rate, None
    for frame in container.decode(stream):
        if origin is None:  # the first frame's time (negative when the encoder's priming samples are to be skipped: AAC)
            origin = float(frame.time) if frame.time is not None else 0.0
        array = frame.to_ndarray().astype(np.float32)
        if array.ndim == 2 and not frame.format.is_planar:  # packed: (1, samples * channels)
            array = array.reshape(-1, len(frame.layout.channels)).T
        chunks.append(array.mean(axis=0) if array.ndim == 2 else array)
    if not chunks:
        raise MediaError("the video's audio track is empty")
    first = max(0, round((start_s - (origin or 0.0)) * rate))
    mono = np.concatenate(chunks)[first: max(first, round((end_s - (origin or 0.0)) * rate))]
    if len(mono) < 2 or not np.isfinite(mono).all():
        raise MediaError("the video's audio track has no usable samples in the segment")
    if sampling_rate and rate != sampling_rate:
        mono, rate = resample(mono, rate, sampling_rate), sampling_rate
    return np.ascontiguousarray(mono, dtype=np.float32), int(rate)


_CLIPS_REMEMBERED = 4
"""Sampled videos a ``MediaDecoder`` keeps for the frame parts still to come (each a few frames)."""


class MediaDecoder:
    """Decodes media parts to the form an adapter asked for, remembering the last few images by content hash.

    Benchmarks ask several questions about one image (VQAv2 averages five,
    MME two, POPE many), usually in consecutive rows: each image is decoded
    once. Decoded images are shared read-only between requests. Safe to call
    from several threads.
    """

    def __init__(self, sampling_rate: int | None, max_image_side: int | None = None,
                 max_pixels: int | None = DEFAULT_MAX_IMAGE_PIXELS, remember: int = 32) -> None:
        self.sampling_rate = sampling_rate
        self.max_image_side = max_image_side
        self.max_pixels = max_pixels
        self._recent: OrderedDict[str, Any] = OrderedDict()
        self._clips: OrderedDict[str, VideoFrames | MediaError] = OrderedDict()
        self._clip_locks: dict[str, threading.Lock] = {}
        self._remember = remember
        self._lock = threading.Lock()

    def image(self, part: MediaPart) -> Any:
        """The RGB PIL image of ``part`` (under its robustness condition, if it has one)."""
        if part.frame is not None:
            return _under(part, self._clip_of(part).frames[part.frame])
        with self._lock:
            hit = self._recent.get(part.sha)
            if hit is not None:
                self._recent.move_to_end(part.sha)
        if hit is None:
            hit = decode_image(_encoded(part), self.max_image_side, self.max_pixels)
            with self._lock:
                self._recent[part.sha] = hit
                while len(self._recent) > self._remember:
                    self._recent.popitem(last=False)
        return _under(part, hit)

    def audio(self, part: MediaPart) -> tuple[np.ndarray, int]:
        """Mono float32 samples of ``part`` at the decoder's sampling rate, and that rate (under its condition, if any)."""
        others = tuple(decode_audio(_encoded(q), self.sampling_rate)[0] for q in part.mix)
        return _under(part, decode_audio(_encoded(part), self.sampling_rate), others)

    def video(self, part: MediaPart) -> VideoFrames:
        """The frames (and sound, when asked) ``part.sampling`` picks, decoded from its file or bytes."""
        source = part.file() if part.data is None else part.data  # an archive member is extracted now, the first time
        return _under(part, decode_video(source, part.sampling, self.sampling_rate, self.max_image_side, self.max_pixels))

    def _clip_of(self, frame: MediaPart) -> VideoFrames:
        """The sampled video a frame part is one of, decoded once for all its frames (the pool's workers asking for
        frames of one video wait for the first to decode it; a video that cannot be decoded fails them all at once);
        the last few are remembered, nothing more."""
        key = replace(frame, kind="video", frame=None, condition=None, mix=()).decode_key
        with self._lock:
            clip = self._clips.get(key)
            lock = self._clip_locks.setdefault(key, threading.Lock()) if clip is None else None
        if lock is not None:
            with lock:
                with self._lock:
                    clip = self._clips.get(key)
                if clip is None:
                    try:
                        source = frame.file() if frame.data is None else frame.data
                        clip = decode_video(source, frame.sampling, None, self.max_image_side, self.max_pixels)
                    except MediaError as e:
                        clip = e
                    with self._lock:
                        self._clip_locks.pop(key, None)
                        self._clips[key] = clip
                        while len(self._clips) > _CLIPS_REMEMBERED:
                            self._clips.popitem(last=False)
        if isinstance(clip, MediaError):
            raise clip
        if not 0 <= frame.frame < len(clip.frames):  # type: ignore[operator, union-attr]
            raise MediaError(f"frame {frame.frame} of a video sampled to {len(clip.frames)} frames")  # type: ignore[union-attr]
        return clip  # type: ignore[return-value]

    def decode(self, part: MediaPart) -> Any:
        """The decoded form of ``part``, whatever its kind; ``MediaError`` when it has none."""
        if part.kind == "image":
            return self.image(part)
        if part.kind == "audio":
            return self.audio(part)
        return self.video(part)


def _under(part: MediaPart, decoded: Any, others: tuple[Any, ...] = ()) -> Any:
    """``decoded`` under the part's robustness condition, seeded by the medium (questions sharing it see one version);
    ``others``: the decoded media the condition mixes in."""
    if part.condition is None:
        return decoded
    return perturb(part.kind, decoded, part.condition, part.sha, others=others)


def _encoded(part: MediaPart) -> bytes:
    try:
        return part.read()
    except OSError as e:
        raise MediaError(f"cannot read media file {part.path}: {e.strerror}") from None
