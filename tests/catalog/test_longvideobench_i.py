"""LongVideoBench with frames interleaved among subtitles (longvideobench_val_i) end to end on the fixture mirror (the
parquet in the card's schema, videos/ and subtitles/ as lmms-eval's cache holds them): the prompt's frames in place,
each frame an image part keyed by the video, its sampling and its position, decoded lazily (the video once for all its
frames), a frame past the file's end as that question's error, and a tiny video model of a real architecture answering."""

from __future__ import annotations

import importlib.util
from dataclasses import replace

import pytest
from helpers import run_tasks
from make_fixtures import video_bytes, write_long_video, write_longvideobench_subtitles

from evals.data import media
from evals.data.media import MediaDecoder, MediaError
from evals.requests import MediaPart, TextPart, VideoSampling
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASK = "longvideobench_val_i"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = write_longvideobench_subtitles(write_long_video(tmp_path_factory.mktemp("lvb-i")))
    # The 120 s rows' video as long as they say (1 fps); zz9Qk2 stays 4 s against its rows' 2400 s: past its end.
    (root / "longvideobench/LongVideoBench/videos/86CxyhFV9MI.mp4").write_bytes(video_bytes(n=120, fps=1, codec="mpeg4", container="mp4"))
    return root


def test_the_frames_sit_among_the_subtitles_and_the_task_scores(mirror, tmp_path):
    r = run_tasks([load_task(TASK)], mirror, tmp_path / "run", "B").tasks[TASK]
    assert (r.n_samples, r.n_errors) == (4, 0) and r.metrics["accuracy"].value == pytest.approx(0.5)
    first = next(iter(iter_samples(tmp_path / "run", TASK))).prompt[-1]["content"]
    assert [(c["type"], c.get("frame", c.get("text"))) for c in first[:3]] == [
        ("image", 0), ("text", "hello and welcome\na short cue near a frame"), ("image", 1)]
    assert [c["frame"] for c in first if c["type"] == "image"] == list(range(16))
    assert first[-1]["text"].startswith("goodbye\nWhich is right about moment 0?\nA. A cup\n")


@pytest.fixture
def decodes(monkeypatch):
    """The calls of ``decode_video`` the test makes (it still decodes)."""
    calls, real = [], media.decode_video
    monkeypatch.setattr(media, "decode_video", lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def _frames(data: bytes, duration: float) -> list[MediaPart]:
    video = MediaPart("video", "video/x-matroska", "v1", data=data, sampling=VideoSampling(frames=16, duration_s=duration))
    return [replace(video, kind="image", frame=k) for k in range(video.sampling.stepped_count())]


def test_each_frame_is_its_own_key_and_the_video_is_decoded_once(decodes):
    parts = _frames(video_bytes(n=40, fps=4), 10.0)  # 10 frames, int(40 / 10) = 4 apart
    assert len({p.identity for p in parts}) == 10 and all(p.needs_decoding for p in parts)
    other = _frames(video_bytes(n=40, fps=4), 9.0)[0]  # another duration: another sampling, another key for frame 0
    assert other.identity != parts[0].identity and replace(parts[0], kind="video", frame=None).identity not in {p.identity for p in parts}
    decoder = MediaDecoder(None)
    levels = [decoder.decode(p).getpixel((0, 0))[0] for p in parts]
    assert len(decodes) == 1  # one decode of the video for its ten frames
    assert levels == pytest.approx([8 * 4 * k % 256 for k in range(10)], abs=3)  # frame i is grey 8 * i mod 256 (lossless ffv1)


def test_a_frame_past_the_end_fails_all_frames_of_that_video_once(decodes):
    parts = _frames(video_bytes(n=12, fps=4), 120.0)
    decoder = MediaDecoder(None)
    for p in parts[:3]:
        with pytest.raises(MediaError, match="past the video's end"):
            decoder.decode(p)
    assert len(decodes) == 1


def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    adapter = create_adapter(f"hf:{tiny_model('qwen2_5_vl')}", {})
    spec = load_task(TASK)
    spec = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": 4})})
    try:
        r = run_tasks([spec], mirror, tmp_path / "run", "", adapter=adapter).tasks[TASK]
    finally:
        adapter.close()
    # The 120 s video's two questions answered on 16 frames each; the 4 s file's, asked for frames to 2250 s, fail.
    assert (r.n_samples, r.n_errors, r.n_scored) == (4, 2, 2)
    errors = [s.error for s in iter_samples(tmp_path / "run", TASK) if s.error]
    assert len(errors) == 2 and all("past the video's end" in e for e in errors)
