"""``mm_mt_bench_rating``: MM-MT-Bench's judge ratings and their averages (mistralai/mistral-evals
``eval/tasks/mm_mt_bench.py`` at d61811f).

Each turn of a conversation is one sample; the judge rates the turn's answer from 1 to 10 (the task's ``scale`` verdict
reads the official ``[[rating]]``, ``BRACKET_SCORE_RE``), and the sample's score is that rating, as ``judge_score`` reads
it. ``MultimodalMTBench.aggregate_metrics`` reports ``micro_average_score``, the mean rating over every turn, and
``macro_average_score``, the mean of the per-category means AND the per-turn means taken together (its
``category_scores`` holds both the categories and the turn numbers as keys): both are metrics here. Their per-category and
per-turn means (``<category>_average``, ``<turn>_average``) are the task's subgroups ``category`` and ``turn``.
A turn without a rating is a scoring error, left out of every mean (the official code asks the judge again until it
rates); ``tests/conformance/test_mm_mt_bench.py`` holds the official code's outputs.
"""

from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, StatsTable, scorer
from evals.scoring.metrics.judge import score_judge


def _group_key(value: str) -> float:
    """Statistics are numbers: a group is its name's CRC-32 (only equality matters, for the means over groups)."""
    return float(zlib.crc32(value.encode()))


def aggregate_mm_mt_bench(table: StatsTable, options: NoOptions) -> dict[str, float]:
    scores = np.asarray(table.get("score", []), dtype=np.float64)
    if scores.size == 0:
        return {"micro_average_score": float("nan"), "macro_average_score": float("nan")}
    means = [scores[keys == k].mean() for column in ("category", "turn")
             for keys in [np.asarray(table[column], dtype=np.float64)] for k in np.unique(keys)]  # fmt: skip
    return {"micro_average_score": float(scores.mean()), "macro_average_score": float(np.mean(means))}


@scorer("mm_mt_bench_rating", aggregate=aggregate_mm_mt_bench, primary="micro_average_score",
        metrics=("micro_average_score", "macro_average_score"), internal_stats=("category", "turn"),
        description="MM-MT-Bench: the judge's 1-10 rating of each turn; the mean over turns (micro) and the official macro "
                    "average (the mean of the per-category and per-turn means together).")
def score_mm_mt_bench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item, scored in zip(inputs, score_judge(inputs, options)):
        if scored.error is None:
            scored.stats.update(category=_group_key(item.sample_field("category")), turn=_group_key(item.sample_field("turn")))
        out.append(scored)
    return out
