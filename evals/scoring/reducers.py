"""Question reducers: how the scored variants of one question become the one row its task's metrics count.

A question is asked several ways when a transform makes variants of it (``circular``: one per rotation of its
options) or when the data holds its copies (``fields.group``: MMBench's circular copies). Which rule combines them
is a fact decided once: the spec declares it (``TaskSpec.question_reducer``), the runner applies it and records its
name in ``results.json`` (``TaskResult.reducer``), and ``omnieval rescore`` and the leaderboard read that record and
take the function from this registry, so the paired tests, rank intervals and shared-sample counts count questions
exactly as the cell's own metric does.
"""

from __future__ import annotations

from typing import Callable

from evals.registry import Registry
from evals.scoring.contract import Stats

Reducer = Callable[[list[Stats]], Stats]

REDUCERS: Registry[Reducer] = Registry("question reducer")


@REDUCERS.register("all_right")
def all_right(rows: list[Stats]) -> Stats:
    """Right only when every variant is right (``score``: the minimum), unparsed when any variant was
    (``unparsed``: the maximum); other statistics are the first variant's (VLMEvalKit's CircularEval)."""
    out: Stats = {}
    for key in rows[0]:
        values = [r.get(key, 0.0) for r in rows]
        out[key] = min(values) if key == "score" else max(values) if key == "unparsed" else values[0]
    return out


@REDUCERS.register("mean")
def mean(rows: list[Stats]) -> Stats:
    """Every statistic averaged over the variants (a question's share of variants right)."""
    return {key: sum(r.get(key, 0.0) for r in rows) / len(rows) for key in rows[0]}


def get_reducer(name: str | None) -> Reducer | None:
    """The registered reducer ``name`` (None: samples are questions, nothing to combine)."""
    return None if name is None else REDUCERS.get(name)
