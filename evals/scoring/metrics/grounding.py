"""Referring-expression grounding (RefCOCO, RefCOCO+, RefCOCOg): an answer names one box; it is right when its IoU with
the reference box is at least 0.5 (Acc@0.5, as the model cards and lmms-eval's ``refcoco*_bbox_rec`` tasks report it).

Boxes are read *as the model family writes them* and mapped to the image's own pixels; which way is the scorer option
``box_format`` (a fact about the model, not the task: a run of another family sets it in the task's scorer options):

- ``norm1``: ``[x1, y1, x2, y2]`` read by lmms-eval's own regex (``parse_float_sequence_within``, utils_rec.py), 0-1 of
  the image (lmms-eval's prompt asks for it; the tasks' setting);
- ``pixels``: ``[x1, y1, x2, y2]`` in the image's pixels; ``norm1000``: the same on 0-1000 of the image;
- ``qwen2``: ``<|box_start|>(x1,y1),(x2,y2)<|box_end|>`` on 0-1000 (Qwen2-VL; a decoder that skips special tokens leaves
  ``(x1,y1),(x2,y2)``, read too);
- ``internvl``: ``<box>[[x1, y1, x2, y2]]</box>`` on 0-1000 (InternVL);
- ``qwen3``: ``{"bbox_2d": [x1, y1, x2, y2]}``, else a bare ``[x1, y1, x2, y2]``, on 0-1000 (Qwen3-VL);
- ``qwen25``: the same syntax in pixels of the image *as the model saw it*: resized by Qwen2.5-VL's ``smart_resize``
  (sides multiples of ``resize_factor``, area within ``min_pixels`` .. ``max_pixels``: its processor's defaults), then
  scaled back to the image;
- ``auto``: whichever of those syntaxes comes first in the answer; ``(x1,y1),(x2,y2)`` and ``<box>`` on 0-1000, any other
  box on 0-1 when all four numbers are within [0, 1], else in the image's pixels.
Where the frames come from: Qwen3-VL's relative 0-1000 and Qwen2.5-VL's absolute pixels as QwenLM/Qwen3-VL's
qwen-vl-finetune grounding data notes state them (Qwen2-VL: 0-1000, like Qwen3-VL; Alibaba Cloud's Qwen2.5-VL
grounding guide: pixels of the image after the model's resize); Qwen2-VL's box tokens and InternVL's
``<box>`` from their model cards' grounding examples; ``smart_resize`` is checked against transformers' own.

Decisions (each pinned in tests/metrics/test_grounding.py):

- no box in the answer: *unparsed*, IoU 0, wrong, counted in ``unparsed_rate`` (lmms-eval reads ``[0, 0, 0, 0]``:
  the same score, not counted);
- several boxes: the first (lmms-eval's ``re.search``);
- a box with ``x2 < x1`` or ``y2 < y1`` is refused: rule ``inverted``, IoU 0, counted in ``unparsed_rate`` (lmms-eval
  computes a negative area, and divides by zero when the union comes to 0);
- coordinates outside the image are clipped to it before the IoU (lmms-eval does not clip: a box reaching past the
  image's edge scores lower there);
- IoU = intersection / union, 0 when the union is empty; right when IoU >= 0.5 (lmms-eval's ``>=``); with
  ``iou_rule: over``, right only when IoU > 0.5 (Ref-L4's official ``RefL4Evaluator``: ``iou > th``).

Each sample needs ``image_width`` and ``image_height`` in its metadata (``fields.metadata``; the ``refcoco_expressions``
loader reads them from the image's header) and one reference: the box ``[x1, y1, x2, y2]`` in the image's pixels.
Metrics: ``acc@0.5`` (primary), ``miou`` (mean IoU), ``unparsed_rate``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Callable, Literal, Sequence

from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, means_aggregate, scorer

BoxFormat = Literal["auto", "norm1", "pixels", "norm1000", "qwen2", "internvl", "qwen3", "qwen25"]
Box = tuple[float, float, float, float]

THRESHOLD = 0.5
_NUM = r"(-?\d+(?:\.\d+)?)"
LMMS_EVAL_BRACKET = re.compile(rf"\[\s*{_NUM},\s*{_NUM},\s*{_NUM},\s*{_NUM}\s*\]")
"""lmms-eval's ``parse_float_sequence_within`` pattern (tasks/refcoco/utils_rec.py), character for character."""
BRACKET = re.compile(rf"\[\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*\]")
QWEN2_BOX = re.compile(rf"(?:<\|box_start\|>\s*)?\(\s*{_NUM}\s*,\s*{_NUM}\s*\)\s*,\s*\(\s*{_NUM}\s*,\s*{_NUM}\s*\)")
INTERNVL_BOX = re.compile(rf"<box>\s*\[\s*\[\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*\]")
BBOX_2D = re.compile(rf"[\"']bbox_2d[\"']\s*:\s*\[\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*\]")

_SYNTAX: dict[str, tuple[re.Pattern[str], ...]] = {
    "norm1": (LMMS_EVAL_BRACKET,), "pixels": (BRACKET,), "norm1000": (BRACKET,), "qwen2": (QWEN2_BOX,),
    "internvl": (INTERNVL_BOX,), "qwen3": (BBOX_2D, BRACKET), "qwen25": (BBOX_2D, BRACKET),
}
_RULE = {LMMS_EVAL_BRACKET: "bracket", BRACKET: "bracket", QWEN2_BOX: "qwen2_box", INTERNVL_BOX: "internvl_box", BBOX_2D: "bbox_2d"}


class GroundingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    box_format: BoxFormat = "norm1"
    iou_rule: Literal["at_least", "over"] = "at_least"
    """``at_least``: right when IoU >= 0.5 (lmms-eval's RefCOCO); ``over``: IoU > 0.5 (Ref-L4's evaluator)."""
    resize_factor: int = 28
    min_pixels: int = 56 * 56
    max_pixels: int = 28 * 28 * 16384
    """``qwen25`` only: Qwen2.5-VL's image processor defaults (``min_pixels`` 3136, ``max_pixels`` 12845056)."""


def find_box(text: str, box_format: BoxFormat) -> tuple[Box | None, str]:
    """``(numbers, rule)`` of the first box ``box_format`` reads in ``text``, or ``(None, "unparsed")``.

    Syntaxes tried in a format's order; for ``auto`` the one whose box comes first in the text. Numbers as written.
    """
    patterns = (QWEN2_BOX, INTERNVL_BOX, BBOX_2D, BRACKET) if box_format == "auto" else _SYNTAX[box_format]
    found = [(m, p) for p in patterns if (m := p.search(text))]
    if not found:
        return None, "unparsed"
    if box_format == "auto":
        found.sort(key=lambda mp: mp[0].start())
    match, pattern = found[0]
    return tuple(float(g) for g in match.groups()), _RULE[pattern]  # type: ignore[return-value]


def smart_resize(height: int, width: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """Qwen2-VL/Qwen2.5-VL's image processor resize: sides rounded to multiples of ``factor``, area kept within bounds."""
    h = max(factor, round(height / factor) * factor)
    w = max(factor, round(width / factor) * factor)
    if h * w > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h = max(factor, math.floor(height / beta / factor) * factor)
        w = max(factor, math.floor(width / beta / factor) * factor)
    elif h * w < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h = math.ceil(height * beta / factor) * factor
        w = math.ceil(width * beta / factor) * factor
    return h, w


def to_pixels(numbers: Box, rule: str, width: float, height: float, options: GroundingOptions) -> Box:
    """The box's corners in the image's pixels, as ``options.box_format`` says the numbers are written."""
    fmt = options.box_format
    if fmt == "auto":
        if rule in ("qwen2_box", "internvl_box"):
            fmt = "norm1000"
        else:
            fmt = "norm1" if all(0.0 <= v <= 1.0 for v in numbers) else "pixels"
    x1, y1, x2, y2 = numbers
    if fmt == "norm1":
        sx, sy = width, height
    elif fmt in ("norm1000", "qwen2", "internvl", "qwen3"):
        sx, sy = width / 1000.0, height / 1000.0
    elif fmt == "qwen25":
        h, w = smart_resize(int(height), int(width), options.resize_factor, options.min_pixels, options.max_pixels)
        sx, sy = width / w, height / h
    else:
        sx, sy = 1.0, 1.0
    return x1 * sx, y1 * sy, x2 * sx, y2 * sy


def clip_box(box: Box, width: float, height: float) -> Box:
    x1, y1, x2, y2 = box
    return min(max(x1, 0.0), width), min(max(y1, 0.0), height), min(max(x2, 0.0), width), min(max(y2, 0.0), height)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``[x1, y1, x2, y2]`` boxes; 0 when the union is empty."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def read_box(prediction: str, width: float, height: float, options: GroundingOptions) -> tuple[Box | None, str]:
    """``(box in the image's pixels, clipped, rule)``; ``(None, "unparsed" | "inverted")`` when no box is read."""
    numbers, rule = find_box(prediction, options.box_format)
    if numbers is None:
        return None, rule
    if numbers[2] < numbers[0] or numbers[3] < numbers[1]:
        return None, "inverted"
    return clip_box(to_pixels(numbers, rule, width, height, options), width, height), rule


def reference_box(item: ScoreInput) -> Box:
    try:
        box = json.loads(item.references[0])
        x1, y1, x2, y2 = (float(v) for v in box)
    except (ValueError, TypeError, IndexError):
        raise ValueError(f"box_iou_accuracy: sample {item.id!r} reference {item.references[:1]!r} is not [x1, y1, x2, y2]") from None
    return x1, y1, x2, y2


def image_size(item: ScoreInput) -> tuple[float, float]:
    try:
        width, height = float(item.metadata["image_width"]), float(item.metadata["image_height"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"box_iou_accuracy: sample {item.id!r} lacks image_width / image_height (fields.metadata)") from None
    if not (width > 0 and height > 0):
        raise ValueError(f"box_iou_accuracy: sample {item.id!r} has image size {width:g}x{height:g}")
    return width, height


@scorer("box_iou_accuracy", options=GroundingOptions,
        aggregate=means_aggregate({"acc@0.5": "correct", "miou": "iou", "unparsed_rate": "unparsed"}),
        primary="acc@0.5", metrics=("acc@0.5", "miou", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"},
        description="Grounding: Acc@0.5 (IoU with the reference box >= 0.5) and mean IoU; boxes read as the model family "
                    "writes them (box_format); no box or an inverted one is IoU 0, counted as unparsed.")
def score_box_iou(inputs: Sequence[ScoreInput], options: GroundingOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        ref = reference_box(item)
        width, height = image_size(item)
        box, rule = read_box(item.prediction, width, height, options)
        iou = box_iou(box, ref) if box is not None else 0.0
        right = iou > THRESHOLD if options.iou_rule == "over" else iou >= THRESHOLD
        out.append(SampleScore(
            stats={"correct": float(right), "iou": iou, "unparsed": float(box is None)},
            extracted="[" + ", ".join(f"{v:.1f}" for v in box) + "]" if box is not None else None, rule=rule,
        ))  # fmt: skip
    return out


# --- GUI grounding (ScreenSpot-v2, ScreenSpot-Pro): a click point inside the target's box ------------------------------

PointFormat = Literal["lmms_eval", "norm1", "norm1000", "pixels", "qwen25"]
_POINT_NUM = r"-?\d+(?:\.\d+)?%?"
BBOX_TAG = re.compile(r"<\s*bbox[^>]*>(.*?)<\s*/\s*bbox\s*>", re.IGNORECASE | re.DOTALL)
POINT_PAIR = re.compile(rf"[\[\(]\s*({_POINT_NUM})\s*(?:,|\s)\s*({_POINT_NUM})\s*[\]\)]")
POINT_XY = re.compile(rf"['\"]?x['\"]?\s*[:=]\s*({_POINT_NUM}).*?['\"]?y['\"]?\s*[:=]\s*({_POINT_NUM})", re.IGNORECASE | re.DOTALL)
_BOX_WORDS = ("bbox", "box", "rect", "rectangle")
"""lmms-eval's ``_parse_point`` patterns and box words (tasks/screenspot_v2/utils.py and tasks/screenspot_pro/utils.py, the
same function in both, commit 75571cfe), character for character."""


class ClickOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    point_format: PointFormat = "lmms_eval"
    resize_factor: int = 28
    min_pixels: int = 56 * 56
    max_pixels: int = 28 * 28 * 16384
    """``qwen25`` only: Qwen2.5-VL's image processor defaults, as ``GroundingOptions``."""


def _point_number(token: str) -> float:
    token = token.strip()
    return float(token[:-1]) / 100.0 if token.endswith("%") else float(token)


def find_point(text: str) -> tuple[tuple[float, float] | None, str]:
    """``((x, y), rule)`` as lmms-eval's ``_parse_point`` reads a click: the centre of a ``<bbox>`` tag's first four numbers,
    else the first ``[x, y]`` / ``(x, y)``, else ``x: .. y: ..``, else the centre of the first four numbers when the text
    names a box, else the first two numbers; ``(None, "unparsed")`` when there are fewer than two."""
    tag = BBOX_TAG.search(text)
    if tag:
        tokens = re.findall(_POINT_NUM, tag.group(1))
        if len(tokens) >= 4:
            x1, y1, x2, y2 = (_point_number(t) for t in tokens[:4])
            return ((x1 + x2) / 2.0, (y1 + y2) / 2.0), "bbox_tag"
    for pattern, rule in ((POINT_PAIR, "point"), (POINT_XY, "x_y")):
        m = pattern.search(text)
        if m:
            return (_point_number(m.group(1)), _point_number(m.group(2))), rule
    numbers = re.findall(_POINT_NUM, text)
    if len(numbers) >= 4 and any(word in text.lower() for word in _BOX_WORDS):
        x1, y1, x2, y2 = (_point_number(t) for t in numbers[:4])
        return ((x1 + x2) / 2.0, (y1 + y2) / 2.0), "box_centre"
    if len(numbers) >= 2:
        return (_point_number(numbers[0]), _point_number(numbers[1])), "numbers"
    return None, "unparsed"


def point_to_unit(point: tuple[float, float], width: float, height: float, options: ClickOptions) -> tuple[float, float]:
    """The click as 0-1 fractions of the screenshot, as ``options.point_format`` says it is written. ``lmms_eval``: pixels
    when either coordinate is over 1, else 0-1 already (lmms-eval's rule)."""
    x, y = point
    fmt = options.point_format
    if fmt == "lmms_eval":
        fmt = "pixels" if x > 1 or y > 1 else "norm1"
    if fmt == "norm1":
        return x, y
    if fmt == "norm1000":
        return x / 1000.0, y / 1000.0
    if fmt == "qwen25":
        h, w = smart_resize(int(height), int(width), options.resize_factor, options.min_pixels, options.max_pixels)
        return x / w, y / h
    return x / width, y / height


@scorer("click_accuracy", options=ClickOptions,
        aggregate=means_aggregate({"accuracy": "correct", "unparsed_rate": "unparsed"}),
        primary="accuracy", metrics=("accuracy", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"},
        description="GUI grounding (ScreenSpot): right when the answer's click point lies inside the target's box, edges "
                    "included; the point read as lmms-eval's _parse_point reads it, its coordinates as point_format says; "
                    "no point is wrong, counted as unparsed.")
def score_click(inputs: Sequence[ScoreInput], options: ClickOptions) -> list[SampleScore]:
    def judge(item: ScoreInput, point: tuple[float, float] | None) -> tuple[bool, str | None]:
        width, height = image_size(item)
        x1, y1, x2, y2 = (v / side for v, side in zip(reference_box(item), (width, height, width, height)))
        if point is None:
            return False, None
        ux, uy = point_to_unit(point, width, height, options)  # fractions of the screenshot, as both official scripts compare
        return x1 <= ux <= x2 and y1 <= uy <= y2, f"[{ux * width:.1f}, {uy * height:.1f}]"

    return _click_scores(inputs, judge)


def _click_scores(inputs: Sequence[ScoreInput],
                  judge: Callable[[ScoreInput, tuple[float, float] | None], tuple[bool, str | None]]) -> list[SampleScore]:
    """Each answer's click read by ``find_point`` and judged by ``judge(item, point) -> (hit, extracted)`` (which reads the
    sample's target first, so a bad target is that sample's scoring error even when no point was read); no point is
    wrong and counted as unparsed."""
    out = []
    for item in inputs:
        point, rule = find_point(item.prediction)
        hit, extracted = judge(item, point)
        out.append(SampleScore(stats={"correct": float(hit), "unparsed": float(point is None)}, extracted=extracted, rule=rule))
    return out


# --- OSWorld-G: a click inside a box or a polygon, or [-1, -1] where the target is absent ------------------------------


def osworld_target(item: ScoreInput) -> tuple[str, list[float]]:
    """The sample's target: ``(box_type, box_coordinates)`` from its reference (JSON: ``{"box_type", "box_coordinates"}``,
    the ``osworld_g`` preprocessor's), the box ``[x, y, w, h]`` and the polygon ``[x1, y1, x2, y2, ...]`` in pixels."""
    try:
        target = json.loads(item.references[0])
        kind, coords = str(target["box_type"]), [float(v) for v in target["box_coordinates"]]
    except (ValueError, TypeError, IndexError, KeyError):
        raise ValueError(f"osworld_g_click: sample {item.id!r} reference {item.references[:1]!r} is not a box_type and "
                         "box_coordinates") from None
    return kind, coords


def point_in_polygon(x: float, y: float, polygon: Sequence[float]) -> bool:
    """lmms-eval's ``_point_in_polygon`` (commit 75571cfe): four numbers are a box ``[x1, y1, x2, y2]`` in either corner
    order, edges included; an odd count or fewer than three vertices contain nothing; else even-odd ray casting over
    ``[x1, y1, x2, y2, ...]`` (a crossing counts when the edge spans ``y`` half-open and the point is left of it)."""
    if len(polygon) == 4:
        left, right = sorted(polygon[0::2])
        top, bottom = sorted(polygon[1::2])
        return left <= x <= right and top <= y <= bottom
    n = len(polygon) // 2
    if len(polygon) % 2 or n < 3:
        return False
    inside, j = False, n - 1
    for i in range(n):
        xi, yi, xj, yj = polygon[2 * i], polygon[2 * i + 1], polygon[2 * j], polygon[2 * j + 1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def osworld_hit(kind: str, coords: Sequence[float], x: float, y: float) -> bool:
    """Whether a click at pixel ``(x, y)`` hits the target as lmms-eval's ``osworld_g_process_results`` decides: inside the box
    ``[x, y, w, h]`` edges included, inside the polygon, or, for an absent target (``refusal``), both coordinates negative;
    any other box_type is a miss."""
    if kind == "bbox":
        left, top, w, h = coords[:4]
        return left <= x <= left + w and top <= y <= top + h
    if kind == "polygon":
        return point_in_polygon(x, y, coords)
    return kind == "refusal" and x < 0 and y < 0


@scorer("osworld_g_click", options=ClickOptions,
        aggregate=means_aggregate({"accuracy": "correct", "unparsed_rate": "unparsed"}),
        primary="accuracy", metrics=("accuracy", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"},
        description="OSWorld-G: right when the click lies in the target's box (edges included) or polygon, or, where the "
                    "target is absent, both coordinates are negative ([-1, -1]); the point read as lmms-eval's _parse_point "
                    "reads it; no point is wrong, counted as unparsed.")
def score_osworld_click(inputs: Sequence[ScoreInput], options: ClickOptions) -> list[SampleScore]:
    def judge(item: ScoreInput, point: tuple[float, float] | None) -> tuple[bool, str | None]:
        kind, coords = osworld_target(item)
        width, height = image_size(item)
        if point is None:
            return False, None
        x, y = point
        if options.point_format == "lmms_eval":  # lmms-eval's _to_absolute_point: 0-1 when both are, else pixels
            x, y = (x * width, y * height) if 0 <= x <= 1 and 0 <= y <= 1 else (x, y)
        elif options.point_format != "pixels":
            ux, uy = point_to_unit(point, width, height, options)
            x, y = ux * width, uy * height
        return osworld_hit(kind, coords, x, y), f"[{x:.1f}, {y:.1f}]"

    return _click_scores(inputs, judge)
