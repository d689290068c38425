"""``countbench_match``: CountBench (CountBenchQA) answers read as VLMEvalKit or lmms-eval reads them.

``rules: vlmevalkit`` (the default): VLMEvalKit's ``CountBenchQA.evaluate`` (vlmeval/dataset/image_vqa.py of
open-compass/VLMEvalKit at commit e8e78f05f3080fe28154f2130321f17951c3be94): right when the answer's text (the number
as the file writes it, ``3``) occurs anywhere in the prediction (``ans in pred``: ``3 apples`` and ``13`` are both 3;
the number written in words is not). ``rules: lmms_eval``: lmms-eval's countbench task (lmms_eval/tasks/countbench/utils.py
of EvolvingLMMs-Lab/lmms-eval at commit 75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3): the prediction stripped and
lower-cased, a whole number word ``none``, ``zero`` .. ``twenty`` made its numeral, equal to the answer so normalised.
Both are tested against the official functions (tests/conformance/test_countbench.py). The metric is ``accuracy``.
"""

from __future__ import annotations

from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, mean_aggregate, scorer

_NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split())}
_NUMBER_WORDS["none"] = "0"


class CountBenchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: Literal["vlmevalkit", "lmms_eval"] = "vlmevalkit"
    """``vlmevalkit``: the answer occurs in the prediction (the default); ``lmms_eval``: the normalised prediction equals it."""


def _lmms_eval_normal(text: str) -> str:
    normal = str(text).strip().lower()
    return _NUMBER_WORDS.get(normal, normal)


def countbench_right(prediction: str, answer: str, rules: str = "vlmevalkit") -> bool:
    """Whether ``prediction`` answers ``answer`` (the number as the data writes it) under ``rules``."""
    if rules == "lmms_eval":
        return _lmms_eval_normal(prediction) == _lmms_eval_normal(answer)
    return str(answer) in str(prediction)


@scorer("countbench_match", aggregate=mean_aggregate("score", "accuracy"), options=CountBenchOptions, primary="accuracy",
        metrics=("accuracy",),
        description="CountBench: right when the answer's number occurs in the prediction (VLMEvalKit), or, with rules: "
                    "lmms_eval, when the prediction, number words made numerals, is that number.")
def score_countbench(inputs: Sequence[ScoreInput], options: CountBenchOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references:
            out.append(SampleScore(error="no reference number"))
            continue
        right = countbench_right(item.prediction, item.references[0], options.rules)
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0}, rule=options.rules))
    return out
