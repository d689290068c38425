"""A long video costs no more memory to sample than a short one, beyond a few bytes a frame for its timeline
(``benchmarks/bench_long_video.py`` measures the process's peak for an hour against a minute)."""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from make_fixtures import video_bytes  # noqa: E402

from evals.data.media import decode_video  # noqa: E402
from evals.requests import VideoSampling  # noqa: E402


LENGTHS = (300, 2300)  # frames, at 50 fps


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("lengths")
    for n in LENGTHS:
        (root / f"{n}.mkv").write_bytes(video_bytes(n=n, fps=50, size=(16, 16), codec="mpeg4", container="matroska"))
    decode_video(str(root / f"{LENGTHS[0]}.mkv"), VideoSampling(frames=2))  # imports and PyAV's first-use allocations
    return root


def _peak_bytes(path: Path, sampling: VideoSampling) -> int:
    tracemalloc.start()
    try:
        decode_video(str(path), sampling)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("sampling", [VideoSampling(frames=8), VideoSampling(fps=1, max_frames=8)], ids=["frames", "fps"])
def test_the_memory_of_sampling_a_video_grows_by_a_few_bytes_a_frame_not_by_python_objects(videos, sampling):
    short, long = (_peak_bytes(videos / f"{n}.mkv", sampling) for n in LENGTHS)
    per_frame = (long - short) / (LENGTHS[1] - LENGTHS[0])
    # Arrays of the frames' times: ~30 bytes a frame at the peak; Python lists and sets of them took over 110 (an hour at
    # 25 fps: 15 MB more than a minute, over the 10% the benchmark allows).
    assert per_frame < 64, f"{per_frame:.0f} bytes per frame of the video held while sampling it"
