"""ChartQAPro's official score (vis-nlp/ChartQAPro ``evaluate_predictions.py``, commit 4b422c6; VLMEvalKit's
``vlmeval/dataset/utils/chartqapro.py`` is the same code), reproduced with its quirks.

Per question (``evaluate_predictions_chartqapro``): the target is the row's last answer (``Answer[-1]``) and the
prediction the model's answer, each with ``.`` then newlines stripped from both ends; the year flags are the row's
``Year`` list, only its last flag for Conversational questions. ``relaxed_correctness_chartqapro`` then:

- reads the target as a list when it is written as one (``fix_list_format`` quotes unquoted items, then
  ``ast.literal_eval``), the prediction when ``ast.literal_eval`` reads it as a list, else each is a one-item list;
  list items are ``str(x).strip(" '")``;
- repeats the year flags ``n`` times when there are fewer than the ``n`` target items;
- scores item ``i`` of both lists: 0 where one list is shorter; where the flag is ``YES`` (any case), exact
  case-insensitive match of the stripped items; else both read as numbers (``float`` after stripping spaces and ``%``):
  right within 5% relative change (a target of 0 needs exactly 0); else ANLS of the lower-cased items with threshold 0.5
  as the PyPI ``anls`` package computes it (:func:`evals.scoring.metrics.anls.anls_package_score`);
- the question's score is the mean over ``max(len(target), len(prediction))`` items.

The quirk kept: the official code computes ``always_use_exact_match`` for Fact Checking and Multi Choice but never
passes it, so those answers are scored like the others (ANLS: "b" against "a" is 0, "true." against "true" 1, "tru"
against "true" 0.75). ``exact_match_types`` (default empty, the official behaviour) names question types to score by
exact match as the paper describes. A target whose Year list is empty makes the official code raise (``IndexError``);
here such a sample is a scoring error (left out, reported), never an answer.
tests/conformance/test_chartqapro.py checks this against the official function's outputs.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Sequence

from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, mean_aggregate, scorer
from evals.scoring.metrics.anls import anls_package_score


class ChartQAProOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_relative_change: float = 0.05
    type_field: str = "question_type"
    """The sample field (subgroup or metadata) holding the question type (the row's ``Question Type``)."""
    year_field: str = "year"
    """The metadata field holding the row's ``Year`` flags (a list of ``YES``/``NO``)."""
    exact_match_types: tuple[str, ...] = ()
    """Question types scored by exact match (the paper's rule for Fact Checking and Multi Choice, which the official
    code drops): empty reproduces the official numbers."""


_LIST = re.compile(r"^\[(.*)\]$")
_UNQUOTED = re.compile(r"(?<!['\w])(\w[^,]*?)(?!['\w])")


def fix_list_format(item: str) -> Any:
    """The official ``fix_list_format``: a ``[...]`` text with its unquoted items quoted, read as a list; else ``item``."""
    match = _LIST.match(item.strip())
    if not match:
        return item
    corrected = _UNQUOTED.sub(r"'\1'", match.group(1))
    try:
        return ast.literal_eval(f"[{corrected}]")
    except (SyntaxError, ValueError):
        return item


def parse_to_list(text: str) -> list[str] | None:
    """The official ``parse_to_list``: ``ast.literal_eval`` of the text when that is a list, items ``str(x).strip(" '")``."""
    try:
        parsed = ast.literal_eval(text)
    except Exception:  # the official code catches everything here
        return None
    if isinstance(parsed, list):
        return [str(x).strip(" '") for x in parsed]
    return None


def _to_float(text: str) -> float | None:
    try:
        return float(text.strip().strip("%"))
    except ValueError:
        return None


def single_answer_score(target: str, prediction: str, max_relative_change: float = 0.05) -> float:
    """The official ``evaluate_single_answer``: numbers within the relative change, else ANLS (threshold 0.5)."""
    t = target.strip().strip("%").strip()
    p = prediction.strip().strip("%").strip()
    t_f, p_f = _to_float(t), _to_float(p)
    if t_f is not None and p_f is not None:
        if t_f == 0.0:
            return 1.0 if p_f == 0.0 else 0.0
        return 1.0 if abs(p_f - t_f) / abs(t_f) <= max_relative_change else 0.0
    return anls_package_score(p.lower(), [t.lower()], threshold=0.5)


def chartqapro_correctness(target: str, prediction: str, year_flags: Sequence[str], max_relative_change: float = 0.05,
                           exact_match: bool = False) -> float:
    """The official ``relaxed_correctness_chartqapro`` (see the module text). ``IndexError`` where it raises one."""
    fixed = fix_list_format(target)
    t_list = parse_to_list(str(fixed)) or [str(target)]
    p_list = parse_to_list(str(prediction)) or [str(prediction)]
    flags = list(year_flags)
    if len(flags) < len(t_list):
        flags = flags * len(t_list)
    scores: list[float] = []
    for idx in range(max(len(t_list), len(p_list))):
        if idx >= len(t_list) or idx >= len(p_list):
            scores.append(0.0)
            continue
        t_item, p_item, flag = t_list[idx], p_list[idx], flags[idx]
        if str(flag).upper() == "YES" or exact_match:
            scores.append(1.0 if t_item.strip().lower() == p_item.strip().lower() else 0.0)
        else:
            scores.append(single_answer_score(t_item, p_item, max_relative_change))
    return sum(scores) / len(scores) if scores else 0.0


def chartqapro_question_score(answers: Sequence[str], prediction: str, question_type: str, year_flags: Sequence[str],
                              max_relative_change: float = 0.05, exact_match: bool = False) -> float:
    """One row as ``evaluate_predictions_chartqapro`` scores it: the last answer, the last flag for Conversational."""
    target = answers[-1].strip(".").strip("\n")
    pred = prediction.strip(".").strip("\n")
    flags = list(year_flags)[-1:] if question_type == "Conversational" else list(year_flags)
    return chartqapro_correctness(target, pred, flags, max_relative_change, exact_match)


def _flags(value: Any) -> list[str]:
    if isinstance(value, str):
        value = ast.literal_eval(value) if value.strip().startswith("[") else [value]
    return [str(v) for v in (value or [])]


@scorer(
    "chartqapro_accuracy",
    aggregate=mean_aggregate("score", "relaxed_accuracy"),
    options=ChartQAProOptions,
    primary="relaxed_accuracy",
    metrics=("relaxed_accuracy",),
    description="ChartQAPro's official score: list answers item by item, Year flags by exact match, numbers within 5%, "
                "else ANLS (the anls package, threshold 0.5).",
)
def score_chartqapro(inputs: Sequence[ScoreInput], options: ChartQAProOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references:
            raise ValueError(f"chartqapro_accuracy: sample {item.id!r} has no reference")
        qtype = item.sample_field(options.type_field)
        flags = _flags(item.metadata.get(options.year_field))
        try:
            score = chartqapro_question_score(item.references, item.prediction, qtype, flags, options.max_relative_change,
                                              qtype in options.exact_match_types)
        except IndexError:
            out.append(SampleScore(error=f"{options.year_field} flags {flags!r} do not cover the answer "
                                         f"{item.references[-1]!r} (the official code raises IndexError)"))
            continue
        out.append(SampleScore(stats={"score": score}, extracted=item.prediction.strip(".").strip("\n"),
                               rule="year_exact" if "YES" in [f.upper() for f in flags] else "relaxed"))
    return out
