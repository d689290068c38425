"""``judge_pair``: AIR-Bench Chat's pairwise GPT-4 scores (OFA-Sys/AIR-Bench ``score_chat.py`` + ``cal_score.py``).

The judge sees two answers, "Assistant 1" and "Assistant 2", and replies with one line of two
scores (a ``pair`` verdict, each reply read by ``parse_score_pair``). The official protocol (its
README) asks twice: the reference answer first, then the model's answer first, and averages the
two. The judge (``evals.run.judge``) asks in each order the task's ``judge.orders`` name, turns
every reply into (reference's score, answer's score) and hands this scorer the pairs as a
reading (``format_pair_reading``: ``"8 6; 7 9"``, one pair per order asked). Per sample:
``score`` is the model's score averaged over the orders, ``reference_score`` the reference's,
``win`` the share of orders in which the model's score is higher than the reference's (in each
order ``cal_score.py`` counts a win when the model's is strictly higher; its ``Win_Rate`` of the
two orders, averaged). The task reports their means: ``score`` (AIR-Bench's headline number,
``llm_avg_score``), ``reference_score`` (``gpt4_avg_score``) and ``win_rate``.

``macro_over: FIELD`` makes each metric the mean of its per-group values over the groups of a
sample field (AIR-Bench's "mixed audio" figure is the mean of its ``speech_and_sound`` and
``speech_and_music`` figures, README and ``cal_score.py``); ``score_pooled`` then keeps the
mean over all samples.

A reply that is not two integers, or a score outside the verdict's range, is a scoring error
(counted, left out of every mean), where ``cal_score.py`` counts it in ``fail_num`` and skips it
(a score above 10 too: its ``exit(1)`` is caught by its own bare ``except``; a negative score it
keeps). With both orders, a sample either order could not score is a scoring error as a whole:
never the mean of one order. ``tests/conformance/test_air_bench_chat.py`` holds the official
script's outputs.
"""

from __future__ import annotations

import zlib
from typing import Any, ClassVar, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evals.scoring.contract import SampleScore, ScoreInput, StatsTable, scorer
from evals.scoring.metrics.judge import verdict_problem

Pair = tuple[float, float]
"""(the reference's score, the model's answer's score), whatever order the judge saw them in."""


def parse_score_pair(reply: str, low: float, high: float) -> tuple[tuple[int, int] | None, str | None]:
    """``((first, second), None)`` from a judge's reply, or ``(None, why)``: the two scores in the order written.

    As ``cal_score.py`` reads it: strip, drop newlines, split on single spaces; exactly two
    integers (``int()``: signs, surrounding whitespace and digit separators as Python takes them).
    Scores outside ``low..high`` are refused (the official script drops a score above 10 and keeps a negative one).
    """
    parts = reply.strip().replace("\n", "").split(" ")
    try:
        first, second = (int(p) for p in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        first = second = None
    if first is None or second is None:
        return None, f"judge gave an unparseable verdict {reply.strip()[:80]!r} (expected two integer scores separated by a space)"
    for value in (first, second):
        if not low <= value <= high:
            return None, f"judge gave {value}, outside {low:g}..{high:g}"
    return (first, second), None


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def format_pair_reading(pairs: Sequence[Pair]) -> str:
    """A judged sample's pairs as the scorer reads them: ``"8 6; 7 9"``, reference's score first, one pair per order asked."""
    return "; ".join(f"{_number(r)} {_number(a)}" for r, a in pairs)


def read_pair_reading(text: str) -> list[Pair]:
    """The pairs ``format_pair_reading`` wrote."""
    pairs = []
    for part in text.split(";"):
        reference, answer = part.split()
        pairs.append((float(reference), float(answer)))
    if not pairs:
        raise ValueError(f"no score pairs in {text!r}")
    return pairs


def pair_stats(pairs: Sequence[Pair]) -> dict[str, float]:
    """One sample's statistics from its pairs: each score averaged over the orders; ``win``, the share of orders the answer won."""
    n = len(pairs)
    return {"score": sum(a for _, a in pairs) / n, "reference_score": sum(r for r, _ in pairs) / n,
            "win": sum(1.0 for r, a in pairs if a > r) / n}


class PairOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    LATE_OPTIONS: ClassVar[tuple[str, ...]] = ("macro_over",)

    macro_over: str | None = Field(None, description="a sample field (a subgroup or metadata field): each metric is the mean of "
                                   "its values per group of this field (AIR-Bench's mixed audio: task_name); score_pooled keeps "
                                   "the mean over all samples")


_MEANS = {"score": "score", "reference_score": "reference_score", "win_rate": "win"}


def aggregate_pair(table: StatsTable, options: PairOptions) -> dict[str, float]:
    columns = {k: np.asarray(v, dtype=np.float64) for k, v in table.items()}
    n = len(next(iter(columns.values()))) if columns else 0
    if n == 0:
        return {metric: float("nan") for metric in _MEANS}
    pooled = {metric: float(columns[c].mean()) for metric, c in _MEANS.items()}
    if options.macro_over is None:
        return pooled
    groups = columns["group"]
    keys = np.unique(groups)
    out = {metric: float(np.mean([columns[c][groups == k].mean() for k in keys])) for metric, c in _MEANS.items()}
    out["score_pooled"] = pooled["score"]
    return out


@scorer("judge_pair", aggregate=aggregate_pair, options=PairOptions,
        primary="score", metrics=("score", "reference_score", "win_rate", "score_pooled"),
        description="A pairwise judge's scores (reference vs answer, in each order asked): the answer's mean score, the "
                    "reference's, and the win rate; macro_over: the mean over a field's groups.")
def score_judge_pair(inputs: Sequence[ScoreInput], options: PairOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        problem = verdict_problem(item)
        if problem:
            out.append(SampleScore(error=problem))
            continue
        verdict = item.metadata["judge"]
        pairs, why = _pairs(verdict)
        if pairs is None:
            out.append(SampleScore(error=str(why)))
            continue
        stats = pair_stats(pairs)
        if options.macro_over is not None:
            # Statistics are numbers: a group is its name's CRC-32 (only equality matters, for the mean over groups).
            stats["group"] = float(zlib.crc32(item.sample_field(options.macro_over).encode()))
        out.append(SampleScore(stats=stats, extracted=format_pair_reading(pairs), rule="judge"))
    return out


def _pairs(verdict: dict[str, Any]) -> tuple[list[Pair] | None, str | None]:
    """The judge's reading (``answer``); a verdict stored before readings existed holds only the replies, reference first,
    a panel's joined by " | " (each sample then gets the judges' mean of each score)."""
    if verdict.get("answer"):
        return read_pair_reading(str(verdict["answer"])), None
    pairs = [parse_score_pair(raw, float("-inf"), float("inf")) for raw in (verdict.get("raw") or "").split(" | ")]
    why = next((w for p, w in pairs if p is None), None)
    if why is not None:
        return None, why
    n = len(pairs)
    return [(sum(p[0] for p, _ in pairs) / n, sum(p[1] for p, _ in pairs) / n)], None  # type: ignore[index]
