"""Temporal localisation (SONIC-O1 task 3): an answer names a span ``[start, end]`` in seconds; it is scored against
the reference span by temporal IoU.

Reading an answer (``read_span``), in order: JSON with ``start_s`` and ``end_s`` (SONIC-O1's required format; a
trailing ``s`` on a number is accepted, as its cleaner does), else the first two times in the text (``12.5``,
``12.5s``, ``1:05``, ``00:01:05.5``). An answer with no span is *unparsed*; a span whose end precedes its start is
*inverted*. Both score IoU 0 and stay in the denominator; SONIC-O1's official script drops them, so the scorer
also reports ``*_parsed`` figures over the answers it could read, for comparison with published numbers.

Per sample: IoU = overlap / (max(ends) - min(starts)), 0 when that union is empty (a zero-length span against
itself too); start and end errors in seconds (read answers only). Metrics: recall at IoU >= 0.3, 0.5 (primary),
0.7, mean IoU, mean absolute start / end error, the unparsed share, and ``r@0.5_topic_macro`` (the mean over
topics, as the paper reports; the subgroup field ``options.topic_field``).
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, StatsTable, scorer

THRESHOLDS = (0.3, 0.5, 0.7)
_TIME = re.compile(r"(?<![\d.:])(\d+(?::\d{1,2}){0,2}(?:\.\d+)?)\s*(?:s\b|sec\b|seconds\b)?")


class TemporalOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    topic_field: str | None = None


def _seconds(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    total = 0.0
    for p in parts:
        total = total * 60 + p
    return total


def _number(value: object) -> float:
    return float(str(value).strip().rstrip("s").strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]


def read_span(prediction: str) -> tuple[tuple[float, float] | None, str]:
    """``((start, end), rule)`` with rule ``json`` or ``times``; ``(None, "unparsed")`` when no span can be read."""
    text = prediction.strip()
    if "{" in text and "}" in text:
        body = re.sub(r'(\d)\s*s\b(?=\s*[,}])', r"\1", text[text.index("{"): text.rindex("}") + 1])
        try:
            data = json.loads(body)
            if isinstance(data, dict) and "questions" in data and data["questions"]:
                data = data["questions"][0]
            return (_number(data["start_s"]), _number(data["end_s"])), "json"
        except (ValueError, KeyError, TypeError, IndexError):
            pass
    times = [_seconds(m.group(1)) for m in _TIME.finditer(text)]
    if len(times) >= 2:
        return (times[0], times[1]), "times"
    return None, "unparsed"


def temporal_iou(pred: tuple[float, float], ref: tuple[float, float]) -> float:
    """Overlap over union of two spans; 0 for an inverted prediction or an empty union."""
    (ps, pe), (rs, re_) = pred, ref
    if pe < ps:
        return 0.0
    union = max(pe, re_) - min(ps, rs)
    if union <= 0:
        return 0.0
    return max(0.0, min(pe, re_) - max(ps, rs)) / union


def _reference(item: ScoreInput) -> tuple[float, float]:
    try:
        start, end = (float(x) for x in item.references[:2])
    except (ValueError, TypeError):
        raise ValueError(f"temporal_iou: sample {item.id!r} references {item.references!r} are not [start_s, end_s]") from None
    return start, end


def aggregate_temporal(table: StatsTable, options: TemporalOptions) -> dict[str, float]:
    iou = np.asarray(table["iou"])
    if not len(iou):
        return {}
    read = np.asarray(table["unparsed"]) == 0
    out = {f"r@{t}": float((iou >= t).mean()) for t in THRESHOLDS}
    out["mean_iou"] = float(iou.mean())
    out["unparsed_rate"] = float(1 - read.mean())
    for name, column in (("start_mae_s", "start_err"), ("end_mae_s", "end_err")):
        errs = np.asarray(table[column])[read]
        out[name] = float(np.abs(errs).mean()) if len(errs) else float("nan")
    out["r@0.5_parsed"] = float((iou[read] >= 0.5).mean()) if read.any() else float("nan")
    out["mean_iou_parsed"] = float(iou[read].mean()) if read.any() else float("nan")
    topics = np.asarray(table["topic"])
    per_topic = [float((iou[topics == k] >= 0.5).mean()) for k in np.unique(topics)]
    out["r@0.5_topic_macro"] = float(np.mean(per_topic))
    return out


@scorer("temporal_iou", aggregate=aggregate_temporal, options=TemporalOptions, primary="r@0.5",
        metrics=("r@0.5", "r@0.3", "r@0.7", "mean_iou", "start_mae_s", "end_mae_s", "unparsed_rate", "r@0.5_parsed", "mean_iou_parsed",
                 "r@0.5_topic_macro"),
        metric_directions={"start_mae_s": "lower", "end_mae_s": "lower", "unparsed_rate": "lower"},
        description="Temporal localisation: recall at IoU 0.3/0.5/0.7, mean IoU, start/end errors; unparsed answers count as IoU 0.")
def score_temporal(inputs: Sequence[ScoreInput], options: TemporalOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        ref = _reference(item)
        span, rule = read_span(item.prediction)
        iou = temporal_iou(span, ref) if span is not None else 0.0
        if span is not None and span[1] < span[0]:
            rule = "inverted"
        topic = item.sample_field(options.topic_field) if options.topic_field else ""
        # Statistics are numbers: a topic is its name's CRC-32 (only equality matters, for the macro average).
        stats = {"iou": iou, "unparsed": float(span is None), "start_err": span[0] - ref[0] if span else 0.0,
                 "end_err": span[1] - ref[1] if span else 0.0, "topic": float(zlib.crc32(topic.encode()))}
        out.append(SampleScore(stats=stats, extracted=f"{span[0]:g}-{span[1]:g}" if span else None, rule=rule))
    return out



# --- Charades-STA: lmms-eval's answer reading ----------------------------------------------------------------------

_RANGE_CLOCK = re.compile(r"\b(\d{1,2}:\d{2}(?::\d{2})?)\s*[–-]\s*(\d{1,2}:\d{2}(?::\d{2})?)\b")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[–-]\s*(\d+(?:\.\d+)?)")
_NUMBER = re.compile(r"\b(\d+(?:\.\d+)?)\b")
_CLOCK = re.compile(r"\b(\d{1,2}:\d{2}(?::\d{2})?)\b")
_RANGE_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*s?\s*[–-]\s*(\d+(?:\.\d+)?)\s*s?")
_SPAN_WORDS = ("starts", "ends", "happens in", "start time", "end time", "start", "end", "happen")


def _pairs(times: list[float]) -> list[tuple[float, float]]:
    times = times[: len(times) // 2 * 2]
    return [(times[i], times[i + 1]) for i in range(0, len(times), 2)]


def read_span_lmms_eval(prediction: str) -> tuple[tuple[float, float] | None, str]:
    """``((start, end), rule)`` as lmms-eval's Charades-STA ``extract_time`` reads an answer (EvolvingLMMs-Lab/lmms-eval,
    commit 75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3, lmms_eval/tasks/charades_sta/utils.py), or ``(None, "unparsed")``.

    The answer is lower-cased, its example sentence removed and every "to" made "-" (inside words too); it is split
    at ``!``, ``?`` and line breaks, and the pieces naming a start, an end or "happen" are searched (all pieces when
    none does). The first of these to find anything decides: a range of clock times (``clock_range``), a range of
    numbers (``range``), clock times in pairs (``clock``), each piece's first number in pairs (``numbers``), a
    range with ``s`` units (``range_s``). The first pair is the span, its ends ordered (never inverted)."""
    text = prediction.lower().replace("a specific example is : 20.8 - 30.0 seconds", "").replace("to", "-")
    pieces = re.split(r"[!?\n]", text)
    chosen = [p for p in pieces if any(w in p for w in _SPAN_WORDS)] or pieces
    spans: list[tuple[float, float]] = []
    rule = "unparsed"
    for pattern, name in ((_RANGE_CLOCK, "clock_range"), (_RANGE, "range")):
        for piece in chosen:
            found = pattern.findall(piece)
            if found:
                convert = _seconds if name == "clock_range" else float
                spans, rule = [(convert(a), convert(b)) for a, b in found], name
                break
        if spans:
            break
    if not spans:
        spans, rule = _pairs([_seconds(t) for p in chosen for t in _CLOCK.findall(p)]), "clock"
    if not spans:
        spans, rule = _pairs([float(found[0]) for p in chosen if (found := _NUMBER.findall(p))]), "numbers"
    if not spans:
        spans, rule = next(([(float(a), float(b)) for a, b in found] for p in chosen if (found := _RANGE_SECONDS.findall(p))), []), "range_s"
    if not spans:
        return None, "unparsed"
    start, end = spans[0]
    return ((start, end) if end > start else (end, start)), rule


def aggregate_charades(table: StatsTable, options: TemporalOptions) -> dict[str, float]:
    out = aggregate_temporal(table, options)
    return {k: out[k] for k in ("mean_iou", "r@0.3", "r@0.5", "r@0.7", "unparsed_rate") if k in out}


@scorer("charades_sta_iou", aggregate=aggregate_charades, options=TemporalOptions, primary="mean_iou",
        metrics=("mean_iou", "r@0.3", "r@0.5", "r@0.7", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"},
        description="Charades-STA as lmms-eval scores it: its extract_time reading, recall at IoU 0.3/0.5/0.7 and mean "
                    "IoU; an unread answer is IoU 0, counted.")
def score_charades(inputs: Sequence[ScoreInput], options: TemporalOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        ref = _reference(item)
        span, rule = read_span_lmms_eval(item.prediction)
        iou = temporal_iou(span, ref) if span is not None else 0.0
        stats = {"iou": iou, "unparsed": float(span is None), "start_err": span[0] - ref[0] if span else 0.0,
                 "end_err": span[1] - ref[1] if span else 0.0, "topic": 0.0}
        out.append(SampleScore(stats=stats, extracted=f"{span[0]:g}-{span[1]:g}" if span else None, rule=rule))
    return out
