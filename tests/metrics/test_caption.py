"""Caption metrics against pycocoevalcap 1.2's recorded outputs on the same corpus (tests/conformance/data/pycocoevalcap_captions.json)."""

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer
from evals.scoring.metrics.caption import _pycocoevalcap_dir, ptb_tokenize

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Java is needed for the PTB tokenizer/METEOR")

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "pycocoevalcap_captions.json").read_text(encoding="utf-8"))
"""pycocoevalcap's own outputs (its PTBTokenizer, Bleu, Cider, Rouge and Meteor) on a generated corpus of 300 captions
with 1-5 references each (punctuation, case, contractions, empty and copied predictions), recorded with the command in the
file; recorded rather than run here, so the suite starts no second METEOR JVM (10 s) and needs no writable site-packages."""


@pytest.fixture(scope="module")
def corpus():
    return [ScoreInput(id=c["id"], prediction=c["prediction"], references=c["references"]) for c in OFFICIAL["corpus"]]


@pytest.fixture(scope="module")
def ours(corpus):
    scorer = get_scorer("caption")
    options = scorer.parse_options({})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = scorer.score(corpus, options)
    return rows, scorer.aggregate(stats_table(rows), options), caught


@pytest.fixture(scope="module")
def official():
    return OFFICIAL


def test_tokenizer_matches(corpus, official):
    assert ptb_tokenize([item.prediction for item in corpus]) == official["prediction_tokens"]


@pytest.mark.parametrize("metric", ["bleu_1", "bleu_2", "bleu_3", "bleu_4", "cider", "rouge_l"])
def test_corpus_metrics_equal_pycocoevalcap(ours, official, metric):
    _, agg, _ = ours
    assert agg[metric] == pytest.approx(official[metric], abs=1e-9)


def test_per_image_scores_equal(ours, official):
    rows, _, _ = ours
    np.testing.assert_allclose([r["cider"] for r in rows], official["cider_per_image"], atol=1e-9)
    np.testing.assert_allclose([r["rouge_l"] for r in rows], official["rouge_per_image"], atol=1e-9)
    np.testing.assert_allclose([r["meteor"] for r in rows], official["meteor_per_image"], atol=1e-4)


def test_meteor_equal(ours, official):
    _, agg, _ = ours
    assert agg["meteor"] == pytest.approx(official["meteor"], abs=1e-4)


def test_spice_skipped_loudly(ours):
    rows, agg, caught = ours
    corenlp = _pycocoevalcap_dir() / "spice" / "lib" / "stanford-corenlp-3.6.0.jar"
    if corenlp.exists():
        pytest.skip("CoreNLP 3.6.0 is installed: SPICE runs")
    assert "spice" not in agg and "spider" not in agg
    assert all(r["spice_skipped"] == 1.0 for r in rows)
    assert any("SPICE skipped" in str(w.message) for w in caught)


def test_bootstrap_recomputes_corpus_bleu_and_meteor(ours):
    """A resample that is the identity reproduces the corpus value; the CI brackets it."""
    from evals.scoring.stats import bootstrap_ci

    rows, agg, _ = ours
    scorer = get_scorer("caption")
    options = scorer.parse_options({})
    table = stats_table(rows)
    ci = bootstrap_ci(scorer, table, options, n_resamples=200)
    for metric in ("bleu_4", "meteor", "cider", "rouge_l"):
        low, high = ci[metric]
        assert low <= agg[metric] <= high, metric


def test_thin_scorers_and_subset(corpus, ours):
    _, agg, _ = ours
    sub = corpus[:40]
    bleu = get_scorer("bleu")
    options = bleu.parse_options({})
    out = bleu.aggregate(stats_table(bleu.score(sub, options)), options)
    assert set(out) == {"bleu_1", "bleu_2", "bleu_3", "bleu_4"} and bleu.primary == "bleu_4"
    cider = get_scorer("cider")
    options = cider.parse_options({})
    assert set(cider.aggregate(stats_table(cider.score(sub, options)), options)) == {"cider"}
    assert cider.corpus_level


def test_java_missing_is_a_clear_error(corpus):
    scorer = get_scorer("caption")
    options = scorer.parse_options({"java": "definitely-not-java"})
    with pytest.raises(RuntimeError, match="default-jre-headless"):
        scorer.score(corpus[:2], options)


def test_per_sample_file_shows_metrics_and_tucks_sufficient_statistics_away(tmp_path):
    """``omnieval score -m caption``'s per-sample file. (Here rather than in test_score_cli.py: this module's worker has
    METEOR's JVM running already, and starting it costs 10 s of CPU.)"""
    from typer.testing import CliRunner

    from tests.metrics.test_score_cli import _app, _write

    inp = _write(tmp_path / "in.jsonl", [
        {"id": "1", "prediction": "a red triangle", "references": ["a red triangle", "the triangle is red"]},
        {"id": "2", "prediction": "a blue circle", "references": ["a green square"]},
    ])  # fmt: skip
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(_app(), ["score", "-m", "caption", str(inp), "--output", str(out), "--resamples", "20"])
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text().splitlines()[0])
    top = set(first) - {"id", "prediction", "stats"}
    assert {"meteor", "rouge_l", "cider"} <= top and not any(k.startswith(("meteor_s", "bleu_")) for k in top), top
    assert {f"meteor_s{i}" for i in range(23)} <= set(first["stats"])  # kept: summing them gives the corpus METEOR
