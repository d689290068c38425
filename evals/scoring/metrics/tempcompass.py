"""``tempcompass_mc_match``: TempCompass's multiple-choice answer rules as lmms-eval scores them
(``tasks/tempcompass/utils.py`` ``tempcompass_process_results_multi_choice``; EvolvingLMMs-Lab/lmms-eval at commit
75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3, the rules of TempCompass's own eval_multi_choice.py).

The reference is the dataset's whole answer (``"C. fast"``); its first character is the right letter. In order, on the
answer exactly as the model wrote it (no stripping): the whole reference (``whole_answer``: right); a bare ``A``-``D``
(``letter``); an answer starting ``X.`` (``letter_dot``) or ``X)`` (``letter_paren``), the text before the first ``.`` or
``)``. Any other answer is unparsed: wrong and counted in ``unparsed_rate``.

Departure (pinned in tests/conformance/test_video_mc.py): lmms-eval sends the answers these rules cannot read to
gpt-3.5-turbo-1106 (temperature 1) to say "Correct" or "Incorrect"; here they stay unread and wrong (an omnieval judge
that grades only unread answers must extract a letter, which that prompt does not ask for).
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY


def tempcompass_letter(prediction: str, answer: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as lmms-eval's TempCompass multiple-choice rules read ``prediction``, or ``(None, "unparsed")``."""
    if prediction == answer:
        return answer[:1], "whole_answer"
    if prediction in ("A", "B", "C", "D"):
        return prediction, "letter"
    if prediction.startswith(("A.", "B.", "C.", "D.")):
        return prediction.split(".")[0], "letter_dot"
    if prediction.startswith(("A)", "B)", "C)", "D)")):
        return prediction.split(")")[0], "letter_paren"
    return None, "unparsed"


@scorer("tempcompass_mc_match", **LETTER_ACCURACY,
        description="TempCompass multiple choice: lmms-eval's rules (whole answer, bare letter, 'X.' or 'X)' first); "
                    "unread answers are wrong and counted (lmms-eval asks GPT-3.5 about them).")
def score_tempcompass_mc(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references:
            out.append(SampleScore(error="no reference answer"))
            continue
        answer = item.references[0]
        letter, rule = tempcompass_letter(item.prediction, answer)
        right = letter is not None and letter == answer[:1]
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0, "unparsed": 1.0 if letter is None else 0.0},
                               extracted=letter, rule=rule))
    return out
