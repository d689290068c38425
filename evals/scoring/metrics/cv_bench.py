"""``cv_bench_accuracy``: CV-Bench's answer reading and its official overall figure.

Reading: VLMEvalKit's, as its ``CVBench`` dataset (vlmeval/dataset/image_mcq.py of open-compass/VLMEvalKit at commit
e8e78f05f3080fe28154f2130321f17951c3be94) evaluates it: ``mcq_vanilla_eval``, i.e. ``can_infer`` against the question's
options, then the optional GPT extraction; the same reading as ``mmbench_match`` (``mmbench_letter``, tested against
VLMEvalKit there). Answers no rule reads go to the task's optional extraction judge; without one they are wrong and
counted in ``unparsed_rate`` (VLMEvalKit without a judge: wrong; its random fallback after three failed judge calls
is not reproduced: a failed judge call is a scoring error).

Figure: the dataset card's (nyu-visionx/CV-Bench README, "CV-Bench Accuracy"; Cambrian-1, Tong et al. 2024, App. C)
``((accuracy ADE20K + accuracy COCO) / 2 + accuracy Omni3D) / 2``: the 2D accuracy is the mean over its two sources (as
VLMEvalKit's ``CVBench.report_accuracy`` averages CV-Bench-2D over sources), the 3D accuracy is over all Omni3D questions,
and the overall their mean. Each sample's ``source`` (its ``metadata``) says which it counts for. On a subset (the 2D
config, one subgroup) the figure is the mean of what is there: the 2D accuracy alone, one source's accuracy.
``sample_accuracy`` is the plain share of right answers (lmms-eval's ``cv_bench_acc``).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from pydantic import BaseModel

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer
from evals.scoring.metrics.choice import score_letters
from evals.scoring.metrics.mmbench import mmbench_letter

CV_BENCH_SOURCES = {"ADE20K": "ade20k", "COCO": "coco", "Omni3D": "omni3d"}
"""The ``source`` column's values (2D: ADE20K and COCO; 3D: Omni3D) -> the suffix of their statistics and metrics."""


def _mean_present(*values: np.ndarray) -> np.ndarray:
    """Elementwise mean of the values that are not NaN (NaN where none is)."""
    stacked = np.stack([np.asarray(v, dtype=np.float64) for v in values])
    present = ~np.isnan(stacked)
    return safe_divide(np.where(present, stacked, 0.0).sum(axis=0), present.sum(axis=0))


def _cv_bench_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    by_source = {s: safe_divide(totals[f"hit_{s}"], totals[f"n_{s}"]) for s in CV_BENCH_SOURCES.values()}
    two_d = _mean_present(by_source["ade20k"], by_source["coco"])
    three_d = by_source["omni3d"]
    return {"accuracy": _mean_present(two_d, three_d), "accuracy_2d": two_d, "accuracy_3d": three_d,
            **{f"accuracy_{s}": v for s, v in by_source.items()},
            "sample_accuracy": safe_divide(totals["score"], n), "unparsed_rate": safe_divide(totals["unparsed"], n)}


_COLUMNS = ("score", "unparsed", *(f"{k}_{s}" for s in CV_BENCH_SOURCES.values() for k in ("hit", "n")))
_METRICS = ("accuracy", "accuracy_2d", "accuracy_3d", *(f"accuracy_{s}" for s in CV_BENCH_SOURCES.values()),
            "sample_accuracy", "unparsed_rate")


@scorer(
    "cv_bench_accuracy",
    aggregate=TotalsAggregate(_COLUMNS, _cv_bench_totals),
    primary="accuracy",
    metrics=_METRICS,
    metric_directions={"unparsed_rate": "lower"},
    internal_stats=_COLUMNS[2:],
    description="CV-Bench: VLMEvalKit's can_infer reading (then the optional judge; unparsed = wrong); accuracy is the "
                "card's ((ADE20K + COCO) / 2 + Omni3D) / 2, with the 2D, 3D, per-source and plain sample accuracies.",
)
def score_cv_bench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Per sample: the letter read (``extracted``), the rule, right or wrong, and which source's accuracy it counts for."""
    out = []
    for item, score in zip(inputs, score_letters(inputs, mmbench_letter, with_choices=True)):
        source = str(item.metadata.get("source", ""))
        if score.error is not None:
            out.append(score)
        elif source not in CV_BENCH_SOURCES:
            out.append(SampleScore(error=f"cv_bench_accuracy: source {source!r} is not one of {sorted(CV_BENCH_SOURCES)}"))
        else:
            mine = CV_BENCH_SOURCES[source]
            stats = dict(score.stats)
            for s in CV_BENCH_SOURCES.values():
                stats[f"n_{s}"] = 1.0 if s == mine else 0.0
                stats[f"hit_{s}"] = stats["score"] if s == mine else 0.0
            out.append(SampleScore(stats=stats, extracted=score.extracted, rule=score.rule))
    return out
