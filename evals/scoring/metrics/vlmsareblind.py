"""``vlmsareblind_match``: VLMs Are Blind's answer reading as lmms-eval's vlmsareblind task does it
(EvolvingLMMs-Lab/lmms-eval lmms_eval/tasks/vlmsareblind/utils.py ``parse_response`` and ``vlmsareblind_process_results``,
commit 205d72d282862e28d71ddafe417f184373fa9f37).

The answer is stripped and lower-cased, then read by its sample's ``task`` (``metadata.task``, the dataset's column):

* ``touching circles``: the whole answer is ``yes`` or ``no`` (rule ``yes_no``);
* ``line plot intersections``, ``subway connections``, ``olympic counting - circles``/``- pentagons``, ``nested squares``:
  the first run of digits, braced or not (rule ``number``);
* ``circled letter``: the first letter ``a`` .. ``z``, braced or not (rule ``letter``; so the ``t`` of "the letter is {b}",
  as lmms-eval reads it);
* ``counting grid - ...``: ``{r}{c}`` (space between allowed), else ``(r, c)``, else ``rows={r} columns={c}``, read as
  ``r,c`` (rule ``grid``).

Right when what is read equals the ``groundtruth`` column stripped and lower-cased. An answer no rule reads is wrong, as in
lmms-eval, and counted in ``unparsed_rate``.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY

_NUMBER_TASKS = ("line plot intersections", "subway connections", "olympic counting - circles", "olympic counting - pentagons",
                 "nested squares")
_NUMBER = re.compile(r"\{?(\d+)\}?")
_LETTER = re.compile(r"\{?([a-z])\}?")
_GRID = (re.compile(r"\{(\d+)\}\s*\{(\d+)\}"), re.compile(r"\((\d+)\s*,\s*(\d+)\)"), re.compile(r"rows=\{(\d+)\}\scolumns=\{(\d+)\}"))


def parse_vlmsareblind(prediction: str, task: str) -> tuple[str | None, str]:
    """What lmms-eval's ``parse_response`` reads for ``task``, ``(answer, rule)`` or ``(None, "unparsed")``."""
    if not isinstance(prediction, str):
        return None, "unparsed"
    response, task = prediction.strip().lower(), str(task).strip().lower()
    if task == "touching circles" and response in ("yes", "no"):
        return response, "yes_no"
    if task in _NUMBER_TASKS and (m := _NUMBER.search(response)):
        return m.group(1), "number"
    if task == "circled letter" and (m := _LETTER.search(response)):
        return m.group(1), "letter"
    if task.startswith("counting grid"):
        for pattern in _GRID:
            if m := pattern.search(response):
                return f"{m.group(1)},{m.group(2)}", "grid"
    return None, "unparsed"


@scorer(
    "vlmsareblind_match",
    **LETTER_ACCURACY,
    description="VLMs Are Blind accuracy: lmms-eval's parse_response by task (yes/no, number, letter, rows,columns) against "
                "the groundtruth, case-insensitively; what it cannot read is wrong and counted.",
)
def score_vlmsareblind(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: what the task's rule reads (``extracted``), the rule, right when it is the groundtruth."""
    out = []
    for item in inputs:
        if not item.references:
            out.append(SampleScore(error="no groundtruth"))
            continue
        task = item.metadata.get("task")
        if not task:
            out.append(SampleScore(error="no task in the sample's metadata"))
            continue
        answer, rule = parse_vlmsareblind(item.prediction, task)
        right = answer is not None and answer.strip().lower() == item.references[0].strip().lower()
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0, "unparsed": 1.0 if answer is None else 0.0},
                               extracted=answer, rule=rule))
    return out
