"""``hallusionbench``: HallusionBench's aAcc, fAcc and qAcc (Guan et al. 2024), as its evaluation code defines them.

Each answer is *correct*, *incorrect* or *unclear*:

- with the task's grading judge (``--judge``; the official GPT-4 prompt against
  ``gt_answer_details``), its verdict says which;
- without one, the yes/no rules read the answer (``read_yes_no``): the gold
  yes/no is correct, the other incorrect, neither (or both) unclear.

An answer counts right when it is correct; for a Visual Supplement question
asked without its figure (``category`` VS, ``figure_id`` 0) an unclear answer
counts right too ("the model does not know" is the right answer there).

- ``aAcc``: the share of questions answered right;
- ``fAcc``: the share of figures (category, subcategory, set, figure; VS
  questions without a figure excluded) whose questions are all right;
- ``qAcc``: the share of questions (category, subcategory, set, question id),
  each asked about every figure of its set, right about all of them;
- ``overall``: their mean, the single number the OpenCompass leaderboard shows.

A sample's id must name its place, as the official code keys it:
``category/subcategory/set_id/figure_id/question_id`` (the ``hallusionbench``
preprocessor writes it). The scorer is corpus-level: a figure's or a
question's samples may arrive in different batches. The task clusters samples
by set, so intervals resample whole sets and groups stay whole.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, Stats, StatsTable, scorer
from evals.scoring.metrics.yes_no import parse_yes_no, read_yes_no

_KEYS = ("category", "subcategory", "set_id", "figure_id", "question_id")
_UNCLEAR = 2.0  # the official code's label for "unclear"


def _ratio(num: np.ndarray, den: np.ndarray) -> float:
    return float(num.sum() / den.sum()) if den.sum() else float("nan")


def aggregate_hallusionbench(table: StatsTable, options: NoOptions) -> dict[str, float]:
    score = np.asarray(table["score"])
    a = float(score.mean()) if len(score) else float("nan")
    f = _ratio(np.asarray(table["figure_correct"]), np.asarray(table["figure_first"]))
    q = _ratio(np.asarray(table["question_correct"]), np.asarray(table["question_first"]))
    return {"aAcc": a, "fAcc": f, "qAcc": q, "overall": float(np.mean([a, f, q])),
            "unclear_rate": float(np.asarray(table["unparsed"]).mean()) if len(score) else float("nan")}


def _verdict(item: ScoreInput) -> tuple[float | None, str, str | None]:
    """(1 correct | 0 incorrect | 2 unclear, rule, error) from the judge when there is one, else from the yes/no rules."""
    judged = item.metadata.get("judge")
    if judged:
        if judged.get("error"):
            return None, "judge", str(judged["error"])
        return float(judged["score"]), "judge", None
    gold = parse_yes_no(item.references[0]) if item.references else None
    if gold is None:
        raise ValueError(f"hallusionbench: sample {item.id!r} reference {item.references[:1]!r} is not yes/no")
    answer, rule = read_yes_no(item.prediction)
    return (_UNCLEAR if answer is None else float(answer == gold)), rule, None


@scorer(
    "hallusionbench",
    aggregate=aggregate_hallusionbench,
    primary="overall",
    metrics=("overall", "aAcc", "fAcc", "qAcc", "unclear_rate"),
    metric_directions={"unclear_rate": "lower"},
    corpus_level=True,
    description="HallusionBench: aAcc (questions), fAcc (all questions of a figure), qAcc (a question about every figure); overall = their mean.",
)
def score_hallusionbench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    rows: list[Stats | None] = []
    out: list[SampleScore] = []
    keys = []
    for item in inputs:
        parts = item.id.split("/")
        if len(parts) != len(_KEYS):
            raise ValueError(f"hallusionbench: sample id {item.id!r} is not {'/'.join(_KEYS)}")
        key = dict(zip(_KEYS, parts))
        verdict, rule, error = _verdict(item)
        keys.append(key)
        if error is not None:
            rows.append(None)
            out.append(SampleScore(error=error))
            continue
        no_figure = key["category"] == "VS" and key["figure_id"] == "0"
        right = verdict == 1.0 or (no_figure and verdict == _UNCLEAR)
        rows.append({"score": float(right), "unparsed": float(verdict == _UNCLEAR), "figure_first": 0.0, "figure_correct": 0.0,
                     "question_first": 0.0, "question_correct": 0.0})
        out.append(SampleScore(extracted={1.0: "correct", 0.0: "incorrect"}.get(verdict, "unclear"), rule=rule))
    # A group's result sits on its first scored sample; a group with a sample that could not be scored is left out.
    for kind, fields, skip in (("figure", ("category", "subcategory", "set_id", "figure_id"), True),
                               ("question", ("category", "subcategory", "set_id", "question_id"), False)):
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, key in enumerate(keys):
            if skip and key["category"] == "VS" and key["figure_id"] == "0":
                continue
            groups.setdefault(tuple(key[f] for f in fields), []).append(i)
        for members in groups.values():
            if any(rows[i] is None for i in members):
                continue
            first = rows[members[0]]
            first[f"{kind}_first"] = 1.0  # type: ignore[index]
            first[f"{kind}_correct"] = float(all(rows[i]["score"] == 1.0 for i in members))  # type: ignore[index]
    return [SampleScore(stats=row, extracted=o.extracted, rule=o.rule) if row is not None else o for row, o in zip(rows, out)]
