"""omnieval's ``anls`` as a Hugging Face ``evaluate`` metric (same numbers as the omnieval scorer)."""

import datasets
import evaluate

from evals.scoring.metrics.hf_evaluate._bridge import compute_with_scorer

_DESCRIPTION = "Average Normalized Levenshtein Similarity (DocVQA), threshold 0.5."
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of strings.
    references: per question, the list of accepted answers (or one string).
    threshold: default 0.5.
Returns: a dict of metric values (fractions, not percentages).
"""


class ANLS(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features({"predictions": datasets.Value("string"), "references": datasets.Sequence(datasets.Value("string"))}),
                datasets.Features({"predictions": datasets.Value("string"), "references": datasets.Value("string")}),
            ],
        )

    def _compute(self, predictions, references, threshold=None):
        return compute_with_scorer("anls", predictions, references, threshold=threshold)
