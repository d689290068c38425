from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer


def _score(pred, refs, **opts):
    scorer = get_scorer("exact_match")
    options = scorer.parse_options(opts)
    rows = scorer.score([ScoreInput(id="0", prediction=pred, references=refs)], options)
    return rows[0]["score"]


def test_defaults_ignore_case_and_strip():
    assert _score("  Paris ", ["paris"]) == 1.0
    assert _score("Paris", ["London", "PARIS"]) == 1.0
    assert _score("Paris.", ["paris"]) == 0.0  # punctuation kept by default
    assert _score("new   york", ["New York"]) == 1.0


def test_options():
    assert _score("Paris", ["paris"], ignore_case=False) == 0.0
    assert _score("Paris.", ["paris"], ignore_punctuation=True) == 1.0
    assert _score(" paris", ["paris"], strip=False) == 0.0
    assert _score("x", []) == 0.0


def test_aggregate_and_primary():
    scorer = get_scorer("exact_match")
    options = scorer.parse_options({})
    inputs = [ScoreInput(id=str(i), prediction=p, references=["a"]) for i, p in enumerate(["a", "b", "A", "c"])]
    agg = scorer.aggregate(stats_table(scorer.score(inputs, options)), options)
    assert agg == {"exact_match": 0.5}
    assert scorer.primary == "exact_match"


def test_unknown_option_rejected():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        get_scorer("exact_match").parse_options({"ignorecase": True})
