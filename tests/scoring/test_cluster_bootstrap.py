"""The cluster bootstrap: whole clusters resampled when samples share media, the row bootstrap otherwise."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.registry import get_scorer
from evals.scoring.stats import bootstrap_ci, bootstrap_distribution, ci_method, cluster_codes, paired_comparison
from evals.scoring.task import TaskScoring


def _images(n_images=50, per_image=4, seed=0):
    """All questions of an image right or all wrong: strong within-cluster correlation."""
    rng = np.random.default_rng(seed)
    right = rng.random(n_images) < 0.6
    return [ScoreInput(id=f"{i}-{q}", prediction="a" if right[i] else "b", references=["a"], cluster=f"img{i}")
            for i in range(n_images) for q in range(per_image)]  # fmt: skip


def _width(m):
    return m.ci_high - m.ci_low


def test_cluster_interval_is_wider_on_correlated_questions():
    inputs = _images()
    clustered = TaskScoring(["exact_match"], [], n_resamples=2000)
    clustered.add(inputs)
    rows = TaskScoring(["exact_match"], [], n_resamples=2000)
    rows.add([i.model_copy(update={"cluster": None}) for i in inputs])
    c, r = clustered.metrics()["exact_match"], rows.metrics()["exact_match"]
    assert c.value == r.value and c.n == r.n == 200
    assert (c.ci_method, c.n_clusters) == ("cluster_bootstrap", 50) and (r.ci_method, r.n_clusters) == ("bootstrap", None)
    # Four perfectly correlated questions per image carry the information of one: about twice as wide (sqrt 4).
    assert _width(c) > 1.6 * _width(r)


def test_singleton_clusters_give_the_row_bootstrap_exactly():
    inputs = _images()
    singletons = TaskScoring(["exact_match"], [], n_resamples=500, seed=3)
    singletons.add([i.model_copy(update={"cluster": i.id}) for i in inputs])
    plain = TaskScoring(["exact_match"], [], n_resamples=500, seed=3)
    plain.add([i.model_copy(update={"cluster": None}) for i in inputs])
    assert singletons.metrics() == plain.metrics()
    assert singletons.metrics()["exact_match"].ci_method == "bootstrap"
    assert cluster_codes(["a", None, None, "b"], 4) is None and ci_method(None, 3) == ("bootstrap", None)
    codes, n = cluster_codes(["a", None, "a", "b", None], 5)
    assert codes.tolist() == [0, 1, 0, 2, 3] and n == 4


def test_cluster_resampling_vectorised_equals_per_resample_loop():
    """The TotalsAggregate path (cluster totals, then counts @ totals) draws what the per-resample loop draws."""
    scorer = get_scorer("wer")
    options = scorer.parse_options({})
    rng = np.random.default_rng(1)
    n = 120
    words = rng.integers(1, 20, n).astype(float)
    edits = rng.binomial(words.astype(int), 0.3).astype(float)
    table = {"edits": edits, "substitutions": edits, "deletions": np.zeros(n), "insertions": np.zeros(n),
             "ref_words": words, "dropped": np.zeros(n)}  # fmt: skip
    clusters = [f"c{i // 3}" for i in range(n)]
    agg = scorer.aggregate
    plain = dataclasses.replace(scorer, name="wer_plain", aggregate=lambda t, o: agg(t, o))
    fast = bootstrap_distribution(scorer, table, options, 200, seed=5, clusters=clusters)
    slow = bootstrap_distribution(plain, table, options, 200, seed=5, clusters=clusters)
    for k in slow:
        np.testing.assert_allclose(fast[k], slow[k], rtol=1e-12, atol=1e-12)


def test_paired_comparison_clusters_too():
    scorer = get_scorer("exact_match")
    options = scorer.parse_options({})
    rng = np.random.default_rng(2)
    a_img = (rng.random(60) < 0.7).astype(float)
    b_img = a_img.copy()
    b_img[rng.random(60) < 0.2] = 0.0
    a, b = np.repeat(a_img, 5), np.repeat(b_img, 5)
    clusters = np.repeat(np.arange(60), 5).astype(str).tolist()
    rows = paired_comparison(scorer, {"score": a}, {"score": b}, options, "exact_match", n_resamples=1000)
    cl = paired_comparison(scorer, {"score": a}, {"score": b}, options, "exact_match", n_resamples=1000, clusters=clusters)
    assert cl["diff"] == rows["diff"] and cl["ci_high"] - cl["ci_low"] > 1.5 * (rows["ci_high"] - rows["ci_low"])
    assert cl["p_value"] >= rows["p_value"]
    with pytest.raises(ValueError, match="clusters has"):
        bootstrap_ci(scorer, {"score": a}, options, clusters=clusters[:-1])
