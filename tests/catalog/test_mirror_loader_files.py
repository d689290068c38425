"""What `omnieval data mirror` must fetch for the video and audio loaders (evals.data.loader_files): a stand-in Hub made
from the fixture mirrors laid out as the Hub holds them (videos in zips, tars and tar parts), a mirror made of only the
card, the split's data files and the loader's declared files, the archives unpacked as lmms-eval unpacks them; then the
loader reads every row's video from that mirror."""

from __future__ import annotations

import fnmatch
import io
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest
from make_fixtures import (DAILY_OMNI, write_charades_sta, write_daily_omni, write_long_video, write_video_holmes,
                           write_video_mc, write_videomme_zip, write_videommmu, write_parts, videomme_part)

from evals.data.loader_files import LOADER_FILES, loader_files, tar_groups, unpack_archives
from evals.data.media import ArchiveMember, LoaderFile
from evals.data.open import open_dataset
from evals.data.patterns import default_patterns, readme_patterns
from evals.errors import DataError
from evals.spec.catalog import load_task

ZIPPED = ["videomme", "charades_sta", "tempcompass_mc", "vsibench", "egoschema_subset", "perceptiontest_val_mc", "videommmu_perception"]
"""video_zips / video_zips_by_id tasks: the fixture mirror is the Hub's layout (the loader reads the zips as they are)."""
PACKED = {  # unpacked-layout fixture -> the Hub's archives: task -> (archive name, parts)
    "lvbench": ("videos.zip", 1), "longvideobench_val_v": ("videos.tar", 2), "tomato": ("tomato_videos_1.tar", 1),
    "daily_omni": ("Videos.tar", 1), "video_holmes": ("videos.zip", 1),
}


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixtures")
    for write in (write_long_video, write_video_mc, write_daily_omni, write_video_holmes, write_videomme_zip, write_charades_sta,
                  write_videommmu):
        write(root)
    write_parts(root, [videomme_part()])
    return root


def _hub_layout(src: Path, dst: Path, task: str) -> None:
    """``src`` (a fixture repo, videos unpacked) as the Hub holds it: the card, the split's files and the questions file
    kept; every other file packed into ``PACKED[task]``'s archive (a tar cut into that many parts)."""
    spec = load_task(task)
    keep = {"README.md", *[str(v) for k, v in (spec.dataset.data_files or {}).items() if k == "questions"]}
    files = [f for f in sorted(src.rglob("*")) if f.is_file()]
    packed = [f for f in files if str(f.relative_to(src)) not in keep and f.suffix != ".parquet"]
    for f in files:
        if f not in packed:
            (dst / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dst / f.relative_to(src))
    name, parts = PACKED[task]
    dst.mkdir(parents=True, exist_ok=True)
    if name.endswith(".zip"):
        with zipfile.ZipFile(dst / name, "w") as z:
            for f in packed:
                z.write(f, str(f.relative_to(src)))
        return
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for f in packed:
            t.add(f, str(f.relative_to(src)))
    data, cut = buf.getvalue(), len(buf.getvalue()) // parts + 1
    for k in range(parts):
        part = dst / (name if parts == 1 else f"{name}.part{k:02d}")
        part.write_bytes(data[k * cut:(k + 1) * cut])


def _mirror(hub: Path, task: str, out: Path) -> Path:
    """What `omnieval data mirror` fetches of ``task``'s repo (the card, the split's patterns, the loader's declared
    files), then the archives unpacked; returns the mirror root."""
    spec = load_task(task)
    repo = spec.dataset.path
    readme = (hub / repo / "README.md").read_text() if (hub / repo / "README.md").is_file() else ""
    patterns = ["README.md", *(readme_patterns(readme, spec.dataset.name, spec.dataset.split)
                               or default_patterns(spec.dataset.name, spec.dataset.split)), *loader_files(spec, repo)]
    for f in (hub / repo).rglob("*"):
        rel = str(f.relative_to(hub / repo))
        if f.is_file() and any(fnmatch.fnmatch(rel, p) for p in patterns):  # huggingface_hub's allow_patterns
            (out / repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, out / repo / rel)
    unpack_archives(spec, out / repo)
    return out


def _videos_read(task: str, mirror: Path) -> list[bool]:
    spec = load_task(task)
    col = spec.fields.video
    cells = [row.get(col) for _, row in open_dataset(spec, mirror).rows]
    # a file the loader found (LoaderFile), a member of an archive (ArchiveMember); a missing one is a {bytes: None} marker
    return [isinstance(c, (LoaderFile, ArchiveMember)) for c in cells]


def test_every_loader_reading_more_than_its_split_declares_its_files():
    one_task_each = ["videomme", "videommmu_perception", "lvbench", "daily_omni", "mmvu_mc", "motionbench_dev", "sonic_o1_mcq", "mmbench_video",
                     "openaudiobench_llama_questions", "open_asr_earnings22", "screenspot_pro", "screenspot_v2", "mmhal_bench",
                     "longvideobench_val_i", "omnispatial", "ref_l4_test", "visulogic", "mmar"]
    assert {load_task(t).dataset.loader for t in one_task_each} == set(LOADER_FILES)
    assert all(loader_files(load_task(t), load_task(t).dataset.path) for t in one_task_each)
    assert loader_files(load_task("videomme"), "lmms-eval/Video-MME") == ["videos_chunked_*.zip"]
    assert loader_files(load_task("charades_sta"), "lmms-lab/charades_sta") == ["Charades_v1_480_part_*.zip"]
    assert loader_files(load_task("daily_omni"), DAILY_OMNI) == ["qa.json", "*.zip", "*.tar", "*.tar.*"]
    assert loader_files(load_task("mmau_test_mini_v05_15_25"), "Sakshi113/MMAU") == ["mmau-test-mini.json", "test-mini-audios.tar.gz"]
    assert loader_files(load_task("avut_human"), "tsinghua-ee/AVUTBenchmark") == ["AV_Human_data.json", "*.zip", "*.tar", "*.tar.*",
                                                                                   "data/*"]  # its videos are loose files
    assert loader_files(load_task("mmvu_mc"), "yale-nlp/MMVU") == ["videos/*"]
    assert loader_files(load_task("videomme"), "some/other-repo") == []


@pytest.mark.parametrize("task", ZIPPED)
def test_a_mirror_of_the_declared_files_reads_every_zipped_video(unpacked, tmp_path, task):
    read = _videos_read(task, _mirror(unpacked, task, tmp_path))
    assert read and all(read), task


@pytest.mark.parametrize("task", sorted(PACKED))
def test_archives_fetched_and_unpacked_as_lmms_eval_does_give_every_video(unpacked, tmp_path, task):
    repo = load_task(task).dataset.path
    hub = tmp_path / "hub"
    _hub_layout(unpacked / repo, hub / repo, task)
    assert not [p for p in (hub / repo).rglob("*.mp4")]  # the videos only in the archives
    mirror = _mirror(hub, task, tmp_path / "mirror")
    read = _videos_read(task, mirror)
    assert read and all(read) and read == _videos_read(task, unpacked), task
    assert unpack_archives(load_task(task), mirror / repo) == []  # once


def test_tar_parts_group_as_lmms_eval_groups_them():
    names = [Path("r/videos.tar.part01"), Path("r/videos.tar.part00"), Path("r/audio_1.tar"), Path("r/audio_2.tar"), Path("r/x.tar")]
    assert tar_groups(names) == {Path("r/videos"): [Path("r/videos.tar.part00"), Path("r/videos.tar.part01")],
                                 Path("r/audio"): [Path("r/audio_1.tar"), Path("r/audio_2.tar")], Path("r/x"): [Path("r/x.tar")]}


def test_an_archive_member_outside_the_mirror_or_a_link_is_refused(tmp_path):
    spec = load_task("lvbench")
    repo = tmp_path / spec.dataset.path
    repo.mkdir(parents=True)
    with zipfile.ZipFile(repo / "bad.zip", "w") as z:
        z.writestr("../../escape.mp4", b"x")
    with pytest.raises(DataError, match="outside"):
        unpack_archives(spec, repo)
    assert not (tmp_path / "escape.mp4").exists()
    (repo / "bad.zip").unlink()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        link = tarfile.TarInfo("videos/a.mp4")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        t.addfile(link)
    (repo / "links.tar").write_bytes(buf.getvalue())
    with pytest.raises(DataError, match="link"):
        unpack_archives(spec, repo)

