"""We-Math's answer reading and its four-dimensional scores (We-Math/We-Math ``evaluation/four_dimensional_metrics.py``
and ``evaluation/accuracy.py``, commit a57a0e8; VLMEvalKit's ``vlmeval/dataset/utils/wemath.py`` and lmms-eval's
``tasks/wemath/wemath_utils.py`` are the same code).

Reading (``load_and_process_data``): the text after the last ``Answer`` (case-sensitive), stripped, with every ``>``,
``<``, ``:`` and ``.`` removed, stripped again; its first character when it is one of A-H, else no reading (unparsed,
wrong and counted). A row is right (``joker``) when that letter is the row's answer.

``wemath_match`` scores every row (the 1,740 testmini questions: each problem's one-step sub-problems and the
multi-step problem itself). ``wemath_score`` scores the same rows for the official problem-level scores: the rows of one
problem (``fields.group: ID``) are combined by the ``wemath_strict`` or ``wemath_loose`` question reducer below into the
problem's share of the official final score, so the mean over the 525 problems is "Score (Strict)" / "Score (Loose)":
``(525 - 0.5·IG - RM - IK) / 525`` = ``(CM + 0.5·IG) / 525``, the four classes partitioning the problems:

- CM (complete mastery): the multi-step problem right and, strict, every one-step sub-problem right (loose: any) -> 1;
- IG (inadequate generalization): every sub-problem right, the multi-step problem wrong -> 0.5;
- IK (insufficient knowledge): some sub-problem wrong, the multi-step problem wrong -> 0;
- RM (rote memorization): the multi-step problem right and, strict, some sub-problem wrong (loose: all) -> 0.

The row's ``key`` (``2steps_1`` .. ``3steps_multi``, fields.metadata) says which row is the multi-step problem.
tests/conformance/test_wemath.py checks the reading and both scores against the official functions' outputs.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, Stats, means_aggregate, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY
from evals.scoring.reducers import REDUCERS

_DROP = re.compile(r"[><:.]")


def read_answer(response: str) -> str | None:
    """The official ``processed_answer``: the first character after the last ``Answer`` (cleaned) when it is A-H."""
    text = _DROP.sub("", response.split("Answer")[-1].strip()).strip()
    return text[0] if text and text[0] in "ABCDEFGH" else None


def _score(inputs: Sequence[ScoreInput], name: str) -> list[SampleScore]:
    out = []
    for item in inputs:
        key = item.metadata.get("key")
        if not item.references or not key:
            raise ValueError(f"{name}: sample {item.id!r} lacks its answer or key (fields.references, fields.metadata)")
        multi = float(str(key).endswith("_multi"))
        letter = read_answer(item.prediction)
        if letter is None:
            out.append(SampleScore(stats={"score": 0.0, "unparsed": 1.0, "multi": multi}, extracted=None, rule="unparsed"))
            continue
        right = letter == item.references[0]
        out.append(SampleScore(stats={"score": float(right), "unparsed": 0.0, "multi": multi}, extracted=letter, rule="answer"))
    return out


@scorer("wemath_match", **LETTER_ACCURACY, internal_stats=("multi",),
        description="We-Math: the official string-match reading (the letter after the last 'Answer'); accuracy over every row.")
def score_wemath(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return _score(inputs, "wemath_match")


@scorer("wemath_score", aggregate=means_aggregate({"score": "score", "unparsed_rate": "unparsed"}), primary="score",
        metrics=("score", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"}, internal_stats=("multi",),
        description="We-Math: the official reading; with fields.group ID and the wemath_strict / wemath_loose reducer, the "
                    "official Score (Strict) / Score (Loose) over problems.")
def score_wemath_problems(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return _score(inputs, "wemath_score")


def _problem(rows: list[Stats], strict: bool) -> Stats:
    steps = [r.get("score", 0.0) >= 0.5 for r in rows if r.get("multi", 0.0) < 0.5]
    multi = any(r.get("score", 0.0) >= 0.5 for r in rows if r.get("multi", 0.0) >= 0.5)
    all_steps = bool(steps) and all(steps)
    mastered = all_steps if strict else any(steps)
    score = 1.0 if multi and mastered else 0.5 if all_steps and not multi else 0.0
    return {"score": score, "unparsed": max(r.get("unparsed", 0.0) for r in rows), "multi": 1.0}


@REDUCERS.register("wemath_strict")
def wemath_strict(rows: list[Stats]) -> Stats:
    """A We-Math problem's share of Score (Strict): 1 complete mastery (all sub-problems and the problem right), 0.5
    inadequate generalization (all sub-problems right, the problem wrong), else 0 (``multi`` marks the problem's row)."""
    return _problem(rows, strict=True)


@REDUCERS.register("wemath_loose")
def wemath_loose(rows: list[Stats]) -> Stats:
    """A We-Math problem's share of Score (Loose): as ``wemath_strict``, complete mastery needing any sub-problem right."""
    return _problem(rows, strict=False)
