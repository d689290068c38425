"""Dataset loading through `datasets` from mirrors in a public set's schema; media decoding."""

from __future__ import annotations

import numpy as np
import pytest
from core_fixtures import flac_bytes, write_task, write_vqav2_mirror

from evals.spec.catalog import load_task
from evals.data.open import open_dataset
from evals.data.source import select_rows
from evals.errors import DataError
from evals.data.media import MediaError, decode_audio, decode_image
from evals.run.plan import RequestPlanner


def test_mirror_rows_map_onto_requests(tmp_path):
    write_vqav2_mirror(tmp_path / "mirror", 4)
    spec = load_task(str(write_task(tmp_path)))
    source = open_dataset(spec, tmp_path / "mirror")
    assert source.num_rows == 4 and source.origin.startswith("mirror:")
    planner = RequestPlanner(spec, source.columns)
    samples = [planner.plan(i, row) for i, row in source.rows]
    first = samples[0]
    assert first.id == "5000"
    assert first.references == ["yes"] * 10
    assert first.subgroups == {"answer_type": "yes/no"}
    parts = first.request.messages[0].content
    assert [p.type for p in parts] == ["image", "text"]
    assert parts[1].text == "Is the sky blue?\nAnswer the question using a single word or phrase."
    assert parts[0].data.startswith(b"\x89PNG") and parts[0].kind == "image"  # still encoded
    assert first.request.modality == "image" and len(first.request.media) == 0  # nothing decoded outside the engine
    assert len({s.request.key for s in samples}) == 4


def test_two_mirrors_of_one_repo_never_share_rows(tmp_path):
    """datasets 5.2 caches local dirs by name: a second mirror must not return the first one's rows."""
    spec = load_task(str(write_task(tmp_path)))
    write_vqav2_mirror(tmp_path / "a", 3)
    write_vqav2_mirror(tmp_path / "b", 7, answer_of=lambda i: "no")
    a = open_dataset(spec, tmp_path / "a")
    rows_a = list(a.rows)
    b = open_dataset(spec, tmp_path / "b")
    rows_b = list(b.rows)
    assert len(rows_a) == 3 and len(rows_b) == 7
    assert {r["multiple_choice_answer"] for _, r in rows_b} == {"no"}
    assert a.fingerprint != b.fingerprint
    # The same mirror rewritten in place is read afresh too.
    write_vqav2_mirror(tmp_path / "a", 5, answer_of=lambda i: "maybe")
    again = open_dataset(spec, tmp_path / "a")
    rows = list(again.rows)
    assert len(rows) == 5 and rows[0][1]["multiple_choice_answer"] == "maybe"
    assert again.fingerprint != a.fingerprint


def test_fingerprint_follows_content_not_location(tmp_path):
    """The same data mirrored at two paths (two machines) gives one task hash; the leaderboard relies on it."""
    spec = load_task(str(write_task(tmp_path)))
    write_vqav2_mirror(tmp_path / "lab1", 4)
    write_vqav2_mirror(tmp_path / "elsewhere" / "lab2", 4)
    assert open_dataset(spec, tmp_path / "lab1").fingerprint == open_dataset(spec, tmp_path / "elsewhere" / "lab2").fingerprint


def test_limit_is_deterministic_and_spread_over_the_split(tmp_path):
    write_vqav2_mirror(tmp_path / "m", 20)
    spec = load_task(str(write_task(tmp_path)))
    pick = lambda: [i for i, _ in select_rows(open_dataset(spec, tmp_path / "m"), 5).rows]  # noqa: E731
    first = pick()
    assert first == pick() == [0, 4, 8, 12, 16]


def test_missing_mirror_says_what_to_do(tmp_path):
    spec = load_task(str(write_task(tmp_path)))
    with pytest.raises(DataError, match=r"task vqav2_fixture: dataset lmms-lab/VQAv2 is not in the mirror .*omnieval data mirror vqav2_fixture"):
        open_dataset(spec, tmp_path / "empty")


def test_audio_decode_downmixes_and_resamples():
    audio, rate = decode_audio(flac_bytes(seconds=0.5, rate=44100, channels=2, freq=440.0), 16000)
    assert rate == 16000 and audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - 8000) <= 2
    spectrum = np.abs(np.fft.rfft(audio))
    peak_hz = np.argmax(spectrum) * 16000 / len(audio)
    assert abs(peak_hz - 440) < 5  # the tone survives resampling


def test_audio_keeps_rate_when_asked():
    audio, rate = decode_audio(flac_bytes(seconds=0.25, rate=22050, channels=1), None)
    assert rate == 22050 and len(audio) == int(0.25 * 22050)


def test_corrupt_media_raise_media_error():
    with pytest.raises(MediaError, match="cannot decode audio"):
        decode_audio(b"not audio at all")
    with pytest.raises(MediaError, match="cannot decode image"):
        decode_image(b"\x89PNG broken")
