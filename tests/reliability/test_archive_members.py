"""Media inside a dataset's zip archives (Video-MME's ``videos_chunked_*.zip``, its ``subtitle.zip``): bounded, extracted
only when a model needs the bytes, identified by what they are and where they come from.

- A member over the limit for its kind (or a video that inflates as no video does) is its sample's error, naming the
  archive, the member, its declared size and the limit: never read, nothing left in the cache, memory bounded.
- A model that decodes no media (``baseline:``) extracts nothing.
- A forged member with another's CRC-32 and size, in the same archive or in another dataset's, is never served the
  other's bytes (nor shares its request key).
"""

from __future__ import annotations

import sys
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from make_fixtures import VIDEOMME, write_fixtures  # noqa: E402

from evals.adapters.base import Capabilities  # noqa: E402
from evals.adapters.baseline import BaselineAdapter, BaselineArgs  # noqa: E402
from evals.data import media  # noqa: E402
from evals.data.open import open_dataset  # noqa: E402
from evals.results import iter_samples  # noqa: E402
from evals.run.evaluate import evaluate_model  # noqa: E402
from evals.run.plan import RequestPlanner  # noqa: E402
from evals.run.runner import RunOptions  # noqa: E402
from evals.spec.catalog import load_task  # noqa: E402

VIDEO_0, VIDEO_1 = VIDEOMME[0][1], VIDEOMME[1][1]
ID_0, ID_1 = VIDEOMME[0][0], VIDEOMME[1][0]


class FrameReader(BaselineAdapter):
    """``baseline:constant`` that has the engine decode its videos, as a video model does (so they are extracted)."""

    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, video=True, batch=True)

    def generate(self, requests):
        assert all(len(r.media.video(p).frames) for r in requests for p in r.videos)
        return super().generate(requests)


def _run(spec, root: Path, out: Path, decoding: bool) -> list:
    adapter = FrameReader("constant", BaselineArgs(text="A")) if decoding else BaselineAdapter("constant", BaselineArgs(text="A"))
    evaluate_model(adapter, [spec], out, None, RunOptions(data_dir=str(root), n_resamples=10))
    return list(iter_samples(out, spec.name))


def _rewrite(archive: Path, replace: dict[str, bytes | int], compression: int = zipfile.ZIP_STORED) -> None:
    """``archive`` with the members named in ``replace`` replaced: by bytes, or (an int) by that many zero bytes, streamed
    in (deflated, a bomb: a few KB in the archive); every member stored under ``compression``."""
    with zipfile.ZipFile(archive) as z:
        kept = {i.filename: z.read(i) for i in z.infolist()}
    with zipfile.ZipFile(archive, "w", compression=compression) as z:
        for name, data in kept.items():
            new = replace.get(name, data)
            if isinstance(new, int):
                with z.open(name, "w", force_zip64=True) as f:
                    zero = bytes(1 << 20)
                    for _ in range(new >> 20):
                        f.write(zero)
            else:
                z.writestr(name, new)


def _cache_files(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "videos").rglob("*") if p.is_file()) if (cache / "videos").exists() else []


def _crc_forged(data: bytes, crc: int) -> bytes:
    """``data`` with its last four bytes chosen so that its CRC-32 is ``crc``: as long, as "valid", other bytes."""
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    top = {t >> 24: i for i, t in enumerate(table)}
    reg, picks = crc ^ 0xFFFFFFFF, []
    for _ in range(4):  # the table entries the last four steps must have used, last first
        j = top[reg >> 24]
        picks.append(j)
        reg = ((reg ^ table[j]) << 8) & 0xFFFFFFFF
    state, tail = zlib.crc32(data[:-4]) ^ 0xFFFFFFFF, bytearray()
    for j in reversed(picks):
        tail.append((state ^ j) & 0xFF)
        state = (state >> 8) ^ table[j]
    forged = data[:-4] + bytes(tail)
    assert zlib.crc32(forged) == crc and len(forged) == len(data) and forged != data
    return forged


def _parts(spec, root: Path) -> dict[str, object]:
    """The video part of each video id, as the planner makes it (one per id: the first question's)."""
    source = open_dataset(spec, str(root))
    planner = RequestPlanner(spec, source.columns)
    out = {}
    for index, row in source.rows:
        sample = planner.plan(index, row)
        assert sample.error is None, sample.error
        out.setdefault(row["video_id"], (sample.request.videos[0], sample.request.key))
    return out


@pytest.fixture
def mirror(tmp_path):
    return write_fixtures(tmp_path / "mirror", {"lmms-eval/Video-MME"})


def test_a_video_over_the_limit_is_its_samples_error_and_leaves_nothing_in_the_cache(mirror, tmp_path, _isolated_cache,
                                                                                     monkeypatch):
    monkeypatch.setattr(media, "ARCHIVE_MEMBER_LIMITS", {"video": 1 << 20, "image": 1 << 20, "subtitles": 1 << 20}, raising=False)
    archive = mirror / "lmms-eval" / "Video-MME" / "videos_chunked_01.zip"
    _rewrite(archive, {f"data/{VIDEO_1}.mp4": 8 << 20}, zipfile.ZIP_DEFLATED)  # 8 MiB of zeros, a few KB in the archive
    records = _run(load_task("videomme"), mirror, tmp_path / "run", decoding=True)
    errors = {r.error for r in records if r.error}
    assert len([r for r in records if r.error]) == 3 and len(records) == 6  # the other video's questions are answered
    assert errors == {f"media: data/{VIDEO_1}.mp4 in videos_chunked_01.zip declares 8,388,608 bytes, over the limit of "
                      f"1,048,576 bytes for a video member"}
    files = _cache_files(_isolated_cache)
    assert all(f.stat().st_size < 1 << 20 for f in files) and not [f for f in files if f.name.endswith(".part")]


def test_a_decompression_bomb_is_refused_under_the_default_limits(mirror, tmp_path, _isolated_cache):
    archive = mirror / "lmms-eval" / "Video-MME" / "videos_chunked_01.zip"
    _rewrite(archive, {f"data/{VIDEO_1}.mp4": 80 << 20}, zipfile.ZIP_DEFLATED)  # 80 MiB of zeros from about 80 KB: no video inflates so
    records = _run(load_task("videomme"), mirror, tmp_path / "run", decoding=True)
    errors = {r.error for r in records if r.error}
    assert len(errors) == 1 and len([r for r in records if r.error]) == 3
    [error] = errors
    assert f"data/{VIDEO_1}.mp4 in videos_chunked_01.zip declares 83,886,080 bytes" in error and "decompression bomb" in error
    assert all(f.stat().st_size < 1 << 20 for f in _cache_files(_isolated_cache))


def test_an_oversized_subtitle_file_is_its_questions_error_and_never_read_into_memory(mirror, tmp_path, _isolated_cache):
    repo = mirror / "lmms-eval" / "Video-MME"
    _rewrite(repo / "subtitle.zip", {f"subtitle/{VIDEO_0}.srt": 64 << 20}, zipfile.ZIP_DEFLATED)  # over the 4 MiB subtitle limit
    tracemalloc.start()
    try:
        records = _run(load_task("videomme_w_subtitle"), mirror, tmp_path / "run", decoding=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, peak  # the member is 64 MiB: it was not read (about 1 MiB here; 140 MiB when it was)
    errors = {r.id: r.error for r in records if r.error}
    assert sorted(errors) == ["001-1", "001-2", "001-3"]
    assert all(f"subtitle/{VIDEO_0}.srt in subtitle.zip declares 67,108,864 bytes, over the limit of 4,194,304 bytes" in e
               for e in errors.values())


def test_a_model_that_decodes_no_media_extracts_nothing(mirror, tmp_path, _isolated_cache):
    for name in ("videomme", "videomme_w_subtitle"):  # the subtitles' frame counts are read from the archive as it streams
        records = _run(load_task(name), mirror, tmp_path / name, decoding=False)
        assert len(records) == 6 and not [r for r in records if r.error]
    assert _cache_files(_isolated_cache) == []
    _run(load_task("videomme"), mirror, tmp_path / "decoding", decoding=True)
    assert len([f for f in _cache_files(_isolated_cache) if f.suffix == ".mp4"]) == 2  # a model that decodes them: extracted


def test_a_forged_member_with_anothers_crc_and_size_is_served_its_own_bytes(mirror, _isolated_cache):
    archive = mirror / "lmms-eval" / "Video-MME" / "videos_chunked_01.zip"
    with zipfile.ZipFile(archive) as z:
        genuine = z.read(f"data/{VIDEO_0}.mp4")
    forged = _crc_forged(bytes(reversed(genuine)), zlib.crc32(genuine))
    _rewrite(archive, {f"data/{VIDEO_1}.mp4": forged})
    with zipfile.ZipFile(archive) as z:
        a, b = z.getinfo(f"data/{VIDEO_0}.mp4"), z.getinfo(f"data/{VIDEO_1}.mp4")
    assert (a.CRC, a.file_size) == (b.CRC, b.file_size)
    parts = _parts(load_task("videomme"), mirror)
    (part_a, key_a), (part_b, key_b) = parts[ID_0], parts[ID_1]
    assert part_a.read() == genuine  # extracted first
    assert part_b.read() == forged  # not the genuine video the cache already holds
    assert part_a.sha != part_b.sha and part_a.decode_key != part_b.decode_key and key_a != key_b


def test_two_datasets_archives_with_the_same_member_names_never_serve_each_others_members(tmp_path, _isolated_cache):
    first = write_fixtures(tmp_path / "first", {"lmms-eval/Video-MME"})
    second = tmp_path / "second"
    (second / "other").mkdir(parents=True)
    (first / "lmms-eval" / "Video-MME").rename(second / "other" / "Video-MME")
    first = write_fixtures(tmp_path / "first", {"lmms-eval/Video-MME"})
    name = f"data/{VIDEO_0}.mp4"
    with zipfile.ZipFile(first / "lmms-eval" / "Video-MME" / "videos_chunked_01.zip") as z:
        genuine = z.read(name)
    forged = _crc_forged(bytes(reversed(genuine)), zlib.crc32(genuine))
    _rewrite(first / "lmms-eval" / "Video-MME" / "videos_chunked_01.zip", {})
    _rewrite(second / "other" / "Video-MME" / "videos_chunked_01.zip", {name: forged})  # same name, CRC-32, size, offsets

    spec = load_task("videomme")
    other = spec.model_copy(update={"dataset": spec.dataset.model_copy(update={"path": "other/Video-MME"})})
    part_a, key_a = _parts(spec, first)[ID_0]
    part_b, key_b = _parts(other, second)[ID_0]
    assert part_a.read() == genuine and part_b.read() == forged
    assert part_a.sha != part_b.sha and key_a != key_b  # nor do they share cached answers

    # The same dataset mirrored twice, one copy forged: one request key (the archives' directories are equal), but each
    # copy's member is extracted from its own file.
    third = tmp_path / "third" / "lmms-eval"
    third.mkdir(parents=True)
    (second / "other" / "Video-MME").rename(third / "Video-MME")
    part_c, _ = _parts(spec, third.parent)[ID_0]
    assert part_c.read() == forged and part_a.read() == genuine
