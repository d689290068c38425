"""Video parts are placed by ``<video>`` like images by ``<image>``, and the viewer shows them in a ``<video>`` element."""

from __future__ import annotations

import pytest

from evals.data.media import MediaError, media_part

TASK = """
name: video_placeholders
modality: image
kind: vqa
dataset: {path: local/x, split: test}
fields:
  image: image
  question: question
  references: answer
prompt:
  user: "Watch <video> then look at <image 2>, then <video 1> again. {{ question }}"
scorers:
  - name: exact_match
"""


@pytest.fixture
def planner(tmp_path):
    from evals.run.plan import RequestPlanner
    from evals.spec.catalog import load_task

    (tmp_path / "video_placeholders.yaml").write_text(TASK)
    return RequestPlanner(load_task(str(tmp_path / "video_placeholders.yaml")))


def test_video_placeholders_place_video_parts_and_unplaced_media_lead(planner):
    images = [media_part("image", b"\x89PNG-a"), media_part("image", b"\x89PNG-b")]
    video = media_part("video", b"\x00\x00\x00\x18ftypisom-video")
    audio = media_part("audio", b"RIFF....WAVE")
    messages = planner._render({"question": "What happens?"}, {"image": images, "audio": [audio], "video": [video]})
    content = messages[-1].content
    kinds = [getattr(p, "text", None) or p.kind for p in content]
    assert kinds == ["image", "audio", "Watch ", "video", " then look at ", "image", ", then ", "video", " again. What happens?"]
    assert content[0] is images[0] and content[5] is images[1] and content[3] is content[7] is video


def test_the_viewer_lists_video_refs_and_writes_playable_videos(tmp_path):
    from evals.report.viewer import _media_refs, _write_part

    prompt = [{"role": "user", "content": [{"type": "video", "sha": "abcdef012345"}, {"type": "image", "sha": "0123456789ab"},
                                           {"type": "text", "text": "q"}]}]
    assert _media_refs(prompt) == [("video", "abcdef012345"), ("image", "0123456789ab")]
    mp4 = media_part("video", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64)
    assert _write_part(mp4, tmp_path) == f"{mp4.sha}.mp4"
    assert (tmp_path / f"{mp4.sha}.mp4").read_bytes() == mp4.data
    avi = media_part("video", b"RIFF\x00\x00\x00\x00AVI LIST")
    assert avi.mime == "video/x-msvideo" and _write_part(avi, tmp_path) is None  # browsers cannot play it: not shown


def test_the_task_page_shows_video_media_in_a_video_element(tmp_path):
    """In headless Chromium: each media type gets its own element."""
    import os

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("/usr/bin/chromium is absent")
    sync_api = pytest.importorskip("playwright.sync_api")
    from evals.report.render_html import render_task_page

    media = [{"type": "video", "sha": "aaaaaa", "src": "media/aaaaaa.mp4"}, {"type": "audio", "sha": "bbbbbb", "src": "media/bbbbbb.flac"},
             {"type": "image", "sha": "cccccc", "src": "media/cccccc.png"}, {"type": "video", "sha": "dddddd", "src": None}]
    data = {"task": "t", "scorer": "exact_match", "metric": "exact_match", "lower_is_better": False, "models": ["m"], "media_note": None,
            "samples": [{"id": "1", "index": 0, "prompt": "p", "media": media, "references": ["x"], "choices": None,
                         "outputs": {"m": {"prediction": "x", "error": None, "score": 1.0, "wrong": False}}}]}
    page_file = tmp_path / "t.html"
    page_file.write_text(render_task_page({"columns": [], "cells": []}, "t", data), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            sources = {tag: page.eval_on_selector_all(f"#samples {tag}", "els => els.map(e => e.getAttribute('src'))")
                       for tag in ("video", "audio", "img")}
            missing = page.inner_text("#samples")
        finally:
            browser.close()
    assert sources == {"video": ["media/aaaaaa.mp4"], "audio": ["media/bbbbbb.flac"], "img": ["media/cccccc.png"]}
    assert "[video dddddd not available]" in missing


def test_the_viewer_does_not_decode_a_decompression_bomb(tmp_path):
    import struct
    import zlib

    from evals.report.viewer import _write_image

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")
    with pytest.raises(MediaError):
        _write_image(bomb, tmp_path / "bomb.png")
    assert not (tmp_path / "bomb.png").exists()
