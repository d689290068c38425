"""``judge_score``: the mean of a judge's per-sample scores (MM-Vet's 0..1 correctness, a CORRECT/INCORRECT grade).

The runner asks the task's judge (``evals.run.judge``) and puts its verdict in
``ScoreInput.metadata["judge"]`` as ``{"score", "answer", "error", "raw"}``. A sample
without a verdict (the judge call failed, the judge was down, its reply did not
parse) is a scoring error: counted and shown, left out of the mean, never a 0.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import SampleScore, ScoreInput, mean_aggregate, scorer


def verdict_problem(item: ScoreInput) -> str | None:
    """Why ``item`` has no usable judge verdict (none was asked for or given, or the judge call failed), else None: the
    scoring error every judged scorer reports for it."""
    verdict = item.metadata.get("judge")
    if not verdict:
        return "no judge verdict: run the task with --judge KIND:MODEL"
    return str(verdict["error"]) if verdict.get("error") else None


@scorer("judge_score", aggregate=mean_aggregate("score", "score"), primary="score", metrics=("score",),
        description="Mean of the judge's per-sample scores; a sample without a verdict is a scoring error.")
def score_judge(inputs: Sequence[ScoreInput], options: object) -> list[SampleScore]:
    out = []
    for item in inputs:
        problem = verdict_problem(item)
        if problem:
            out.append(SampleScore(error=problem))
        else:
            verdict = item.metadata["judge"]
            out.append(SampleScore(stats={"score": float(verdict["score"])}, extracted=(verdict.get("raw") or "").strip()[:80],
                                   rule="judge"))
    return out


def judge_reply(item: ScoreInput) -> tuple[str | None, str | None]:
    """(the judge's raw reply, None) for a scorer that reads the reply itself (SimpleVQA's grades, MIA-Bench's component
    scores), or (None, the scoring error ``verdict_problem`` gives) when the sample has no usable verdict."""
    problem = verdict_problem(item)
    return (None, problem) if problem else (str(item.metadata["judge"].get("raw") or ""), None)


from evals.scoring.contract import means_aggregate  # noqa: E402  (added with mmhal_score below)


@scorer("mmhal_score", aggregate=means_aggregate({"score": "score", "hallucination_rate": "hallucinated"}), primary="score",
        metrics=("score", "hallucination_rate"), metric_directions={"hallucination_rate": "lower"},
        description="MMHal-Bench: the mean of the judge's 0-6 ratings, and the hallucination rate (the share rated below 3, "
                    "as eval_gpt_mmhal.py counts it); a sample without a rating is a scoring error.")
def score_mmhal(inputs: Sequence[ScoreInput], options: object) -> list[SampleScore]:
    out = []
    for item, scored in zip(inputs, score_judge(inputs, options)):
        if scored.error is None:
            scored = SampleScore(stats={**scored.stats, "hallucinated": float(scored.stats["score"] < 3)}, extracted=scored.extracted,
                                 rule=scored.rule)
        out.append(scored)
    return out
