"""SimpleVQA's grades and scores (SimpleVQA/SimpleVQA ``llm_as_a_vqa_judger.py`` and ``simpleVQA_eval.py``, commit
b94d1f3; VLMEvalKit's ``vlmeval/dataset/simplevqa.py`` and ``utils/simplevqa.py`` are the same code), as SimpleQA grades:
each answer is correct (正确), incorrect (错误) or not attempted (未尝试).

Reading one reply of the judge (the task's judge prompt is the official one, which asks for a JSON object
``{"预测答案0": "<grade>"}``), as the official code reads it: every ```` ```json ````, ```` ```python ```` and ```` ``` ````
removed, the text stripped, a ``}`` added when it does not end with one, then ``json.loads``; the grade is the value of
the object's first key: an object's ``conclusion``, else the text; ``**`` removed; a text that is not a grade and is
longer than 3 characters counts as not attempted. A reply the official code cannot read ("答案解析失败", or a short
text that is not a grade) it counts in no class but keeps in the denominator; here such a sample is a scoring error
(left out of the rates and reported), never a grade. Replies that make the official code raise (a JSON list, an
object whose grade is a number or lacks ``conclusion``) are scoring errors too.

Metrics, as ``SimpleVQAEval`` computes them over the graded samples: ``correct`` (is_correct), ``incorrect``,
``not_attempted`` (the three rates), ``correct_given_attempted`` (correct / (correct + incorrect)) and ``f_score``, the
harmonic mean of correct and correct_given_attempted (the official "f1", SimpleQA's F-score). The official code rounds
each rate to 4 decimals before combining them; here nothing is rounded.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer
from evals.scoring.metrics.judge import verdict_problem

GRADES = {"正确": "correct", "错误": "incorrect", "未尝试": "not_attempted"}


def read_simplevqa_grade(reply: str) -> tuple[str | None, str | None]:
    """(the grade, None) as the official code reads one judge reply, or (None, why it gives none)."""
    text = reply.replace("```json", "").replace("```python", "").replace("```", "").strip()
    if not text:
        return None, "empty judge reply (the official code: 答案解析失败)"
    if text[-1] != "}":
        text += "}"
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        return None, f"judge reply {reply[:80]!r} is not a JSON object (the official code: 答案解析失败)"
    if not isinstance(parsed, dict):
        return None, f"judge reply {reply[:80]!r} is JSON but not an object (the official code raises)"
    if not parsed:
        return None, "judge reply is an empty object (the official code grades nothing)"
    value = next(iter(parsed.values()))
    if isinstance(value, dict):
        if "conclusion" not in value or not isinstance(value["conclusion"], str):
            return None, f"judge reply {reply[:80]!r}: an object without a text conclusion (the official code raises)"
        grade = value["conclusion"].replace("**", "")
    elif isinstance(value, str):
        grade = value
        if grade not in GRADES:
            grade = grade.replace("**", "")
            if len(grade) > 3:
                grade = "未尝试"
    else:
        return None, f"judge reply {reply[:80]!r}: the grade is not text (the official code raises)"
    if grade not in GRADES:
        return None, f"judge grade {grade!r} is none of 正确 / 错误 / 未尝试 (the official code counts it in no class)"
    return grade, None


def _rates(totals: dict[str, np.ndarray], n: np.ndarray, options: Any) -> dict[str, np.ndarray]:
    correct, incorrect, not_attempted = (safe_divide(totals[c], n) for c in ("correct", "incorrect", "not_attempted"))
    attempted = correct + incorrect
    given = np.where(attempted > 0, safe_divide(correct, attempted), 0.0)
    f_score = np.where(given + correct > 0, safe_divide(2 * given * correct, given + correct), 0.0)
    return {"correct": correct, "incorrect": incorrect, "not_attempted": not_attempted,
            "correct_given_attempted": given, "f_score": f_score}


@scorer(
    "simplevqa_grade",
    aggregate=TotalsAggregate(("correct", "incorrect", "not_attempted"), _rates),
    options=NoOptions,
    primary="f_score",
    metrics=("f_score", "correct", "not_attempted", "incorrect", "correct_given_attempted"),
    description="SimpleVQA: the judge's grade (correct / incorrect / not attempted) read as the official code reads it; "
                "the three rates, correct given attempted and the F-score.",
)
def score_simplevqa(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        problem = verdict_problem(item)
        if problem:
            out.append(SampleScore(error=problem))
            continue
        verdict = item.metadata["judge"]
        grade, why = read_simplevqa_grade(str(verdict.get("raw") or ""))
        if grade is None:
            out.append(SampleScore(error=why))
            continue
        cls = GRADES[grade]
        out.append(SampleScore(stats={c: float(c == cls) for c in GRADES.values()}, extracted=cls, rule="judge"))
    return out
