"""``yes_no``: binary yes/no questions (POPE-style), "yes" is the positive class.

Parsing rule (``parse_yes_no``), applied to predictions and references alike:
lower-case, keep letter runs as words; if the first word is ``yes`` or ``no``
that decides; otherwise if exactly one of ``yes``/``no`` occurs as a whole
word anywhere, that decides; otherwise unparsed. A reference that does not
parse is an error.

Per sample: ``score`` (1 if the parsed prediction equals the reference; an
unparsed prediction is wrong), ``unparsed``, ``pred_yes``, ``ref_yes``,
``true_positive``. Metrics (all from column totals, so bootstrappable):
``accuracy``, ``precision = TP / #pred_yes``, ``recall = TP / #ref_yes``,
``f1``, ``yes_ratio = #pred_yes / n`` (unparsed predictions count as "not
yes"), ``unparsed_rate``.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer

_WORDS = re.compile(r"[a-z]+")


def read_yes_no(text: str) -> tuple[str | None, str]:
    """``(answer, rule)``: ``("yes", "first_word")``, ``("no", "only_word")``, or ``(None, "unparsed")``."""
    words = _WORDS.findall(text.lower())
    if words and words[0] in ("yes", "no"):
        return words[0], "first_word"
    present = {w for w in words if w in ("yes", "no")}
    return (present.pop(), "only_word") if len(present) == 1 else (None, "unparsed")


def parse_yes_no(text: str) -> str | None:
    return read_yes_no(text)[0]


class YesNoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _from_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    tp, pred_yes, ref_yes = totals["true_positive"], totals["pred_yes"], totals["ref_yes"]
    precision = safe_divide(tp, pred_yes)
    recall = safe_divide(tp, ref_yes)
    return {
        "accuracy": safe_divide(totals["score"], n),
        "precision": precision,
        "recall": recall,
        "f1": safe_divide(2 * tp, pred_yes + ref_yes),
        "yes_ratio": safe_divide(pred_yes, n),
        "unparsed_rate": safe_divide(totals["unparsed"], n),
    }


@scorer(
    "yes_no",
    aggregate=TotalsAggregate(("score", "unparsed", "pred_yes", "ref_yes", "true_positive"), _from_totals),
    options=YesNoOptions,
    primary="accuracy",
    metrics=("accuracy", "precision", "recall", "f1", "yes_ratio", "unparsed_rate"),
    metric_directions={"unparsed_rate": "lower"},
    description="Yes/no accuracy, precision, recall, F1 and yes-ratio ('yes' positive); unparsed = wrong.",
)
def score_yes_no(inputs: Sequence[ScoreInput], options: YesNoOptions) -> list[SampleScore]:
    rows = []
    for item in inputs:
        ref = parse_yes_no(item.references[0]) if item.references else None
        if ref is None:
            raise ValueError(f"yes_no: sample {item.id!r} reference {item.references!r} is not yes/no")
        pred, rule = read_yes_no(item.prediction)
        rows.append(SampleScore({
            "score": 1.0 if pred == ref else 0.0,
            "unparsed": 1.0 if pred is None else 0.0,
            "pred_yes": 1.0 if pred == "yes" else 0.0,
            "ref_yes": 1.0 if ref == "yes" else 0.0,
            "true_positive": 1.0 if pred == ref == "yes" else 0.0,
        }, extracted=pred, rule=rule))  # fmt: skip
    return rows
