"""What each named loader reads of its Hub repo besides the split's data files: the one declaration ``omnieval data
mirror`` fetches by, and how the fetched archives become what the loader reads.

Each entry of ``LOADER_FILES`` is read off the loader's own ``dataset.data_files`` keys (the names and defaults its
docstring states), so a task says once where its files are and both the loader and the mirror follow it:

- ``video_zips``, ``video_zips_by_id``: the ``videos`` archives (default ``videos_chunked_*.zip``, Video-MME's) and the
  ``subtitles`` zip; read as they are (a video is extracted when first needed), never unpacked here.
- ``video_files`` (MLVU, LVBench, LongVideoBench, TOMATO): every zip and tar (parts included) of the repo, unpacked into the
  mirror's folder as lmms-eval's ``dataset_kwargs: {video: True}`` unpacks them into its cache
  (``lmms_eval/api/task.py`` at 75571cfe: ``**/*.zip`` extracted, ``**/*.tar*`` grouped by name without ``.tar...``
  and a trailing ``_<n>``, each group's parts concatenated in sorted order, then extracted).
- ``json_videos`` (Daily-Omni, Video-Holmes, WorldSense): the ``questions`` file and the repo's zips and tars, unpacked
  the same way (Videos.tar into ``Videos/``, videos.zip into ``videos/``), and the ``video_folders`` a repo holds its
  videos in as loose files (AVUT-Human's ``data/``).
- ``hub_url_videos`` (MMVU): the repo's ``videos/`` folder, the Hub paths its rows' URLs name.
- ``motionbench``: the ``questions`` file and the ``video_folders``.
- ``sonic_o1``: ``vqa/<name>/*.json`` and the ``dataset/videos`` and ``dataset/audios`` folders.
- ``vlmevalkit_tsv_videos`` (MMBench-Video): ``<name>.tsv``; its videos ship as pickles, which are never unpickled
  here (unpickling runs code): ``MIRROR_BY_HAND`` says what to do instead.
- ``csv_audio_folder`` (OpenAudioBench: its CSV and audio folder), ``chunked_calls`` (the chunked Earnings22: its audio folder).
- ``screenspot_pro_json`` (its ``annotations`` files and ``images`` folder), ``screenspot_v2_json`` (the JSON files and
  ``screenspotv2_image.zip``, unpacked), ``mmhal_bench`` (``response_template.json`` and ``images/``), ``omnispatial_json``
  (``OmniSpatial-test.zip``, unpacked; its inner layout not checked against the Hub), ``ref_l4`` (``images.tar.gz``, unpacked).
- ``jsonl_zip`` (VisuLogic: ``data.jsonl``, ``images.zip``) and ``json_tar_audio`` (MMAR, MMAU v05.15.25: a JSON file and
  an audio tar) read whole files and no parquet config (``whole``), under the names their ``data_files`` give.

Unpacking is confined (DESIGN 13): a member whose path leaves the mirror's folder, a link, or a device is refused with
the archive's name; each archive is unpacked once (a ``.<archive>.unpacked`` marker beside it).
"""

from __future__ import annotations

import re
import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from evals.errors import DataError
from evals.spec.task import TaskSpec

ARCHIVES = ("*.zip", "*.tar", "*.tar.*")
"""The repo's archives, at any depth (Hub patterns match across ``/``), as lmms-eval globs ``**/*.zip`` and ``**/*.tar*``."""


@dataclass(frozen=True)
class LoaderFiles:
    """``patterns(task)``: the Hub paths (fnmatch patterns) the loader reads in its repo besides the split's data
    files; ``unpack``: the archives among them are read unpacked into the mirror's folder; ``whole``: these are all
    it reads."""

    patterns: Callable[[TaskSpec], list[str]]
    unpack: bool = False
    whole: bool = False
    """The loader reads only these files, no parquet config: the mirror consults no dataset card for it."""


def _files(task: TaskSpec) -> dict:
    return dict(task.dataset.data_files or {})


def _as_list(value: object) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in (value or [])]  # type: ignore[union-attr]


def _video_zips(task: TaskSpec) -> list[str]:
    files = _files(task)
    return [str(files.get("videos", "videos_chunked_*.zip")), *_as_list(files.get("subtitles"))]


def _json_videos(task: TaskSpec) -> list[str]:
    files = _files(task)
    folders = (f"{folder.strip('/')}/*" for folder in _as_list(files.get("video_folders")))  # videos the repo holds loose
    return [*_as_list(files.get("questions")), *ARCHIVES, *folders]


def _motionbench(task: TaskSpec) -> list[str]:
    files = _files(task)
    return [*_as_list(files.get("questions")), *(f"{folder.strip('/')}/*" for folder in _as_list(files.get("video_folders")))]


def _sonic_o1(task: TaskSpec) -> list[str]:
    return [f"vqa/{task.dataset.name}/*.json", "dataset/videos/*", "dataset/audios/*"]


def _csv_audio_folder(task: TaskSpec) -> list[str]:
    from evals.data.loaders import csv_audio_folder_files

    return csv_audio_folder_files(task)


def _jsonl_zip(task: TaskSpec) -> list[str]:
    from evals.data.loaders import jsonl_zip_files

    return list(jsonl_zip_files(task).values())


def _json_tar_audio(task: TaskSpec) -> list[str]:
    from evals.data.loaders import json_tar_audio_files

    return list(json_tar_audio_files(task).values())


def _chunked_calls(task: TaskSpec) -> list[str]:
    from evals.data.loaders import CHUNKED_SETS

    chunked = CHUNKED_SETS.get(task.dataset.path)
    return [f"{chunked.audio_dir}/*"] if chunked else []


def _annotations_and_images(task: TaskSpec) -> list[str]:
    files = _files(task)
    return [*_as_list(files.get("annotations")), *(f"{folder.strip('/')}/*" for folder in _as_list(files.get("images")))]


def _screenspot_v2(task: TaskSpec) -> list[str]:
    # The pictures ship as one zip holding the images folder: fetched and unpacked beside the JSON files.
    return [*_as_list(_files(task).get("annotations")), "screenspotv2_image.zip"]


LOADER_FILES: dict[str, LoaderFiles] = {
    "video_zips": LoaderFiles(_video_zips),
    "video_zips_by_id": LoaderFiles(_video_zips),
    "video_files": LoaderFiles(lambda task: list(ARCHIVES), unpack=True),
    "longvideobench_subtitles": LoaderFiles(lambda task: list(ARCHIVES), unpack=True),  # video_files' and subtitles.tar
    "json_videos": LoaderFiles(_json_videos, unpack=True),
    "hub_url_videos": LoaderFiles(lambda task: ["videos/*"]),
    "motionbench": LoaderFiles(_motionbench),
    "sonic_o1": LoaderFiles(_sonic_o1),
    "vlmevalkit_tsv_videos": LoaderFiles(lambda task: [f"{task.dataset.name}.tsv"]),
    "csv_audio_folder": LoaderFiles(_csv_audio_folder),
    "chunked_calls": LoaderFiles(_chunked_calls),
    "screenspot_pro_json": LoaderFiles(_annotations_and_images),
    "screenspot_v2_json": LoaderFiles(_screenspot_v2, unpack=True),
    "mmhal_bench": LoaderFiles(lambda task: ["response_template.json", "images/*"]),
    "omnispatial_json": LoaderFiles(lambda task: ["OmniSpatial-test.zip"], unpack=True),
    "ref_l4": LoaderFiles(lambda task: ["images.tar.gz"], unpack=True),
    "jsonl_zip": LoaderFiles(_jsonl_zip, whole=True),
    "json_tar_audio": LoaderFiles(_json_tar_audio, whole=True),
}

MIRROR_BY_HAND = {
    "vlmevalkit_tsv_videos": "its videos ship as pickles (video_pkl/*.pkl), never unpickled here: unpack them with VLMEvalKit's "
                             "unwrap_hf_pkl into the mirror's video/ folder",
}
"""What a loader reads that the mirror cannot make, and what to do instead."""


def loader_files(task: TaskSpec, repo: str) -> list[str]:
    """The Hub patterns ``task``'s loader reads in ``repo`` besides the split's data files (none for other repos)."""
    entry = LOADER_FILES.get(task.dataset.loader or "")
    if entry is None or repo != task.dataset.path:
        return []
    return list(dict.fromkeys(entry.patterns(task)))


def tar_groups(archives: list[Path]) -> dict[Path, list[Path]]:
    """lmms-eval's grouping of tar files: by the path before ``.tar`` without a trailing ``_<n>``, parts in sorted order."""
    groups: dict[Path, list[Path]] = {}
    for path in sorted(archives):
        base = re.sub(r"_\d+$", "", str(path).split(".tar")[0])
        groups.setdefault(Path(base), []).append(path)
    return groups


def _inside(root: Path, name: str, archive: Path) -> Path:
    target = (root / name).resolve()
    if not name or Path(name).is_absolute() or not target.is_relative_to(root.resolve()):
        raise DataError(f"archive {archive}: member {name!r} would be written outside {root}; refused")
    return target


def _unzip(archive: Path, root: Path) -> None:
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            target = _inside(root, info.filename, archive)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise DataError(f"archive {archive}: member {info.filename!r} is a link; refused")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            elif not target.exists():  # lmms-eval skips existing files
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)


def _untar(parts: list[Path], root: Path) -> None:
    import io

    class _Joined(io.RawIOBase):  # the parts read as one stream, as lmms-eval concatenates them
        def __init__(self) -> None:
            self._files = [open(p, "rb") for p in parts]
            self._i = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            while self._i < len(self._files):
                n = self._files[self._i].readinto(buffer)
                if n:
                    return n
                self._i += 1
            return 0

        def close(self) -> None:
            for f in self._files:
                f.close()
            super().close()

    with _Joined() as joined, tarfile.open(fileobj=io.BufferedReader(joined), mode="r|*") as tar:
        for member in tar:
            target = _inside(root, member.name, parts[0])
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None
                with src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
            else:
                raise DataError(f"archive {parts[0]}: member {member.name!r} is a link or a device; refused")


def unpack_archives(task: TaskSpec, repo_dir: Path) -> list[Path]:
    """Unpack what ``task``'s loader reads unpacked (``LoaderFiles.unpack``) into ``repo_dir``, as lmms-eval does, once per
    archive (group); returns the archives (first parts) unpacked now. Other loaders: nothing."""
    entry = LOADER_FILES.get(task.dataset.loader or "")
    if entry is None or not entry.unpack:
        return []
    repo_dir = Path(repo_dir)
    found = [p for p in sorted(repo_dir.rglob("*")) if p.is_file() and not p.name.startswith(".")]
    zips = [p for p in found if p.suffix == ".zip"]
    tars = [p for p in found if ".tar" in p.name]
    done = []
    jobs = [(z, [z]) for z in zips] + list(tar_groups(tars).items())
    for name, parts in jobs:
        marker = name.parent / f".{name.name}.unpacked"
        if marker.exists():
            continue
        if parts[0].suffix == ".zip":
            _unzip(parts[0], repo_dir)
        else:
            _untar(parts, repo_dir)
        marker.write_text("\n".join(p.name for p in parts) + "\n")
        done.append(parts[0])
    return done
