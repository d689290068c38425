"""``mme``: MME's yes/no scoring with acc+ over image pairs, per category and summed.

MME asks two questions about each image (one true "Yes", one true "No"); a
sample's image is its ``id`` (MME's ``question_id`` is the image file name,
shared by both questions). Per category:

- ``acc``: the fraction of questions answered right;
- ``acc+``: the fraction of images whose questions are *all* answered right;
- score = 100 * (acc + acc+), at most 200.

``perception`` sums the scores of the 10 perception categories, ``cognition``
those of the 4 cognition categories, as in the official ``calculation.py``
(max 2000 and 800). The category is read from the sample's subgroup field
``options.category_field`` (the task must list it in ``fields.subgroups``).
Predictions are parsed with ``parse_yes_no``; an unparsed answer is wrong.
The scorer is corpus-level because a pair's two questions may fall in
different batches.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, Stats, StatsTable, scorer
from evals.scoring.metrics.yes_no import parse_yes_no, read_yes_no

PERCEPTION = ("existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark", "artwork", "OCR")
COGNITION = ("commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning")
CATEGORIES = PERCEPTION + COGNITION


class MMEOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category_field: str = "category"
    pair_field: str = "image"
    """The sample field (``fields.metadata``) naming a question's image: acc+ pairs the questions of one image. Records
    without it pair by sample id (as runs did before MME's ids were made unique)."""


def aggregate_mme(table: StatsTable, options: MMEOptions) -> dict[str, float]:
    cat = np.asarray(table["category"])
    score, first, both = (np.asarray(table[k]) for k in ("score", "pair_first", "pair_correct"))
    out: dict[str, float] = {}
    perception = cognition = 0.0
    for k, name in enumerate(CATEGORIES):
        mask = cat == k
        if not mask.any():
            continue
        acc = float(score[mask].mean())
        pairs = float(first[mask].sum())
        acc_plus = float(both[mask].sum() / pairs) if pairs else float("nan")
        out[f"{name}.acc"] = acc
        out[f"{name}.acc_plus"] = acc_plus
        value = 100.0 * (acc + acc_plus)
        out[f"{name}.score"] = value
        if name in PERCEPTION:
            perception += value
        else:
            cognition += value
    n = len(score)
    out["perception"] = perception
    out["cognition"] = cognition
    out["total"] = perception + cognition
    out["accuracy"] = float(score.mean()) if n else float("nan")
    out["acc_plus"] = float(both.sum() / first.sum()) if first.sum() else float("nan")
    out["unparsed_rate"] = float(np.asarray(table["unparsed"]).mean()) if n else float("nan")
    return out


@scorer(
    "mme",
    aggregate=aggregate_mme,
    options=MMEOptions,
    primary="total",
    metrics=("perception", "cognition", "total", "accuracy", "acc_plus", "unparsed_rate"),
    metric_directions={"unparsed_rate": "lower"},
    corpus_level=True,
    description="MME: yes/no acc and acc+ (both questions of an image right) per category; perception/cognition sums of 100*(acc+acc+).",
)
def score_mme(inputs: Sequence[ScoreInput], options: MMEOptions) -> list[SampleScore]:
    rows: list[Stats] = []
    readings = []
    first_of: dict[tuple[str, str], int] = {}
    for i, item in enumerate(inputs):
        category = item.sample_field(options.category_field)
        if category not in CATEGORIES:
            raise ValueError(
                f"mme: sample {item.id!r} has category {category!r} (subgroup field {options.category_field!r}); "
                f"expected one of {', '.join(CATEGORIES)}"
            )
        ref = parse_yes_no(item.references[0]) if item.references else None
        if ref is None:
            raise ValueError(f"mme: sample {item.id!r} reference {item.references!r} is not yes/no")
        pred, rule = read_yes_no(item.prediction)
        readings.append((pred, rule))
        key = (category, item.sample_field(options.pair_field, item.id))
        is_first = key not in first_of
        if is_first:
            first_of[key] = i
        rows.append({"score": float(pred == ref), "unparsed": float(pred is None), "category": float(CATEGORIES.index(category)),
                     "pair_first": float(is_first), "pair_correct": 0.0})
    # pair_correct sits on the pair's first row: 1 when every question of the image is right.
    groups: dict[tuple[str, str], list[int]] = {}
    for j, item in enumerate(inputs):
        groups.setdefault((item.sample_field(options.category_field), item.sample_field(options.pair_field, item.id)), []).append(j)
    for key, members in groups.items():
        rows[first_of[key]]["pair_correct"] = float(all(rows[j]["score"] == 1.0 for j in members))
    return [SampleScore(row, extracted=pred, rule=rule) for row, (pred, rule) in zip(rows, readings)]
