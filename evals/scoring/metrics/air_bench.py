"""``judge_pair``: AIR-Bench Chat's pairwise GPT-4 scores (OFA-Sys/AIR-Bench ``score_chat.py`` + ``cal_score.py``).

The judge sees the reference answer as "Assistant 1" and the model's answer as "Assistant 2"
and replies with one line of two scores from 1 to 10 (a ``pair`` verdict, read by
``parse_score_pair``). Per sample: ``score`` is the model's score, ``reference_score`` the
reference's, ``win`` 1 when the model's is higher. The task reports their means, as
``cal_score.py`` prints them: ``llm_avg_score`` (our ``score``, AIR-Bench's headline number),
``gpt4_avg_score`` (``reference_score``) and ``Win_Rate`` (``win_rate``). A reply that is not
two integers is a scoring error, left out of every mean, as ``cal_score.py`` counts it in
``fail_num`` and skips it.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import SampleScore, ScoreInput, means_aggregate, scorer


def parse_score_pair(reply: str, low: float, high: float) -> tuple[tuple[int, int] | None, str | None]:
    """``((reference, answer), None)`` from a judge's reply, or ``(None, why)``.

    As ``cal_score.py`` reads it: strip, drop newlines, split on single spaces; exactly two
    integers. Scores outside ``low..high`` are refused (the official script stops there).
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


@scorer("judge_pair", aggregate=means_aggregate({"score": "score", "reference_score": "reference_score", "win_rate": "win"}),
        primary="score", metrics=("score", "reference_score", "win_rate"),
        description="A pairwise judge's scores (reference vs answer): the answer's mean score, the reference's, and the win rate.")
def score_judge_pair(inputs: Sequence[ScoreInput], options: object) -> list[SampleScore]:
    out = []
    for item in inputs:
        verdict = item.metadata.get("judge")
        if not verdict:
            out.append(SampleScore(error="no judge verdict: run the task with --judge KIND:MODEL"))
            continue
        if verdict.get("error"):
            out.append(SampleScore(error=str(verdict["error"])))
            continue
        # The verdicts were range-checked when the judges answered; the raw replies hold both scores
        # (a panel's are joined by " | ": each sample then gets the judges' mean of each score).
        pairs = [parse_score_pair(raw, float("-inf"), float("inf")) for raw in (verdict.get("raw") or "").split(" | ")]
        why = next((w for p, w in pairs if p is None), None)
        if why is not None:
            out.append(SampleScore(error=str(why)))
            continue
        reference = sum(p[0] for p, _ in pairs) / len(pairs)  # type: ignore[index]
        answer = sum(p[1] for p, _ in pairs) / len(pairs)  # type: ignore[index]
        out.append(SampleScore(stats={"score": answer, "reference_score": reference, "win": 1.0 if answer > reference else 0.0},
                               extracted=f"{reference:g} {answer:g}", rule="judge"))
    return out
