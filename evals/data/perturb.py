"""Perturbations: what a robustness condition does to an image or a sound, as small pure functions.

A condition is ``name`` or ``name:value`` (``gaussian_noise:0.08``, ``jpeg:10``, ``white_noise:10``); ``clean``
changes nothing. Each function takes the decoded medium and a ``numpy.random.Generator`` seeded per (sample,
condition), so a condition gives the same result on every run and a different one for another sample or seed.
Images stay RGB PIL images of the same size; sounds stay float32 arrays of the same rate (``speed`` alone changes
their length, as it must); videos keep their sampled frames' count, indices and times (``frame_drop`` stalls some,
``video_blur`` blurs each). ``babble`` also takes other clips of the task (``others``), decoded alike.

Each function is called only with a value within its condition's declared range (``Condition.valid``: ``perturb``
reads the condition with ``parse_condition``, which refuses the rest), so none of them checks its value again; a
condition's range is decided there, from what its function here can do (no division by zero, memory bounded).
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, Callable

import numpy as np

from evals.spec.conditions import CONDITIONS, parse_condition


IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {}


def _register(name: str):
    def decorate(fn):
        if name not in CONDITIONS:
            raise ValueError(f"perturbation {name!r} is not declared in evals.spec.conditions")
        IMPLEMENTATIONS[name] = fn
        return fn
    return decorate


def condition_rng(sample_key: str, condition: str, seed: int = 0) -> np.random.Generator:
    """The generator of one (sample, condition): the same every run, different across samples, conditions and seeds."""
    digest = hashlib.sha256(f"{seed}|{condition}|{sample_key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


# --- images --------------------------------------------------------------------------------------


def _array(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def _image(array: np.ndarray):
    from PIL import Image

    return Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8), "RGB")


@_register("gaussian_noise")
def gaussian_noise(image, sigma: float, rng: np.random.Generator):
    a = _array(image)
    return _image(a + rng.normal(0.0, sigma * 255.0, a.shape))


@_register("gaussian_blur")
def gaussian_blur(image, radius: float, rng: np.random.Generator):
    from PIL import ImageFilter

    return image.convert("RGB").filter(ImageFilter.GaussianBlur(radius))


@_register("jpeg")
def jpeg(image, quality: float, rng: np.random.Generator):
    from PIL import Image

    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="JPEG", quality=int(quality))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


@_register("brightness")
def brightness(image, factor: float, rng: np.random.Generator):
    from PIL import ImageEnhance

    return ImageEnhance.Brightness(image.convert("RGB")).enhance(factor)


@_register("contrast")
def contrast(image, factor: float, rng: np.random.Generator):
    from PIL import ImageEnhance

    return ImageEnhance.Contrast(image.convert("RGB")).enhance(factor)


@_register("downscale")
def downscale(image, factor: float, rng: np.random.Generator):
    from PIL import Image

    w, h = image.size
    small = image.convert("RGB").resize((max(1, round(w / factor)), max(1, round(h / factor))), Image.BILINEAR)
    return small.resize((w, h), Image.BILINEAR)


@_register("occlusion")
def occlusion(image, fraction: float, rng: np.random.Generator):
    a = _array(image)
    h, w = a.shape[:2]
    side = max(1, int(round(np.sqrt(fraction * h * w))))
    y, x = int(rng.integers(0, max(1, h - side + 1))), int(rng.integers(0, max(1, w - side + 1)))
    a[y:y + side, x:x + side] = 127.0
    return _image(a)


# --- audio ---------------------------------------------------------------------------------------


def _at_snr(signal: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``signal`` plus ``noise`` scaled so that the signal-to-noise ratio is ``snr_db`` exactly."""
    p_signal, p_noise = float(np.mean(signal.astype(np.float64) ** 2)), float(np.mean(noise.astype(np.float64) ** 2))
    if p_signal == 0 or p_noise == 0:
        return signal.astype(np.float32)
    scale = np.sqrt(p_signal / (p_noise * 10 ** (snr_db / 10)))
    return (signal + scale * noise).astype(np.float32)


@_register("white_noise")
def white_noise(audio: tuple[np.ndarray, int], snr_db: float, rng: np.random.Generator):
    samples, rate = audio
    return _at_snr(samples, rng.standard_normal(len(samples)), snr_db), rate


@_register("pink_noise")
def pink_noise(audio: tuple[np.ndarray, int], snr_db: float, rng: np.random.Generator):
    samples, rate = audio
    spectrum = np.fft.rfft(rng.standard_normal(len(samples)))
    freqs = np.arange(len(spectrum), dtype=np.float64)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(freqs), n=len(samples))
    return _at_snr(samples, noise, snr_db), rate


@_register("reverb")
def reverb(audio: tuple[np.ndarray, int], rt60: float, rng: np.random.Generator):
    samples, rate = audio
    n = max(1, int(rt60 * rate))
    t = np.arange(n) / rate
    impulse = rng.standard_normal(n) * np.exp(-6.9078 * t / rt60)  # -60 dB at rt60
    impulse[0] = 1.0
    wet = np.convolve(samples, impulse)[: len(samples)]
    peak = max(float(np.max(np.abs(wet))), 1e-9)
    return (wet * (float(np.max(np.abs(samples))) / peak)).astype(np.float32), rate


@_register("telephone")
def telephone(audio: tuple[np.ndarray, int], band_rate: float, rng: np.random.Generator):
    samples, rate = audio
    narrow = resample(samples, rate, int(band_rate))
    mu = 255.0
    encoded = np.sign(narrow) * np.log1p(mu * np.minimum(np.abs(narrow), 1.0)) / np.log1p(mu)
    quantised = np.round((encoded + 1) / 2 * mu) / mu * 2 - 1
    decoded = np.sign(quantised) * ((1 + mu) ** np.abs(quantised) - 1) / mu
    back = resample(decoded.astype(np.float32), int(band_rate), rate)
    return np.resize(back, len(samples)).astype(np.float32), rate


@_register("speed")
def speed(audio: tuple[np.ndarray, int], factor: float, rng: np.random.Generator):
    samples, rate = audio
    return resample(samples, int(round(rate * factor)), rate), rate


@_register("clipping")
def clipping(audio: tuple[np.ndarray, int], level: float, rng: np.random.Generator):
    samples, rate = audio
    limit = level * float(np.max(np.abs(samples)))
    return np.clip(samples, -limit, limit).astype(np.float32), rate


@_register("babble")
def babble(audio: tuple[np.ndarray, int], snr_db: float, rng: np.random.Generator, others: tuple[np.ndarray, ...] = ()):
    """Other talkers (``others``: clips at the same rate) summed, each looped to the clip's length from a seeded
    offset, and mixed in at ``snr_db`` exactly; the clip alone when there are no others."""
    samples, rate = audio
    n = len(samples)
    crowd = np.zeros(n, dtype=np.float64)
    for other in others:
        if not len(other):
            continue
        start = int(rng.integers(len(other)))
        voice = np.resize(np.roll(np.asarray(other, dtype=np.float64), -start), n)
        power = float(np.mean(voice ** 2))
        if power > 0:
            crowd += voice / np.sqrt(power)  # each talker at one level: none drowns the others
    return _at_snr(samples, crowd, snr_db), rate


# --- video ---------------------------------------------------------------------------------------


@_register("frame_drop")
def frame_drop(video, fraction: float, rng: np.random.Generator):
    """``fraction`` of the frames after the first, picked by ``rng``, replaced by the last frame kept before them."""
    from dataclasses import replace

    n = len(video.frames)
    lost = set(rng.choice(np.arange(1, n), size=min(n - 1, int(round(fraction * n))), replace=False).tolist()) if n > 1 else set()
    frames, shown = [], None
    for i, frame in enumerate(video.frames):
        shown = shown if i in lost else frame
        frames.append(shown)
    return replace(video, frames=frames)


@_register("video_blur")
def video_blur(video, radius: float, rng: np.random.Generator):
    from dataclasses import replace

    return replace(video, frames=[gaussian_blur(frame, radius, rng) for frame in video.frames])


def resample(array: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    import soxr

    return soxr.resample(array, from_rate, to_rate, quality="HQ").astype(np.float32)


def perturb(kind: str, decoded: Any, condition: str, sample_key: str, seed: int = 0, others: tuple[Any, ...] = ()) -> Any:
    """``decoded`` (an image, ``(samples, rate)`` or ``VideoFrames``) under ``condition``; unchanged for ``clean`` or another kind's condition.

    ``others``: for a condition that mixes (``babble``), the other media, decoded alike.
    """
    name, value = parse_condition(condition)
    if name == "clean" or CONDITIONS[name].kind != kind:
        return decoded
    rng = condition_rng(sample_key, condition, seed)
    if CONDITIONS[name].mixes:
        return IMPLEMENTATIONS[name](decoded, value, rng, others)
    return IMPLEMENTATIONS[name](decoded, value, rng)
