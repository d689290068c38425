"""Video-MME from its mirror layout: videos inside the repo's zip chunks, extracted only when a selected question needs them."""

from __future__ import annotations

import zipfile

import pytest
from helpers import run_tasks
from make_fixtures import VIDEOMME, write_fixtures

from evals.adapters.base import Capabilities
from evals.adapters.baseline import BaselineAdapter, BaselineArgs
from evals.errors import DataError
from evals.results import iter_samples
from evals.scoring.metrics.videomme import videomme_letter
from evals.spec.catalog import load_task


@pytest.mark.parametrize("prediction, letter", [
    ("C", "C"), ("The best answer is B.", "B"), ("(D) grey", "D"), ("Best option: A", "A"),
    ("I think the video shows a person walking along a beach at sunset with a dog", None),  # no A-D at all
    ("none of them", None),
    # lmms-eval's extract_mcq_answer: the highest-ranked form wins, the latest of equals (tests/conformance has 179 more)
    ("A or B", "A"),  # the start outranks the end
    ("The answer is A because B is wrong", "B"),  # both follow the phrase: the later one
    ("(A) red (B) green (C) blue", "C"), ("Bob", "B"),  # a letter anywhere, when no form matches
])
def test_videomme_reads_answers_as_lmms_evals_extract_mcq_answer(prediction, letter):
    assert videomme_letter(prediction)[0] == letter


class _FrameReader(BaselineAdapter):
    """``baseline:constant`` that has the engine decode its videos, as a video model does (so they are extracted)."""

    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, video=True, batch=True)

    def generate(self, requests):
        assert all(len(r.media.video(p).frames) for r in requests for p in r.videos)
        return super().generate(requests)


def test_only_the_videos_of_selected_questions_are_extracted_once_and_questions_cluster_by_video(fixture_mirror, tmp_path,
                                                                                                _isolated_cache):
    spec = load_task("videomme")
    reader = _FrameReader("constant", BaselineArgs(text="A"))
    result = run_tasks([spec], fixture_mirror, tmp_path / "one", "A", limit=2, adapter=reader).tasks["videomme"]
    extracted = sorted(p for p in (_isolated_cache / "videos").iterdir() if p.is_file())
    assert result.n_samples == 2 and len(extracted) == 2  # rows 0 and 3: one question of each video
    run_tasks([spec], fixture_mirror, tmp_path / "all", "A", adapter=reader)
    assert sorted(p for p in (_isolated_cache / "videos").iterdir() if p.is_file()) == extracted  # nothing extracted twice
    records = list(iter_samples(tmp_path / "all", "videomme"))
    assert len(records) == 6 and len({r.cluster for r in records}) == 2  # intervals resample videos, not questions


def test_a_video_missing_from_the_archives_is_an_error_for_its_questions_only(tmp_path):
    root = write_fixtures(tmp_path / "mirror", {"lmms-eval/Video-MME"})
    archive = root / "lmms-eval" / "Video-MME" / "videos_chunked_01.zip"
    with zipfile.ZipFile(archive) as z:
        kept = {n: z.read(n) for n in z.namelist() if VIDEOMME[1][1] not in n}
    with zipfile.ZipFile(archive, "w") as z:
        for name, data in kept.items():
            z.writestr(name, data)
    result = run_tasks([load_task("videomme")], root, tmp_path / "run", "A").tasks["videomme"]
    assert (result.n_samples, result.n_errors) == (6, 3)
    errors = {r.error for r in iter_samples(tmp_path / "run", "videomme") if r.error}
    assert errors == {f"media: video '{VIDEOMME[1][1]}' is in none of videos_chunked_01.zip"}


def test_video_mme_needs_a_mirror():
    from evals.data.open import open_dataset

    with pytest.raises(DataError, match=r"its videos are read from a mirror: put the files of lmms-eval/Video-MME"):
        open_dataset(load_task("videomme"), None)


def test_subtitles_are_the_lines_showing_at_the_sampled_frames(fixture_mirror, tmp_path, _isolated_cache):
    from evals.data.loaders import FrameSubtitles
    from evals.data.media import MediaArchive

    repo = fixture_mirror / "lmms-eval" / "Video-MME"

    def member(archive: str, name: str, kind: str):
        with zipfile.ZipFile(repo / archive) as z:
            infos = z.infolist()
        source = MediaArchive(repo / archive, infos, _isolated_cache / "videos", "lmms-eval/Video-MME", archive)
        return source.member(next(i for i in infos if i.filename == name), kind)

    video = member("videos_chunked_01.zip", f"data/{VIDEOMME[0][1]}.mp4", "video")
    srt = member("subtitle.zip", f"subtitle/{VIDEOMME[0][1]}.srt", "subtitles")
    # 12 frames at 6 fps; 3 sampled: 0, 5, 11. Cues at frames [0, 2), [4, 6), [7, 9), [10, 12): the first, the second
    # (no <font> tag: left out, as lmms-eval does) and the last show.
    assert str(FrameSubtitles(video, srt, 3)) == "Welcome back.\nThe last frame's line."
    assert str(FrameSubtitles(video, srt, 32)).count("\n") == 2  # every frame sampled: the three tagged
    assert str(FrameSubtitles(video, None, 3)) == "No subtitles available"  # no subtitle file, as lmms-eval
    assert not (_isolated_cache / "videos").exists()  # the frame count was read from the archive as it streams

    run_tasks([load_task("videomme_w_subtitle")], fixture_mirror, tmp_path / "run", "A")
    prompts = {r.id: r.prompt[0]["content"][-1]["text"] for r in iter_samples(tmp_path / "run", "videomme_w_subtitle")}
    shown = "Welcome back.\nSeen only when every frame is.\nThe last frame's line."
    assert f"listed below: \n{shown}\nSelect the best answer" in prompts["001-1"]
    assert "listed below: \nNo subtitles available\nSelect the best answer" in prompts["301-1"]


def test_mvbench_finds_each_clip_under_its_sources_folder_though_file_names_repeat(tmp_path, _isolated_cache):
    from make_fixtures import MVBENCH_FOLDERS

    from evals.data.media import MediaArchive

    root = write_fixtures(tmp_path / "mirror", {"OpenGVLab/MVBench"})
    shas = {}
    for sub in ("action_sequence", "moving_count", "action_count"):
        run_tasks([load_task(f"mvbench_{sub}")], root, tmp_path / sub, "A")
        [record] = [r for r in iter_samples(tmp_path / sub, f"mvbench_{sub}") if r.index == 0]
        shas[sub] = record.prompt[0]["content"][0]["sha"]
        folder = MVBENCH_FOLDERS[sub]
        archive = root / "OpenGVLab" / "MVBench" / "video" / f"{folder.split('/')[0]}.zip"
        with zipfile.ZipFile(archive) as z:
            infos, info = z.infolist(), z.getinfo(f"{folder}/clip0.mp4")
        source = MediaArchive(archive, infos, tmp_path, "OpenGVLab/MVBench", f"video/{archive.name}")
        assert shas[sub] == source.member(info, "video").sha  # its source's clip0.mp4
    assert len(set(shas.values())) == 3  # three sources, three different files named clip0.mp4
