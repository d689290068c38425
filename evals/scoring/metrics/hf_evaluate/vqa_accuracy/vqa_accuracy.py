"""omnieval's ``vqa_accuracy`` as a Hugging Face ``evaluate`` metric (same numbers as the omnieval scorer)."""

import datasets
import evaluate

from evals.scoring.metrics.hf_evaluate._bridge import compute_with_scorer

_DESCRIPTION = "Official VQA accuracy (GT-Vision-Lab vqaEval.py), as a fraction."
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of strings.
    references: per question, the list of annotator answers (or one string).
    normalize: 'official' (default), 'vqaeval_py' or 'both'.
Returns: a dict of metric values (fractions, not percentages).
"""


class VQAAccuracy(evaluate.Metric):
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

    def _compute(self, predictions, references, normalize=None):
        return compute_with_scorer("vqa_accuracy", predictions, references, normalize=normalize)
