"""``summary_rouge_l``: ROUGE-L F1 of a summary against the reference, as SONIC-O1's ``t1_metrics.py`` computes it
(``rouge_score``'s ``rougeL`` with the Porter stemmer).

The summary is a field of the model's JSON answer (``options.field``, e.g. ``summary_detailed``; a list field,
like ``summary_short``'s bullets, is joined with spaces, as officially), or, when the answer is not that JSON,
the whole answer (rule ``text``; the official script drops such answers). ``references[0]`` is the reference.
"""

from __future__ import annotations

from typing import Sequence

from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, mean_aggregate, scorer
from evals.scoring.answers import json_field


class SummaryOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str | None = None


def _rouge():
    try:
        from rouge_score import rouge_scorer
    except ImportError as e:
        raise RuntimeError("summary_rouge_l needs rouge-score: pip install 'omnieval[video]'") from e
    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


@scorer("summary_rouge_l", aggregate=mean_aggregate("rouge_l", "rouge_l"), options=SummaryOptions, primary="rouge_l", metrics=("rouge_l",),
        description="ROUGE-L F1 (rouge_score, Porter stemmer) of a summary read from the answer's JSON field, else the whole answer.")
def score_summary(inputs: Sequence[ScoreInput], options: SummaryOptions) -> list[SampleScore]:
    rouge = _rouge()
    out = []
    for item in inputs:
        if not item.references:
            raise ValueError(f"summary_rouge_l: sample {item.id!r} has no reference summary")
        summary = json_field(item.prediction, options.field) if options.field else None
        rule = "json" if summary is not None else "text"
        text = str(summary) if summary is not None else item.prediction
        out.append(SampleScore(stats={"rouge_l": rouge.score(item.references[0], text)["rougeL"].fmeasure}, extracted=text[:80], rule=rule))
    return out
