"""``sonic_mcq``: SONIC-O1's multiple choice (task 2). Five options, the last always "(E) Not enough evidence", a
normal option. The model is asked for JSON ``{"answer_letter": ...}``; the letter is read from that JSON
(rule ``json``, also from ``answer_index`` 0-4), else by the multiple-choice rules (``bare``, ``leading``, ...).
An answer neither reads is unparsed: wrong and counted (the official script drops it; ``accuracy_parsed``
reports that view). ``accuracy_topic_macro`` is the mean over topics, as the paper reports.
"""

from __future__ import annotations

import re
import zlib
from typing import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.answers import json_field
from evals.scoring.contract import SampleScore, ScoreInput, StatsTable, scorer
from evals.scoring.metrics.choice import LETTERS, parse_choice


class SonicOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    topic_field: str | None = None


def sonic_letter(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` from the JSON answer, else the multiple-choice rules; ``(None, "unparsed")``."""
    text = prediction.strip()
    letter = str(json_field(text, "answer_letter", "")).strip().strip("()").upper()
    if len(letter) == 1 and letter in LETTERS[: len(choices)]:
        return letter, "json"
    index = json_field(text, "answer_index")
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(choices):
        return LETTERS[index], "json"
    stripped = [re.sub(r"^\s*\([A-Z]\)\s*", "", c) for c in choices]  # "(B) text" -> "text", for the option-text rule
    return parse_choice(text, stripped)


def aggregate_sonic(table: StatsTable, options: SonicOptions) -> dict[str, float]:
    score, unparsed, topic = (np.asarray(table[k]) for k in ("score", "unparsed", "topic"))
    if not len(score):
        return {}
    read = unparsed == 0
    return {"accuracy": float(score.mean()), "unparsed_rate": float(unparsed.mean()),
            "accuracy_parsed": float(score[read].mean()) if read.any() else float("nan"),
            "accuracy_topic_macro": float(np.mean([score[topic == k].mean() for k in np.unique(topic)]))}


@scorer("sonic_mcq", aggregate=aggregate_sonic, options=SonicOptions, primary="accuracy",
        metrics=("accuracy", "accuracy_topic_macro", "accuracy_parsed", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"},
        description="SONIC-O1 multiple choice: the JSON answer letter, else the multiple-choice rules; unparsed = wrong.")
def score_sonic(inputs: Sequence[ScoreInput], options: SonicOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references or not item.choices:
            raise ValueError(f"sonic_mcq: sample {item.id!r} has no reference letter or no options")
        letter, rule = sonic_letter(item.prediction, item.choices)
        topic = item.sample_field(options.topic_field) if options.topic_field else ""
        out.append(SampleScore(stats={"score": float(letter == item.references[0].strip().upper()), "unparsed": float(letter is None),
                                      "topic": float(zlib.crc32(topic.encode()))}, extracted=letter, rule=rule))
    return out
