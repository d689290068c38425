"""Video decoding: frames through omnieval's decoder against a raw PyAV loop on the same files and sampling.

    .venv/bin/python benchmarks/bench_video.py [--videos 8] [--seconds 60] [--frames 16] [--repeats 3]

Synthetic H.264-free test videos (MPEG-4 Part 2 in MP4, 640x360, 25 fps, a keyframe every 2 s, moving content)
are written once into a temporary folder. The raw loop is what harnesses commonly do (lmms-eval's
``read_video_pyav``): decode every frame in order and keep those at ``numpy.linspace(0, n - 1, frames)``.
omnieval's ``decode_video`` reads the packets' timestamps first, then decodes from the segment start up to the
last wanted frame. Both must return the same frame indices (checked). Reported: medians over ``--repeats``
alternating runs, sampled frames per second for each, their ratio (omnieval / raw), and the peak RSS of a child
process decoding every video in turn (flat memory: it must not grow with the number of videos).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.data.media import decode_video  # noqa: E402
from evals.requests import VideoSampling  # noqa: E402


def write_video(path: Path, seconds: int, fps: int = 25, size: tuple[int, int] = (640, 360)) -> None:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.gop_size = 2 * fps
        stream.bit_rate = 800_000
        x = np.linspace(0, 4 * np.pi, size[0])
        for i in range(seconds * fps):
            row = (127 + 120 * np.sin(x + i / 10)).astype(np.uint8)
            frame = np.repeat(np.repeat(row[None, :, None], size[1], 0), 3, 2)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def raw_loop(path: Path, frames: int) -> list[int]:
    """Decode every frame, keep the sampled ones as RGB arrays (lmms-eval's read_video_pyav)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = [f for f in container.decode(stream)]
        wanted = np.linspace(0, len(decoded) - 1, frames, dtype=int)
        kept = [decoded[i].to_ndarray(format="rgb24") for i in wanted]
    assert len(kept) == frames
    return [int(i) for i in wanted]


def ours(path: Path, frames: int) -> list[int]:
    video = decode_video(str(path), VideoSampling(frames=frames))
    return video.indices


_PEAK = r'''
import sys
sys.path.insert(0, sys.argv[1])
from evals.data.media import decode_video
from evals.requests import VideoSampling
for p in sys.argv[3:]:
    decode_video(p, VideoSampling(frames=int(sys.argv[2])))
print(int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) // 1024)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"v{k}.mp4" for k in range(args.videos)]
        for p in paths:
            write_video(p, args.seconds)
        raw_s, our_s = [], []
        for k in range(args.repeats):
            for side in (("raw", "ours") if k % 2 == 0 else ("ours", "raw")):
                start = time.perf_counter()
                got = [(raw_loop if side == "raw" else ours)(p, args.frames) for p in paths]
                (raw_s if side == "raw" else our_s).append(time.perf_counter() - start)
                if side == "raw":
                    raw_indices = got
                else:
                    our_indices = got
            assert raw_indices == our_indices, "omnieval and the raw loop sampled different frames"
        root = str(Path(__file__).resolve().parents[1])
        peaks = {n: int(subprocess.run([sys.executable, "-c", _PEAK, root, str(args.frames), *map(str, paths[:n])], capture_output=True,
                                       text=True, check=True).stdout) for n in (1, args.videos)}
    n_frames = args.videos * args.frames
    result = {"videos": args.videos, "seconds_each": args.seconds, "frames_each": args.frames,
              "raw_s": statistics.median(raw_s), "omnieval_s": statistics.median(our_s),
              "raw_frames_per_s": n_frames / statistics.median(raw_s), "omnieval_frames_per_s": n_frames / statistics.median(our_s),
              "ratio": statistics.median(raw_s) / statistics.median(our_s), "raw_all": raw_s, "omnieval_all": our_s,
              "peak_rss_mb": {"1 video": peaks[1], f"{args.videos} videos": peaks[args.videos]}}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
