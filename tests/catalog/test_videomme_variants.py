"""Video-MME at the model cards' other settings: 16 frames (Phi-4-multimodal) and frames with the sound track (MiniCPM-o
4.5's Video-MME-Short w/ audio, the ``duration: short`` subgroup). No model is loaded: an adapter that has the engine
decode each video records what a video model would be given."""

from __future__ import annotations

import zipfile

import pytest
from helpers import run_tasks
from make_fixtures import VIDEOMME, video_bytes, videomme_part, write_parts

from evals.adapters.base import Capabilities
from evals.adapters.baseline import BaselineAdapter, BaselineArgs
from evals.errors import OmniEvalError
from evals.spec.catalog import load_task


class _Recorder(BaselineAdapter):
    """``baseline:constant`` that decodes its videos as a video model's requests are decoded, and keeps what it saw."""

    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, video=True, batch=True, audio_sampling_rate=16000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: list[tuple[int, int | None]] = []

    def generate(self, requests):
        for r in requests:
            for p in r.videos:
                clip = r.media.video(p)
                self.seen.append((len(clip.frames), None if clip.audio is None else len(clip.audio[0])))
        return super().generate(requests)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """Video-MME's parquet, and videos of 2 s (12 frames at 6 fps) with a 16 kHz sound track, as the real mp4s have."""
    root = write_parts(tmp_path_factory.mktemp("videomme"), [videomme_part()])
    with zipfile.ZipFile(root / "lmms-eval" / "Video-MME" / "videos_chunked_01.zip", "w") as z:
        for _, yid, *_rest in VIDEOMME:
            z.writestr(f"data/{yid}.mkv", video_bytes(n=12, fps=6, audio_rate=16000))
    return root


def test_sixteen_frames_and_the_sound_track_reach_the_model_and_the_short_videos_are_a_subgroup(mirror, tmp_path, _isolated_cache):
    reader = _Recorder("constant", BaselineArgs(text="The best answer is C."))
    results = run_tasks([load_task("videomme_16f"), load_task("videomme_w_audio")], mirror, tmp_path / "run", "", adapter=reader).tasks
    assert [n for n, _ in reader.seen[:6]] == [16] * 6 and all(a is None for _, a in reader.seen[:6])  # frames only
    # 32 frames and the 2 s of sound (the span of the frames plus one frame's length) at the model's 16 kHz
    assert [n for n, _ in reader.seen[6:]] == [32] * 6 and all(a == pytest.approx(32000, abs=200) for _, a in reader.seen[6:])
    for name in ("videomme_16f", "videomme_w_audio"):
        r = results[name]
        assert r.n_errors == 0 and r.metrics["accuracy"].value == pytest.approx(1 / 6)
        duration = next(s for s in r.subgroups if s.field == "duration")
        assert duration.groups["short"]["accuracy"].value == pytest.approx(1 / 3)  # the card's Video-MME-Short


def test_the_sound_track_is_asked_of_the_model(mirror, tmp_path):
    deaf = _Recorder("constant", BaselineArgs(text="C"))
    deaf.declared_capabilities = Capabilities(image=True, multi_image=True, video=True, batch=True)
    with pytest.raises(OmniEvalError, match="videomme_w_audio"):
        run_tasks([load_task("videomme_w_audio")], mirror, tmp_path / "run", "", adapter=deaf)
