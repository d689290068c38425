"""``motionbench_match``: MotionBench's answer reading as lmms-eval scores it (``lmms_eval/tasks/motionbench/utils.py``
``_extract_choice_letter`` and ``motionbench_process_results``, EvolvingLMMs-Lab/lmms-eval at commit
75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3).

The answer (after its last ``</think>``) is stripped and upper-cased; the phrases ``THE BEST ANSWER IS``, ``THE CORRECT
ANSWER IS``, ``THE ANSWER IS``, ``BEST ANSWER:`` and ``ANSWER:`` are removed wherever they occur; the letter is then the
first of A-F standing as a word (``standalone``), else the first followed by ``.``, ``)`` or ``:`` (``delimited``), else
the first A-F anywhere (``anywhere``: "NO IDEA" reads D, as there). An answer with none of them is unparsed: wrong and
counted in ``unparsed_rate`` (lmms-eval's ``motionbench_answered_rate`` is one minus it). Right when the letter is the
question's answer. MotionBench's own repository (THUDM/MotionBench ``motionbench/utils/answer_util.py``
``polish_answer``) reads only an answer's first word; its leaderboard scores answer files, so the lmms-eval reading
decides here.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

MOTIONBENCH_PHRASES = ("THE BEST ANSWER IS", "THE CORRECT ANSWER IS", "THE ANSWER IS", "BEST ANSWER:", "ANSWER:")


def motionbench_letter(prediction: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as lmms-eval's ``_extract_choice_letter`` reads ``prediction``, or ``(None, "unparsed")``."""
    text = prediction.split("</think>")[-1].strip().upper()
    for phrase in MOTIONBENCH_PHRASES:
        text = text.replace(phrase, "")
    for pattern, rule in ((r"\b([A-F])\b", "standalone"), (r"([A-F])[.):]", "delimited"), (r"([A-F])", "anywhere")):
        found = re.search(pattern, text)
        if found:
            return found.group(1), rule
    return None, "unparsed"


@scorer("motionbench_match", **LETTER_ACCURACY,
        description="MotionBench: lmms-eval's reading (answer phrases removed, then the first standalone A-F, the first "
                    "'X.'/'X)'/'X:', the first A-F anywhere); no letter = unparsed and wrong.")
def score_motionbench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, motionbench_letter)
