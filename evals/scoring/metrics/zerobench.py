"""``zerobench_match``: ZeroBench's answer reading (Roberts et al. 2025, jonathan-roberts1/zerobench).

The official reading is the evaluation snippet of the dataset card (huggingface.co/datasets/jonathan-roberts1/zerobench,
README "Evaluation"): the answer stripped and lower-cased; the text inside the LAST pair of curly braces
(``re.findall(r"\\{(.*?)\\}", ...)[-1]``: non-greedy, no line breaks inside, so ``{\\boxed{5}}`` reads ``\\boxed{5``);
right when it is the ground truth stripped and lower-cased, character for character (the card's
``parsed_answer[:len(gt)].lower() == gt.strip().lower() and len(parsed_answer) == len(gt.strip())``: the braces' text is
not stripped, so ``{ 5 }`` is wrong). An answer without braces is wrong, as in the card (where ``parsed_answer`` is then
unset), and counted in ``unparsed_rate``.

``rules: vlmevalkit`` reads as VLMEvalKit's ``ZEROBench.evaluate`` does (open-compass/VLMEvalKit
vlmeval/dataset/image_vqa.py, commit 5b395d4e10b1f213430260ed86f56591a072e994): the same braces, then right when the
ground truth (stripped, lower-cased) occurs anywhere in them (``"11.90" in "$11.90"``).
"""

from __future__ import annotations

import re
from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY

_BRACES = re.compile(r"\{(.*?)\}")


class ZeroBenchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: Literal["official", "vlmevalkit"] = "official"
    """``official``: the dataset card's exact match (the default); ``vlmevalkit``: the ground truth occurs in the braces."""


def parse_zerobench(prediction: str) -> str | None:
    """The text inside the last ``{...}`` of the stripped, lower-cased answer, or None when there is none."""
    if not isinstance(prediction, str):
        return None
    found = _BRACES.findall(prediction.strip().lower())
    return found[-1] if found else None


def zerobench_right(parsed: str | None, truth: str, rules: str = "official") -> bool:
    """Whether the braces' text ``parsed`` is the ground truth ``truth`` under ``rules``."""
    if parsed is None:
        return False
    if rules == "vlmevalkit":
        return truth.strip().lower() in parsed.lower()
    return parsed[:len(truth)].lower() == truth.strip().lower() and len(parsed) == len(truth.strip())


@scorer(
    "zerobench_match",
    **LETTER_ACCURACY,
    options=ZeroBenchOptions,
    description="ZeroBench accuracy (pass@1 with greedy decoding): the text in the last curly braces of the answer, "
                "lower-cased, equal to the ground truth (the dataset card's snippet); rules: vlmevalkit, the ground truth "
                "occurring in it. No braces: wrong and counted in unparsed_rate.",
)
def score_zerobench(inputs: Sequence[ScoreInput], options: ZeroBenchOptions) -> list[SampleScore]:
    """Per sample: the braces' text (``extracted``), the rule, right as the chosen rules decide."""
    out = []
    for item in inputs:
        if not item.references or not str(item.references[0]).strip():
            out.append(SampleScore(error="no ground truth"))
            continue
        parsed = parse_zerobench(item.prediction)
        right = zerobench_right(parsed, str(item.references[0]), options.rules)
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0, "unparsed": 1.0 if parsed is None else 0.0},
                               extracted=parsed, rule="unparsed" if parsed is None else "braces"))
    return out
