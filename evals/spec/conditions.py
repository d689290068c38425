"""Robustness conditions a run may ask for (``--conditions clean,white_noise:10,jpeg:10``): names, media kinds,
default values and what each does. Implemented in ``evals.data.perturb`` under the same names; declared here so
that a spec (and the CLI) can check a condition before anything is read."""

from __future__ import annotations

import math
import re
from typing import Iterable, NamedTuple


class Condition(NamedTuple):
    kind: str  # "image" | "audio" | "video"
    default: float
    doc: str
    mixes: bool = False
    """Mixes in other media of the same task (babble): the planner gives each medium its pool (``MediaPart.mix``)."""
    harder: str = "higher"
    """Which values are harsher: ``higher`` (more noise, blur), ``lower`` (SNR in dB, JPEG quality, sample rate), or
    ``away_from_1`` (a factor whose 1 changes nothing: brightness, contrast, speed). Reports order a condition's levels
    by it, mildest first (``severity``, ``order_conditions``)."""


BABBLE_TALKERS = 4
"""Other clips of the task mixed in by ``babble``: the first clips of the split, never the clip itself."""


CONDITIONS: dict[str, Condition] = {
    "gaussian_noise": Condition("image", 0.08, "additive Gaussian noise, sigma as a fraction of the 0-255 range"),
    "gaussian_blur": Condition("image", 2.0, "Gaussian blur, radius in pixels"),
    "jpeg": Condition("image", 10.0, "JPEG re-encoding at this quality (1-95)", harder="lower"),
    "brightness": Condition("image", 0.5, "brightness scaled by this factor", harder="away_from_1"),
    "contrast": Condition("image", 0.5, "contrast scaled by this factor", harder="away_from_1"),
    "downscale": Condition("image", 4.0, "shrunk by this factor, then enlarged back (detail lost, size kept)"),
    "occlusion": Condition("image", 0.25, "a grey square covering this fraction of the image, at a seeded place"),
    "white_noise": Condition("audio", 10.0, "additive white noise at this SNR in dB", harder="lower"),
    "pink_noise": Condition("audio", 10.0, "additive pink (1/f) noise at this SNR in dB", harder="lower"),
    "reverb": Condition("audio", 0.5, "reverberation: a synthetic room impulse response with this RT60 in seconds"),
    "telephone": Condition("audio", 8000.0, "telephone band: resampled to this rate with 8-bit mu-law, then back", harder="lower"),
    "speed": Condition("audio", 1.25, "played this many times faster (pitch moves with it)", harder="away_from_1"),
    "clipping": Condition("audio", 0.1, "hard clipping at this fraction of the peak", harder="lower"),
    "frame_drop": Condition("video", 0.5, "this fraction of the sampled frames lost, each shown as the last frame that "
                            "arrived (a stalled stream; times and count kept)"),
    "video_blur": Condition("video", 2.0, "Gaussian blur of every sampled frame, radius in pixels"),
    "babble": Condition("audio", 5.0, f"babble: {BABBLE_TALKERS} other clips of the same task (the split's first) mixed in "
                        "at this SNR in dB", mixes=True, harder="lower"),
}


def parse_condition(text: str) -> tuple[str, float | None]:
    """``"jpeg:10"`` -> ``("jpeg", 10.0)``; ``"clean"`` -> ``("clean", None)``; a ``ValueError`` naming the known ones otherwise."""
    name, _, value = text.strip().partition(":")
    if name == "clean" and not value:
        return "clean", None
    if name not in CONDITIONS:
        from evals.names import did_you_mean

        raise ValueError(f"unknown condition {text!r}{did_you_mean(name, ['clean', *CONDITIONS])}; known: clean, "
                         f"{', '.join(sorted(CONDITIONS))}")
    try:
        return name, float(value) if value else CONDITIONS[name].default
    except ValueError:
        raise ValueError(f"condition {text!r}: {value!r} is not a number") from None


def severity(condition: str) -> float:
    """How harsh ``condition`` is among the levels of the same condition (``white_noise:0`` > ``white_noise:20``): its
    value read by the condition's ``harder`` direction; ``clean`` is the mildest of all (-inf)."""
    name, value = parse_condition(condition)
    if name == "clean" or value is None:
        return -math.inf
    harder = CONDITIONS[name].harder
    if harder == "lower":
        return -value
    if harder == "away_from_1":
        return abs(math.log(value)) if value > 0 else math.inf
    return value


def order_conditions(conditions: Iterable[str]) -> list[str]:
    """``conditions`` (canonical, ``white_noise:20``) without repeats, mildest first: ``clean``, then each condition in the
    order it first appears, its levels by ``severity`` (``white_noise:20, white_noise:10, white_noise:0``), never as text.
    A condition no longer declared (an old run's) keeps its place among its name's levels."""
    seen = list(dict.fromkeys(conditions))
    names = list(dict.fromkeys(c.partition(":")[0] for c in seen))

    def key(c: str) -> tuple[int, int, float, int]:
        name = c.partition(":")[0]
        try:
            level = severity(c)
        except ValueError:
            level = 0.0
        return (0 if c == "clean" else 1, names.index(name), level, seen.index(c))

    return sorted(seen, key=key)


_CONDITION_TASK = re.compile(r"^(?P<base>.+)\.(?P<name>[a-z_]+)_(?P<value>-?[0-9][0-9.e+-]*)$")


def split_condition_task(task: str) -> tuple[str, str] | None:
    """``"harvard_asr.white_noise_20"`` -> ``("harvard_asr", "white_noise:20")``: the clean task and the canonical condition of
    a task named as ``spec.task.under_condition`` names them; None for any other name."""
    m = _CONDITION_TASK.match(task)
    if m is None or m["name"] not in CONDITIONS:
        return None
    try:
        value = float(m["value"])
    except ValueError:
        return None
    if f"{m['name']}_{value:g}" != f"{m['name']}_{m['value']}":
        return None
    return m["base"], f"{m['name']}:{value:g}"
