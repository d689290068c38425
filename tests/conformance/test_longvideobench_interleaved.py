"""LongVideoBench's interleaved setting (longvideobench_val_i) against lmms-eval's own code, case by case.

``data/longvideobench_interleaved.json`` holds what lmms-eval's ``longvideobench_doc_to_text`` (with the
longvideobench_val_i kwargs) returned for adversarial subtitle files and durations, and the frame indices its
``longvideobench_doc_to_visual_i`` (``load_video``) asked decord for, when they were run (repository, path, commit and
command in the file's ``source``). The planned prompt, frames as ``<image>`` and parts joined by newlines, must be that
text; the stepped sampling must pick those indices. Departures pinned here: the post_prompt's final newline is dropped
(omnieval trims a prompt's trailing newlines), and a frame past the file's end is the question's error (decord raised).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.data.media import MediaError, stepped_frames
from evals.requests import TextPart, VideoSampling
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

DATA = json.loads((Path(__file__).parent / "data" / "longvideobench_interleaved.json").read_text(encoding="utf-8"))
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(64)  # planning reads a video's bytes, never decodes them


def test_the_official_outputs_say_where_they_come_from():
    source = DATA["source"]
    assert source["repository"] == "EvolvingLMMs-Lab/lmms-eval" and len(source["commit"]) == 40 and source["command"]
    assert source["path"] == "lmms_eval/tasks/longvideobench/utils.py"
    assert len(DATA["doc_to_text"]) >= 6 and len(DATA["load_video"]) >= 9


def _planned_text(case: dict) -> tuple[str, list[int]]:
    row = {"id": "q", "video_path": {"bytes": VIDEO, "path": None}, "subtitles": case["subtitles"], "duration": case["duration"],
           "starting_timestamp_for_subtitles": case["starting_timestamp_for_subtitles"], "question": case["question"],
           **{f"option{i}": o for i, o in enumerate(case["options"])}, "correct_choice": 0, "duration_group": 600,
           "question_category": "S2E"}
    sample = RequestPlanner(load_task("longvideobench_val_i")).plan(0, row)
    assert sample.error is None, sample.error
    parts = sample.request.messages[-1].content
    text = "\n".join(p.text if isinstance(p, TextPart) else "<image>" for p in parts)
    return text, [p.frame for p in parts if not isinstance(p, TextPart)]


@pytest.mark.parametrize("case", DATA["doc_to_text"], ids=lambda c: f"{c['duration']}s")
def test_the_prompt_is_lmms_evals(case):
    text, frames = _planned_text(case)
    assert text == case["doc_to_text"].removesuffix("\n")  # the post_prompt's final newline: the one departure
    # Each <image> is the next sampled frame, as many frames as load_video takes (min(16, int(duration))).
    assert frames == list(range(min(16, int(case["duration"]))))


@pytest.mark.parametrize("case", DATA["load_video"], ids=lambda c: f"{c['duration']}s@{c['fps']}")
def test_the_frames_are_load_videos(case):
    sampling = VideoSampling(frames=16, duration_s=case["duration"])
    if "error" in case:  # decord refused an index past the file's end: the question's error here
        with pytest.raises(MediaError, match="past the video's end"):
            stepped_frames(sampling, case["fps"], case["n_frames"])
        return
    assert sampling.stepped_count() == case["images"]
    if case["images"]:
        assert stepped_frames(sampling, case["fps"], case["n_frames"]) == case["indices"]
