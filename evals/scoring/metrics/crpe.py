"""``crpe_match``: CRPE's answer reading as the official evaluator does it (OpenGVLab/all-seeing all-seeing-v2
llava/eval/eval_crpe.py ``eval_crpe``, commit 5f13d18324893666cb49fe5a83dafe55b074be65).

The answer, stripped (LLaVA's model_vqa_loader strips what it decodes), is the selected option: right only when it is one
character and that character is ``correct_option`` (case-sensitive: ``a`` is not ``A``). An answer longer than one
character is "invalid" there and scored wrong; here it is wrong too and counted in ``unparsed_rate`` (so is an empty
answer, which the official code compares and finds wrong). CircularEval (a question right only when its four copies all
are) is the task's ``fields.group``.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY


def crpe_right(prediction: str, correct_option: str) -> tuple[bool, bool]:
    """``(right, read)`` as eval_crpe reads ``prediction`` against ``correct_option``."""
    selected = prediction.strip() if isinstance(prediction, str) else ""
    if len(correct_option) > 1 or len(selected) != 1:
        return False, len(selected) == 1
    return selected == correct_option, True


@scorer(
    "crpe_match",
    **LETTER_ACCURACY,
    description="CRPE accuracy (official eval_crpe): the stripped answer must be the one-character correct option, "
                "case-sensitive; longer answers are wrong and counted in unparsed_rate.",
)
def score_crpe(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the selected option (``extracted``) when it is one character, right when it is the correct option."""
    out = []
    for item in inputs:
        if not item.references or not str(item.references[0]).strip():
            out.append(SampleScore(error="no correct_option"))
            continue
        right, read = crpe_right(item.prediction, str(item.references[0]))
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0, "unparsed": 0.0 if read else 1.0},
                               extracted=item.prediction.strip() if read else None, rule="letter" if read else "unparsed"))
    return out
