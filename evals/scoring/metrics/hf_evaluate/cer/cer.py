"""omnieval's ``cer`` as a Hugging Face ``evaluate`` metric (same numbers as the omnieval scorer)."""

import datasets
import evaluate

from evals.scoring.metrics.hf_evaluate._bridge import compute_with_scorer

_DESCRIPTION = "Corpus CER after the Whisper English normaliser."
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of strings.
    references: one reference transcript per prediction (a string, or a list whose first item is used).
    normalizer: 'whisper_english' (default), 'whisper_basic' or 'none'.
Returns: a dict of metric values (fractions, not percentages).
"""


class CharacterErrorRate(evaluate.Metric):
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

    def _compute(self, predictions, references, normalizer=None):
        return compute_with_scorer("cer", predictions, references, normalizer=normalizer)
