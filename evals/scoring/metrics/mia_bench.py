"""``mia_bench_score``: MIA-Bench's judge scores as the official notebook reads them (apple/ml-mia-bench
``evaluation.ipynb`` at 5422852, ``process_rawscore`` and ``get_score_dict``).

The judge is asked (the task's judge prompt, the official ``generate_prompt``) to list each component's score and the total
"in one sentence in this format: score of component 1: x/2, score of component 2: y/8, total score: z/10". The official
reading, kept here: the reply up to its first ``.``, split at ``,``; each piece but the last is a component's score (the
text after its first ``:``, less one character, as ``x/y``: ``int(x) / int(y)``), filed under the sample's
``component_type`` of that position (a later component of the same type replaces an earlier one); the last piece is the
total, read the same way. A reply the official code cannot read (no ``:``, not two integers, a zero denominator, more
pieces than components, no piece before the total) makes it skip the sample in every average; here the sample is a scoring
error, counted and left out. Scores are kept as read; the task's verdict (a ``total score: N`` with N from 0 to 10) is
checked first, so a reply without one, or an ``11/10`` total the official keeps as 1.1, is a scoring error too.

Metrics, as ``get_score_dict`` averages them: ``total_score`` (the mean total, 0-1; the paper reports it x100) and each
component type's mean over the samples that have it (``describe``, ``mention``, ``length_limit``, ``linguistics``,
``grammar``, ``textual``, ``math``, ``perspective``: the eight types of the 400 questions). ``tests/conformance/
test_mia_bench.py`` holds the official code's outputs.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer
from evals.scoring.metrics.judge import judge_reply

COMPONENT_TYPES = ("describe", "mention", "length_limit", "linguistics", "grammar", "textual", "math", "perspective")


def _fraction(piece: str) -> float:
    """One ``label: x/y`` piece as the official code reads it: after the first ``:``, one character dropped, ``int(x) / int(y)``."""
    numerator, denominator = piece.split(":")[1][1:].split("/")[:2]
    return int(numerator) / int(denominator)


def read_mia_scores(reply: str, component_types: Sequence[str]) -> tuple[dict[str, float] | None, str | None]:
    """({component type: score, ..., "total_score": score}, None) as ``process_rawscore`` reads ``reply``, or (None, why it
    raises: the official notebook then skips the sample)."""
    pieces = reply.split(".")[0].split(",")
    if len(pieces) < 2:
        return None, f"judge reply {reply[:80]!r} has no component score before the total (the official code raises)"
    if len(pieces) - 1 > len(component_types):
        return None, (f"judge reply {reply[:80]!r} lists {len(pieces) - 1} component scores for {len(component_types)} "
                      f"components (the official code raises)")
    scores: dict[str, float] = {}
    try:
        for kind, piece in zip(component_types, pieces[:-1]):
            scores[kind] = _fraction(piece)
        scores["total_score"] = _fraction(pieces[-1])
    except (IndexError, ValueError, ZeroDivisionError) as e:
        return None, f"judge reply {reply[:80]!r} is not read by the official code ({type(e).__name__})"
    return scores, None


def _means(totals: dict[str, np.ndarray], n: np.ndarray, options: object) -> dict[str, np.ndarray]:
    out = {"total_score": safe_divide(totals["total_score"], n)}
    out.update({kind: safe_divide(totals[kind], totals[f"{kind}_n"]) for kind in COMPONENT_TYPES})
    return out


@scorer(
    "mia_bench_score",
    aggregate=TotalsAggregate(("total_score", *COMPONENT_TYPES, *(f"{k}_n" for k in COMPONENT_TYPES)), _means),
    primary="total_score",
    metrics=("total_score", *COMPONENT_TYPES),
    internal_stats=tuple(f"{k}_n" for k in COMPONENT_TYPES),
    needs_references=False,
    description="MIA-Bench: the judge's component and total scores read as the official notebook reads them; the mean "
                "total and each component type's mean.",
)
def score_mia_bench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        reply, problem = judge_reply(item)
        scores, why = read_mia_scores(reply, [str(t) for t in item.metadata.get("component_type") or []]) if reply is not None else (None, problem)
        if scores is None:
            out.append(SampleScore(error=why))
            continue
        stats = {"total_score": scores["total_score"]}
        for kind in COMPONENT_TYPES:
            stats[kind], stats[f"{kind}_n"] = scores.get(kind, 0.0), float(kind in scores)
        out.append(SampleScore(stats=stats, extracted=f"{scores['total_score']:g}", rule="judge"))
    return out
