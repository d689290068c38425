"""``judge_score``: the mean of a judge's per-sample scores (MM-Vet's 0..1 correctness, a CORRECT/INCORRECT grade).

The runner asks the task's judge (``evals.run.judge``) and puts its verdict in
``ScoreInput.metadata["judge"]`` as ``{"score", "answer", "error", "raw"}``. A sample
without a verdict (the judge call failed, the judge was down, its reply did not
parse) is a scoring error: counted and shown, left out of the mean, never a 0.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import SampleScore, ScoreInput, mean_aggregate, scorer


@scorer("judge_score", aggregate=mean_aggregate("score", "score"), primary="score", metrics=("score",),
        description="Mean of the judge's per-sample scores; a sample without a verdict is a scoring error.")
def score_judge(inputs: Sequence[ScoreInput], options: object) -> list[SampleScore]:
    out = []
    for item in inputs:
        verdict = item.metadata.get("judge")
        if not verdict:
            out.append(SampleScore(error="no judge verdict: run the task with --judge KIND:MODEL"))
        elif verdict.get("error"):
            out.append(SampleScore(error=str(verdict["error"])))
        else:
            out.append(SampleScore(stats={"score": float(verdict["score"])}, extracted=(verdict.get("raw") or "").strip()[:80],
                                   rule="judge"))
    return out
