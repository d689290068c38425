"""Long videos: the peak memory of decoding a 1-hour video within a task's sampling, against a 1-minute one.

    .venv/bin/python benchmarks/bench_long_video.py [--long 3600] [--short 60] [--fps 25] [--task lvbench]

Two synthetic videos of one frame size, frame rate and keyframe interval (``bench_video.write_video``: MPEG-4 Part 2
in MP4, here 320x180, a keyframe every 2 s, moving content), one ``--long`` seconds, one ``--short``, are written once
into a temporary folder. A fresh child process per video opens it through ``media_part`` (a file inside the dataset's root, as a
loader gives it) and decodes it with ``MediaDecoder`` under the named task's ``video:`` sampling, as a run does;
it reports its peak RSS (``VmHWM``) and the peak RSS of the same process after the imports alone, so the figure
compared is what decoding added. Target: the long video's peak within 10% of the short one's (memory flat in the
video's length: only the sampled frames are held, never the video).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_video import write_video  # noqa: E402  (the same synthetic video: MPEG-4, a keyframe every 2 s, moving content)


_CHILD = r'''
import dataclasses, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from evals.data.media import LoaderFile, MediaDecoder, media_part
from evals.requests import VideoSampling
from evals.spec.catalog import load_task

def peak_mb():
    return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024

video = load_task(sys.argv[2]).video
sampling = VideoSampling(frames=video.frames, fps=video.fps, max_frames=video.max_frames)
before = peak_mb()
part = media_part("video", LoaderFile(sys.argv[3]))
part = dataclasses.replace(part, sampling=sampling)
frames = MediaDecoder(16000).decode(part)
print(json.dumps({"imports_mb": before, "peak_mb": peak_mb(), "frames": len(frames.frames), "n_frames": frames.n_frames}))
'''


def measure(root: str, task: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, root, task, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", type=int, default=3600, help="seconds of the long video")
    parser.add_argument("--short", type=int, default=60, help="seconds of the short video")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--task", default="lvbench", help="whose video: sampling to decode with")
    args = parser.parse_args()
    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as tmp:
        result: dict = {"task": args.task, "fps": args.fps}
        for name, seconds in (("short", args.short), ("long", args.long)):
            path = Path(tmp) / f"{name}.mp4"
            write_video(path, seconds, args.fps, size=(320, 180))
            result[name] = {"seconds": seconds, "file_mb": round(path.stat().st_size / 2**20, 1), **measure(root, args.task, path)}
    short, long = (result[k]["peak_mb"] - result[k]["imports_mb"] for k in ("short", "long"))
    result["decode_added_mb"] = {"short": round(short, 1), "long": round(long, 1)}
    result["peak_ratio"] = round(result["long"]["peak_mb"] / result["short"]["peak_mb"], 3)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
