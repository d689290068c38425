"""Video: which frames a task's sampling picks (indices and times), segments, the sound track, and bad files as errors."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from make_fixtures import video_bytes  # noqa: E402

from evals.data.media import MediaDecoder, MediaError, decode_video, media_part  # noqa: E402
from evals.requests import GenerationSettings, Message, TextPart, VideoSampling, request_key  # noqa: E402

VIDEO = video_bytes(n=30, fps=10)  # frame i: grey level 8 i, at i / 10 s


def _levels(frames) -> list[int]:
    return [int(np.asarray(f)[0, 0, 0]) for f in frames]


@pytest.mark.parametrize("sampling, indices", [
    (VideoSampling(frames=4), [0, 9, 19, 29]),  # numpy.linspace(0, 29, 4) rounded down: first and last included
    (VideoSampling(frames=1), [0]),
    (VideoSampling(frames=30), list(range(30))),
    (VideoSampling(frames=40), [int(i) for i in np.linspace(0, 29, 40, dtype=int)]),  # more than the clip has: repeats
    (VideoSampling(fps=2), [0, 5, 10, 15, 20, 25]),  # one frame every 0.5 s, the first at or after each tick
    (VideoSampling(fps=2, max_frames=3), [0, 10, 25]),  # 6 ticks, 3 kept: linspace(0, 5, 3) -> 0, 2, 5
    (VideoSampling(fps=20), list(range(30))),  # faster than the video: each frame once
    (VideoSampling(frames=3, start_s=1.0, end_s=2.0), [10, 14, 19]),  # the segment [1, 2) s holds frames 10..19
    (VideoSampling(fps=2, start_s=2.2), [22, 27]),  # from the first frame at or after 2.2 s, every 0.5 s
])
def test_sampling_picks_exactly_these_frames_at_these_times(sampling, indices):
    video = decode_video(VIDEO, sampling)
    assert video.indices == indices
    assert video.timestamps == pytest.approx([i / 10 for i in indices])
    assert video.fps == 10.0
    assert _levels(video.frames) == pytest.approx([8 * i for i in indices], abs=2)  # lossless up to YUV rounding
    assert video.audio is None


def test_a_file_and_its_bytes_decode_alike_and_the_image_bound_applies(tmp_path):
    path = tmp_path / "clip.mkv"
    path.write_bytes(VIDEO)
    part = media_part("video", str(path.name), tmp_path)
    assert part.path and part.mime.startswith("video/")
    decoder = MediaDecoder(sampling_rate=16000, max_image_side=16)
    from_file = decoder.video(replace(part, sampling=VideoSampling(frames=5)))
    from_bytes = decode_video(VIDEO, VideoSampling(frames=5), max_side=16)
    assert from_file.indices == from_bytes.indices and _levels(from_file.frames) == _levels(from_bytes.frames)
    assert all(max(f.size) == 16 for f in from_file.frames)


def test_the_sound_track_of_the_segment_comes_resampled_to_the_models_rate():
    clip = video_bytes(n=30, fps=10, audio_rate=8000)  # 3 s, a 440 Hz tone
    whole = decode_video(clip, VideoSampling(frames=2, audio=True), sampling_rate=16000)
    samples, rate = whole.audio
    assert rate == 16000 and len(samples) == pytest.approx(3 * 16000, abs=16)
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.fft.rfftfreq(len(samples), 1 / 16000)[spectrum.argmax()] == pytest.approx(440, abs=2)
    segment = decode_video(clip, VideoSampling(frames=2, start_s=1.0, end_s=2.0, audio=True), sampling_rate=16000)
    assert len(segment.audio[0]) == pytest.approx(16000, abs=16)  # frames 10..19 span [1.0, 2.0) s
    with pytest.raises(MediaError, match="no audio track"):
        decode_video(VIDEO, VideoSampling(frames=2, audio=True))


@pytest.mark.parametrize("data, says", [
    (b"\x1a\x45\xdf\xa3" + b"\x00" * 200, "cannot"),  # a Matroska signature and nothing else
    (VIDEO[: len(VIDEO) // 3], None),  # truncated: decodes what is there, or says why
    (b"not a video at all", "cannot"),
])
def test_a_broken_video_is_a_media_error_never_a_crash(data, says):
    try:
        video = decode_video(data, VideoSampling(frames=4))
    except MediaError as e:
        assert says is None or says in str(e)
    else:
        assert says is None and len(video.frames) == 4


def test_a_segment_without_frames_says_so():
    with pytest.raises(MediaError, match=r"no video frames in \[5, 6\) s \(the video lasts 2.9 s\)"):
        decode_video(VIDEO, VideoSampling(frames=2, start_s=5, end_s=6))


def test_the_sampling_is_part_of_the_request_key():
    part = media_part("video", VIDEO)
    settings = GenerationSettings()

    def key(sampling):
        return request_key([Message("user", [replace(part, sampling=sampling), TextPart("What happens?")])], settings)

    keys = {key(VideoSampling(frames=8)), key(VideoSampling(frames=16)), key(VideoSampling(fps=1)),
            key(VideoSampling(frames=8, start_s=0, end_s=180)), key(VideoSampling(frames=8, start_s=180, end_s=360)),
            key(VideoSampling(frames=8, audio=True))}
    assert len(keys) == 6 and key(VideoSampling(frames=8)) == key(VideoSampling(frames=8))


def test_a_video_condition_reaches_the_sampled_frames_and_only_video_tasks_take_it(tmp_path):
    from evals.run.conditions import condition_specs
    from evals.spec.catalog import load_task

    path = tmp_path / "clip.mkv"
    path.write_bytes(VIDEO)
    part = replace(media_part("video", path.name, tmp_path), sampling=VideoSampling(frames=10))
    decoder = MediaDecoder(sampling_rate=16000)
    clean = decoder.video(part)
    stalled = decoder.video(replace(part, condition="frame_drop:0.5"))
    assert stalled.indices == clean.indices and stalled.timestamps == clean.timestamps
    levels, shown = _levels(clean.frames), _levels(stalled.frames)
    assert shown[0] == levels[0] and sum(a != b for a, b in zip(shown, levels)) == 5
    assert all(s in levels[: i + 1] for i, s in enumerate(shown))  # each shown frame arrived at or before its time
    assert replace(part, condition="frame_drop:0.5").decode_key != part.decode_key
    names = [s.name for s in condition_specs([load_task("videomme"), load_task("harvard_asr")], ["clean", "frame_drop:0.5", "video_blur:2", "white_noise:10"])]
    assert names == ["videomme", "videomme.frame_drop_0.5", "videomme.video_blur_2", "harvard_asr", "harvard_asr.white_noise_10"]
