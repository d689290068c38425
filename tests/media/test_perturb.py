"""Each perturbation's defining property: SNR exact, size and dtype kept, the same output for the same seed only."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from evals.data.perturb import IMPLEMENTATIONS, condition_rng, perturb
from evals.requests import VideoFrames
from evals.spec.conditions import CONDITIONS as PERTURBATIONS, parse_condition


def _image(seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (24, 32, 3), dtype=np.uint8))


def _tone(seconds: float = 1.0, rate: int = 16000) -> tuple[np.ndarray, int]:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate


def _video(n: int = 10, seed: int = 0) -> VideoFrames:
    """``n`` frames of random content with distinct grey offsets (frame i is identifiable by its mean)."""
    rng = np.random.default_rng(seed)
    frames = [Image.fromarray((rng.integers(0, 40, (24, 32, 3)) + 20 * i).astype(np.uint8)) for i in range(n)]
    return VideoFrames(frames=frames, indices=list(range(0, 3 * n, 3)), timestamps=[i * 0.3 for i in range(n)], fps=10.0, n_frames=3 * n)


def _talkers(rate: int = 16000) -> tuple[np.ndarray, ...]:
    """Two other "voices" of other lengths and pitches, at the clip's rate (what babble mixes in)."""
    t = np.arange(int(0.7 * rate)) / rate
    return tuple((0.5 * np.sin(2 * np.pi * f * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32) for f in (210.0, 330.0))


def _snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    noise = noisy.astype(np.float64) - clean
    return 10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(noise ** 2))


@pytest.mark.parametrize("name", ["white_noise", "pink_noise"])
@pytest.mark.parametrize("snr", [0.0, 10.0, 20.0])
def test_additive_noise_lands_at_the_asked_snr(name, snr):
    clean, rate = _tone()
    noisy, out_rate = perturb("audio", (clean, rate), f"{name}:{snr}", "s1")
    assert out_rate == rate and noisy.dtype == np.float32 and len(noisy) == len(clean)
    assert _snr_db(clean, noisy) == pytest.approx(snr, abs=0.1)


@pytest.mark.parametrize("condition", sorted(f"{n}:{p.default}" for n, p in PERTURBATIONS.items()))
def test_each_condition_keeps_the_media_form_and_is_deterministic_per_sample(condition):
    kind = PERTURBATIONS[parse_condition(condition)[0]].kind
    medium = {"image": _image, "audio": _tone, "video": _video}[kind]()
    others = _talkers() if PERTURBATIONS[parse_condition(condition)[0]].mixes else ()
    a, b, other = (perturb(kind, medium, condition, key, others=others) for key in ("s1", "s1", "s2"))
    if kind == "video":
        assert (a.indices, a.timestamps, a.fps, a.n_frames, len(a.frames)) == (medium.indices, medium.timestamps, 10.0, 30, 10)
        assert all(f.size == (32, 24) and f.mode == "RGB" for f in a.frames)
        assert [np.asarray(f).tolist() for f in a.frames] == [np.asarray(f).tolist() for f in b.frames]
        assert [np.asarray(f).tolist() for f in a.frames] != [np.asarray(f).tolist() for f in medium.frames]
        a, other = (np.stack([np.asarray(f) for f in v.frames]) for v in (a, other))
    elif kind == "image":
        assert a.size == medium.size and a.mode == "RGB"
        assert np.array_equal(np.asarray(a), np.asarray(b))
        assert not np.array_equal(np.asarray(a), np.asarray(medium))  # it did something
    else:
        assert a[1] == medium[1] and a[0].dtype == np.float32 and np.isfinite(a[0]).all()
        assert np.array_equal(a[0], b[0])
        assert len(a[0]) == len(medium[0]) or condition.startswith("speed")
        assert not (len(a[0]) == len(medium[0]) and np.array_equal(a[0], medium[0]))
    if condition.split(":")[0] in ("gaussian_noise", "occlusion", "white_noise", "pink_noise", "reverb", "babble", "frame_drop"):  # seeded: per sample
        assert not np.array_equal(np.asarray(a if kind != "audio" else a[0]), np.asarray(other if kind != "audio" else other[0]))


@pytest.mark.parametrize("snr", [0.0, 10.0, 20.0])
def test_babble_mixes_the_other_talkers_in_at_the_asked_snr(snr):
    clean, rate = _tone()
    mixed, out_rate = perturb("audio", (clean, rate), f"babble:{snr}", "s1", others=_talkers())
    assert out_rate == rate and mixed.dtype == np.float32 and len(mixed) == len(clean)
    assert _snr_db(clean, mixed) == pytest.approx(snr, abs=0.1)
    # The crowd is the talkers' (looped to the clip's length), not noise: its spectrum peaks at their pitches.
    crowd = np.abs(np.fft.rfft(mixed.astype(np.float64) - clean))
    freqs = np.fft.rfftfreq(len(clean), 1 / rate)
    assert {round(float(f)) for f in freqs[np.argsort(crowd)[-2:]]} == {210, 330}
    # Without other clips there is no crowd to mix in.
    assert np.array_equal(perturb("audio", (clean, rate), f"babble:{snr}", "s1")[0], clean)


@pytest.mark.parametrize("fraction, lost", [(0.5, 5), (0.2, 2), (0.0, 0), (1.0, 9)])
def test_frame_drop_stalls_that_many_frames_on_the_last_one_that_arrived(fraction, lost):
    video = _video()
    means = [round(float(np.asarray(f).mean())) for f in video.frames]
    shown = [round(float(np.asarray(f).mean())) for f in perturb("video", video, f"frame_drop:{fraction}", "s1").frames]
    assert shown[0] == means[0]  # the first frame always arrives
    assert sum(s != m for s, m in zip(shown, means)) == lost
    for i, s in enumerate(shown):  # a lost frame shows the latest frame that arrived before it
        assert s == means[max(j for j in range(i + 1) if shown[j] == means[j])]


def test_video_blur_blurs_every_frame_as_the_image_blur_does():
    video = _video(n=3)
    blurred = perturb("video", video, "video_blur:2", "s1")
    for frame, out in zip(video.frames, blurred.frames):
        assert np.array_equal(np.asarray(out), np.asarray(perturb("image", frame, "gaussian_blur:2", "s1")))


def test_speed_changes_the_length_by_its_factor_and_clean_changes_nothing():
    clean = _tone(1.0)
    fast, _ = perturb("audio", clean, "speed:1.25", "s")
    assert len(fast) == pytest.approx(16000 / 1.25, abs=2)
    assert perturb("audio", clean, "clean", "s") is clean
    assert perturb("image", _image(), "white_noise:10", "s").size == (32, 24)  # an audio condition leaves images alone


def test_every_declared_condition_is_implemented():
    assert sorted(IMPLEMENTATIONS) == sorted(PERTURBATIONS)


def test_conditions_are_parsed_and_bad_ones_named():
    assert parse_condition("jpeg:10") == ("jpeg", 10.0) and parse_condition("jpeg") == ("jpeg", 10.0)
    with pytest.raises(ValueError, match=r"unknown condition 'fog:3'; known: clean, babble, brightness"):
        parse_condition("fog:3")
    with pytest.raises(ValueError, match="'lots' is not a number"):
        parse_condition("jpeg:lots")
    assert condition_rng("a", "jpeg:10").integers(1 << 30) == condition_rng("a", "jpeg:10").integers(1 << 30)
    assert condition_rng("a", "jpeg:10", seed=1).integers(1 << 30) != condition_rng("a", "jpeg:10").integers(1 << 30)
