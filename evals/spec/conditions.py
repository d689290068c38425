"""Robustness conditions a run may ask for (``--conditions clean,white_noise:10,jpeg:10``): names, media kinds,
default values and what each does. Implemented in ``evals.data.perturb`` under the same names; declared here so
that a spec (and the CLI) can check a condition before anything is read."""

from __future__ import annotations

from typing import NamedTuple


class Condition(NamedTuple):
    kind: str  # "image" | "audio" | "video"
    default: float
    doc: str
    mixes: bool = False
    """Mixes in other media of the same task (babble): the planner gives each medium its pool (``MediaPart.mix``)."""


BABBLE_TALKERS = 4
"""Other clips of the task mixed in by ``babble``: the first clips of the split, never the clip itself."""


CONDITIONS: dict[str, Condition] = {
    "gaussian_noise": Condition("image", 0.08, "additive Gaussian noise, sigma as a fraction of the 0-255 range"),
    "gaussian_blur": Condition("image", 2.0, "Gaussian blur, radius in pixels"),
    "jpeg": Condition("image", 10.0, "JPEG re-encoding at this quality (1-95)"),
    "brightness": Condition("image", 0.5, "brightness scaled by this factor"),
    "contrast": Condition("image", 0.5, "contrast scaled by this factor"),
    "downscale": Condition("image", 4.0, "shrunk by this factor, then enlarged back (detail lost, size kept)"),
    "occlusion": Condition("image", 0.25, "a grey square covering this fraction of the image, at a seeded place"),
    "white_noise": Condition("audio", 10.0, "additive white noise at this SNR in dB"),
    "pink_noise": Condition("audio", 10.0, "additive pink (1/f) noise at this SNR in dB"),
    "reverb": Condition("audio", 0.5, "reverberation: a synthetic room impulse response with this RT60 in seconds"),
    "telephone": Condition("audio", 8000.0, "telephone band: resampled to this rate with 8-bit mu-law, then back"),
    "speed": Condition("audio", 1.25, "played this many times faster (pitch moves with it)"),
    "clipping": Condition("audio", 0.1, "hard clipping at this fraction of the peak"),
    "frame_drop": Condition("video", 0.5, "this fraction of the sampled frames lost, each shown as the last frame that "
                            "arrived (a stalled stream; times and count kept)"),
    "video_blur": Condition("video", 2.0, "Gaussian blur of every sampled frame, radius in pixels"),
    "babble": Condition("audio", 5.0, f"babble: {BABBLE_TALKERS} other clips of the same task (the split's first) mixed in "
                        "at this SNR in dB", mixes=True),
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
