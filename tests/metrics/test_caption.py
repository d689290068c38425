"""Caption metrics against pycocoevalcap 1.2 itself, on the same generated corpus."""

import os
import random
import shutil
import warnings

import numpy as np
import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer
from evals.scoring.metrics.caption import _pycocoevalcap_dir, ptb_tokenize

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Java is needed for the PTB tokenizer/METEOR")

WORDS = ["a", "man", "woman", "is", "riding", "rides", "horse", "horses", "dog", "the", "on", "in", "of", "running",
         "cat", "sitting", "table", "red", "big", "two", "people", "with", "an", "umbrella", "street", "near", "it's",
         "Man", "DOG", "(left)", "St.", "U.S.", "well-known", "don't", "5", "3.5", "$10", "..."]
PUNCT = ["", ".", "!", " .", ",", "?", ";", " -- "]


def _caption(rng, lo=1, hi=12):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    if len(words) > 3 and rng.random() < 0.3:
        words.insert(rng.randint(1, len(words) - 1), rng.choice([",", " -", ";"]))
    return " ".join(words) + rng.choice(PUNCT)


def _corpus(n, seed):
    rng = random.Random(seed)
    items = []
    for i in range(n):
        refs = [_caption(rng) for _ in range(rng.randint(1, 5))]
        r = rng.random()
        pred = rng.choice(refs) if r < 0.15 else ("" if r < 0.18 else _caption(rng, 0, 14))
        items.append(ScoreInput(id=str(i), prediction=pred, references=refs))
    return items


@pytest.fixture(scope="module")
def corpus():
    return _corpus(300, seed=0)


@pytest.fixture(scope="module")
def ours(corpus):
    scorer = get_scorer("caption")
    options = scorer.parse_options({})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = scorer.score(corpus, options)
    return rows, scorer.aggregate(stats_table(rows), options), caught


@pytest.fixture(scope="module")
def official(corpus):
    if not os.access(_pycocoevalcap_dir() / "tokenizer", os.W_OK):
        pytest.skip("pycocoevalcap's PTBTokenizer writes into site-packages, which is read-only here")
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    gts = {i: [{"caption": r} for r in item.references] for i, item in enumerate(corpus)}
    res = {i: [{"caption": item.prediction}] for i, item in enumerate(corpus)}
    tok = PTBTokenizer()
    gts, res = tok.tokenize(gts), tok.tokenize(res)
    out = {"tokens": (gts, res)}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    out.update({f"bleu_{k + 1}": v for k, v in enumerate(bleu)})
    out["cider"], out["cider_per_image"] = Cider().compute_score(gts, res)
    out["rouge_l"], out["rouge_per_image"] = Rouge().compute_score(gts, res)
    meteor = Meteor()
    out["meteor"], out["meteor_per_image"] = meteor.compute_score(gts, res)
    return out


def test_tokenizer_matches(corpus, official):
    gts, res = official["tokens"]
    texts = [item.prediction for item in corpus]
    assert ptb_tokenize(texts) == [res[i][0] for i in range(len(corpus))]


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
