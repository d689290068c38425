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


# --- MLVU's generation tasks: sub-plot description (SSC) and video summary (VS), judged ---------------------------------
# MLVU's own evaluation (JUNJIE99/MLVU at fd060c10a43ea48a35100a22688a927b8e531199, evaluation/generation_evaluation/):
# GPT-4 grades each answer with evaluate_ssc.py's / evaluate_summary.py's prompts, and calculate.py / calculate_sum.py read
# two 1-5 scores out of its reply; SSC and VS are their sums (0-10), G-Avg the mean of the two tasks.

from evals.scoring.contract import means_aggregate  # noqa: E402

MLVU_SSC_KEYS = ("score_accuracy", "score_relevance")
MLVU_VS_KEYS = ("score_completeness", "score_reliability")


def mlvu_judge_scores(reply: str, keys: Sequence[str]) -> list[float]:
    """The scores ``extract_scores`` (calculate.py, calculate_sum.py) reads from a judge's ``reply``, in the order of
    ``keys``: for each key found, the text from two characters after the next ``:`` to the next ``,`` (to the reply's
    last character but one when no comma follows) as a float; a key not found is skipped. Raises ``ValueError`` where
    that text is not a number (the official script stops there)."""
    scores = []
    for key in keys:
        start = reply.find(key)
        if start == -1:
            continue
        number_start = reply.find(":", start) + 2
        scores.append(float(reply[number_start:reply.find(",", number_start)]))
    return scores


def _score_mlvu_generation(inputs: Sequence[ScoreInput], keys: Sequence[str]) -> list[SampleScore]:
    """Every answer goes to the task's judge (no rule reads it: ``extracted`` stays None until it has); its raw reply is
    read as the official script reads it. Both scores must be read: a reply giving fewer (where calculate.py adds what it
    found, the second key's score as the first's when the first is missing, and 0 for the rest), one whose score is not a
    number (where calculate.py stops), an empty reply and a failed call are that sample's scoring error."""
    out = []
    for item in inputs:
        verdict = item.metadata.get("judge")
        if not verdict:
            out.append(SampleScore(stats={"score": 0.0, keys[0]: 0.0, keys[1]: 0.0}, rule="unparsed"))
            continue
        if verdict.get("error"):
            out.append(SampleScore(error=str(verdict["error"])))
            continue
        try:
            scores = mlvu_judge_scores(str(verdict.get("raw") or ""), keys)
        except ValueError as e:
            out.append(SampleScore(error=f"the judge's reply has a score that is not a number ({e})"))
            continue
        if len(scores) != 2:
            out.append(SampleScore(error=f"the judge's reply gives {len(scores)} of the scores {', '.join(keys)}"))
            continue
        out.append(SampleScore(stats={"score": scores[0] + scores[1], keys[0]: scores[0], keys[1]: scores[1]},
                               extracted=f"{keys[0]}={scores[0]:g}, {keys[1]}={scores[1]:g}", rule="judge"))
    return out


@scorer("mlvu_ssc", aggregate=means_aggregate({"score": "score", **{k: k for k in MLVU_SSC_KEYS}}), primary="score",
        metrics=("score", *MLVU_SSC_KEYS),
        description="MLVU sub-plot description (SSC): the judge's accuracy and relevance scores (1-5 each, MLVU's GPT-4 "
                    "prompt) read as calculate.py reads them; score = their sum (0-10).")
def score_mlvu_ssc(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return _score_mlvu_generation(inputs, MLVU_SSC_KEYS)


@scorer("mlvu_vs", aggregate=means_aggregate({"score": "score", **{k: k for k in MLVU_VS_KEYS}}), primary="score",
        metrics=("score", *MLVU_VS_KEYS),
        description="MLVU video summary (VS): the judge's completeness and reliability scores (1-5 each, MLVU's GPT-4 "
                    "prompt) read as calculate_sum.py reads them; score = their sum (0-10).")
def score_mlvu_vs(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return _score_mlvu_generation(inputs, MLVU_VS_KEYS)
