"""Each perturbation's defining property: SNR exact, size and dtype kept, the same output for the same seed only."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from evals.data.perturb import IMPLEMENTATIONS, condition_rng, perturb
from evals.spec.conditions import CONDITIONS as PERTURBATIONS, parse_condition


def _image(seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (24, 32, 3), dtype=np.uint8))


def _tone(seconds: float = 1.0, rate: int = 16000) -> tuple[np.ndarray, int]:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate


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
    medium = _image() if kind == "image" else _tone()
    a, b, other = (perturb(kind, medium, condition, key) for key in ("s1", "s1", "s2"))
    if kind == "image":
        assert a.size == medium.size and a.mode == "RGB"
        assert np.array_equal(np.asarray(a), np.asarray(b))
        assert not np.array_equal(np.asarray(a), np.asarray(medium))  # it did something
    else:
        assert a[1] == medium[1] and a[0].dtype == np.float32 and np.isfinite(a[0]).all()
        assert np.array_equal(a[0], b[0])
        assert len(a[0]) == len(medium[0]) or condition.startswith("speed")
        assert not (len(a[0]) == len(medium[0]) and np.array_equal(a[0], medium[0]))
    if condition.split(":")[0] in ("gaussian_noise", "occlusion", "white_noise", "pink_noise", "reverb"):  # seeded: per sample
        assert not np.array_equal(np.asarray(a if kind == "image" else a[0]), np.asarray(other if kind == "image" else other[0]))


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
    with pytest.raises(ValueError, match=r"unknown condition 'fog:3'; known: clean, brightness"):
        parse_condition("fog:3")
    with pytest.raises(ValueError, match="'lots' is not a number"):
        parse_condition("jpeg:lots")
    assert condition_rng("a", "jpeg:10").integers(1 << 30) == condition_rng("a", "jpeg:10").integers(1 << 30)
    assert condition_rng("a", "jpeg:10", seed=1).integers(1 << 30) != condition_rng("a", "jpeg:10").integers(1 << 30)
