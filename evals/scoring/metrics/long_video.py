"""Long-video multiple choice: MLVU's M-Avg and LongVideoBench's answer reading, as lmms-eval scores them
(EvolvingLMMs-Lab/lmms-eval at commit 75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3). LVBench needs nothing new: its
``lvbench_process_results`` reads answers with the very reader of Video-MME (``videomme_match``).

``mlvu_match`` (``lmms_eval/tasks/mlvu/utils.py``): the answer is read by ``extract_mcq_answer`` over A-D (the reader
of ``videomme_match``, also for the test set's six options, as there); ``m_avg`` is M-Avg, the mean over a fixed list
of task types (``task_types``: seven on dev, nine on test) of each type's accuracy, a type without questions counting
0, as ``mlvu_aggregate_results_dev`` / ``_test`` divide by the list's length; ``accuracy`` is the plain mean beside
it. A question of a type outside the list stays in ``accuracy`` and out of ``m_avg`` (the official code stops there).

``longvideobench_match`` (``lmms_eval/tasks/longvideobench/utils.py`` ``parse_multi_choice_response``, the LongVideoBench
authors' reading): the answer is stripped, each of eight answer phrases ("The best answer is", ... "Best option:") is
removed wherever it occurs, and the letter is the first of A-E anywhere in what is left ("Based on" reads B, as
there). No such letter: unread, wrong and counted, where the official code picks a random option.
"""

from __future__ import annotations

import re
import zlib
from typing import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, StatsTable, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters
from evals.scoring.metrics.videomme import videomme_letter


class MlvuOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    task_types: tuple[str, ...]
    """The task types M-Avg averages over, each counting once (absent ones as 0)."""
    type_field: str = "task_type"


def _type_code(name: str) -> float:
    return float(zlib.crc32(name.encode()))


def aggregate_mlvu(table: StatsTable, options: MlvuOptions) -> dict[str, float]:
    score, unparsed, kind = (np.asarray(table[k]) for k in ("score", "unparsed", "task_type"))
    if not len(score):
        return {}
    per_type = [float(score[kind == _type_code(t)].mean()) if (kind == _type_code(t)).any() else 0.0 for t in options.task_types]
    return {"m_avg": float(np.mean(per_type)), "accuracy": float(score.mean()), "unparsed_rate": float(unparsed.mean())}


@scorer("mlvu_match", aggregate=aggregate_mlvu, options=MlvuOptions, primary="m_avg", metrics=("m_avg", "accuracy", "unparsed_rate"),
        metric_directions={"unparsed_rate": "lower"},
        description="MLVU multiple choice as lmms-eval scores it: extract_mcq_answer over A-D, M-Avg over the task types; unparsed = wrong.")
def score_mlvu(inputs: Sequence[ScoreInput], options: MlvuOptions) -> list[SampleScore]:
    scores = score_letters(inputs, videomme_letter)
    for item, s in zip(inputs, scores):
        if s.error is None:
            s.stats["task_type"] = _type_code(item.sample_field(options.type_field))
    return scores


LONGVIDEOBENCH_PHRASES = ("The best answer is", "The correct answer is", "The answer is", "The answer", "The best option is",
                          "The correct option is", "Best answer:", "Best option:")


def longvideobench_letter(prediction: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as ``parse_multi_choice_response`` reads ``prediction``, or ``(None, "unparsed")`` where it
    would pick a random option."""
    text = prediction.strip()
    for phrase in LONGVIDEOBENCH_PHRASES:
        text = text.replace(phrase, "")
    found = re.search(r"[ABCDE]", text)
    return (found[0], "first_letter") if found else (None, "unparsed")


@scorer("longvideobench_match", **LETTER_ACCURACY,
        description="LongVideoBench's answer reading (lmms-eval's parse_multi_choice_response): the first A-E after the "
                    "answer phrases are removed; unparsed = wrong, not a random option.")
def score_longvideobench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, longvideobench_letter)
