"""Robustness conditions a run may ask for (``--conditions clean,white_noise:10,jpeg:10``): names, media kinds,
default values, the values each takes (``Valid``) and what each does. Implemented in ``evals.data.perturb`` under the
same names; declared here so that a spec (and the CLI) can check a condition before anything is read."""

from __future__ import annotations

import math
import re
from typing import Iterable, NamedTuple


class Valid(NamedTuple):
    """The values a condition takes: an interval (each end closed or open), integers only or any finite number. Decided
    from what the perturbation does: where it stops meaning anything, where it would fail, where its memory or time would
    grow without bound (a speed factor near 0 lengthens a clip without limit). ``parse_condition`` refuses the rest."""

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def admits(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.integer and value != int(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    @property
    def interval(self) -> str:
        """``[1, 100]``, ``(0, 1)``: as written in maths, each end open or closed."""
        return f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"

    @property
    def text(self) -> str:
        """What ``omnieval conditions`` shows: the interval, ``(0, 1)``, or for integers ``1..100`` (ends included)."""
        if self.integer:
            return f"{math.ceil(self.low + self.low_open)}..{math.floor(self.high - self.high_open)}"
        return self.interval


class Condition(NamedTuple):
    kind: str  # "image" | "audio" | "video"
    default: float
    doc: str
    valid: Valid
    """The values it takes; anything else is refused before a run starts (``parse_condition``)."""
    mixes: bool = False
    """Mixes in other media of the same task (babble): the planner gives each medium its pool (``MediaPart.mix``)."""
    harder: str = "higher"
    """Which values are harsher: ``higher`` (more noise, blur), ``lower`` (SNR in dB, JPEG quality, sample rate), or
    ``away_from_1`` (a factor whose 1 changes nothing: brightness, contrast, speed). Reports order a condition's levels
    by it, mildest first (``severity``, ``order_conditions``)."""


BABBLE_TALKERS = 4
"""Other clips of the task mixed in by ``babble``: the first clips of the split, never the clip itself."""

SNR_DB = Valid(-50, 100)
"""An SNR in dB (the noise's amplitude is the signal's times 10^(-SNR/20)): finite (-inf divides by zero, nan makes a
clip of nan) and bounded: at -50 dB the noise is 316 times the signal, at 100 dB 1/100000 of it, below 16-bit
quantisation."""
BLUR_RADIUS = Valid(0, 100)
"""A Gaussian blur radius in pixels: 0 changes nothing; 100 already smears an image a model reads to smudges."""
FACTOR = Valid(0, 10, low_open=True)
"""A brightness or contrast factor: 1 changes nothing; 0 leaves one flat colour (black, grey) and a negative one
nothing more; at 10 nearly every pixel is already black or white."""


CONDITIONS: dict[str, Condition] = {
    "gaussian_noise": Condition("image", 0.08, "additive Gaussian noise, sigma as a fraction of the 0-255 range",
                                Valid(0, 1)),
    "gaussian_blur": Condition("image", 2.0, "Gaussian blur, radius in pixels", BLUR_RADIUS),
    "jpeg": Condition("image", 10.0, "JPEG re-encoding at this quality", Valid(1, 100, integer=True), harder="lower"),
    "brightness": Condition("image", 0.5, "brightness scaled by this factor", FACTOR, harder="away_from_1"),
    "contrast": Condition("image", 0.5, "contrast scaled by this factor", FACTOR, harder="away_from_1"),
    # Below 1 it would enlarge first (memory grows with 1/factor^2, 0 divides by zero); at 1000 most images are one pixel.
    "downscale": Condition("image", 4.0, "shrunk by this factor, then enlarged back (detail lost, size kept)", Valid(1, 1000)),
    "occlusion": Condition("image", 0.25, "a grey square covering this fraction of the image, at a seeded place",
                           Valid(0, 1, low_open=True, high_open=True)),
    "white_noise": Condition("audio", 10.0, "additive white noise at this SNR in dB", SNR_DB, harder="lower"),
    "pink_noise": Condition("audio", 10.0, "additive pink (1/f) noise at this SNR in dB", SNR_DB, harder="lower"),
    # The impulse response is RT60 x rate samples, convolved directly: 10 s (a cathedral) bounds its memory and time.
    "reverb": Condition("audio", 0.5, "reverberation: a synthetic room impulse response with this RT60 in seconds",
                        Valid(0, 10, low_open=True)),
    # A sample rate in Hz (whole): 1000 already leaves only what is under 500 Hz; past 48000 it is no band limit at all.
    "telephone": Condition("audio", 8000.0, "telephone band: resampled to this rate in Hz with 8-bit mu-law, then back",
                           Valid(1000, 48000, integer=True), harder="lower"),
    # A clip at speed f is 1/f as long: 0.25..4 keeps it within 4 times its length (and speech within reason).
    "speed": Condition("audio", 1.25, "played this many times faster (pitch moves with it)", Valid(0.25, 4),
                       harder="away_from_1"),
    "clipping": Condition("audio", 0.1, "hard clipping at this fraction of the peak", Valid(0, 1, low_open=True),
                          harder="lower"),
    "frame_drop": Condition("video", 0.5, "this fraction of the sampled frames lost, each shown as the last frame that "
                            "arrived (a stalled stream; times and count kept)", Valid(0, 1)),
    "video_blur": Condition("video", 2.0, "Gaussian blur of every sampled frame, radius in pixels", BLUR_RADIUS),
    "babble": Condition("audio", 5.0, f"babble: {BABBLE_TALKERS} other clips of the same task (the split's first) mixed in "
                        "at this SNR in dB", SNR_DB, mixes=True, harder="lower"),
}


def parse_condition(text: str) -> tuple[str, float | None]:
    """``"jpeg:10"`` -> ``("jpeg", 10.0)``; ``"clean"`` -> ``("clean", None)``. A ``ValueError`` of one line for an
    unknown name (naming the known ones) or a value outside the condition's ``valid`` range (naming the range). The
    value is any number Python reads (``1e1`` is 10), taken to 6 significant digits, as ``canonical_condition`` and task
    names write it (what a task is named is what it runs)."""
    name, _, value = text.strip().partition(":")
    if name == "clean" and not value:
        return "clean", None
    if name not in CONDITIONS:
        from evals.names import did_you_mean

        raise ValueError(f"unknown condition {text!r}{did_you_mean(name, ['clean', *CONDITIONS])}; known: clean, "
                         f"{', '.join(sorted(CONDITIONS))}")
    valid = CONDITIONS[name].valid
    takes = f"{name} takes {'an integer' if valid.integer else 'a finite number'} in {valid.interval}"
    try:
        number = float(value) if value else CONDITIONS[name].default
    except ValueError:
        raise ValueError(f"condition {text.strip()!r}: {value!r} is not a number; {takes}") from None
    written = float(f"{number:g}") + 0.0 if math.isfinite(number) else number  # as task names write it; -0 is 0
    if not valid.admits(written):
        rounded = math.isfinite(number) and written != number
        as_written = f" ({written:g} to 6 significant digits, as task names write it)" if rounded else ""
        raise ValueError(f"condition {text.strip()!r}: {value}{as_written} is not valid; {takes}")
    return name, written


def canonical_condition(text: str) -> str:
    """``"white_noise:1e+1"`` -> ``"white_noise:10"``, ``"jpeg"`` -> ``"jpeg:10"``: the one way a condition is written
    (in task names, records and reports); a ``ValueError`` as ``parse_condition``'s for a bad one."""
    name, value = parse_condition(text)
    return name if value is None else f"{name}:{value:g}"


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
