import random

import numpy as np
import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer
from evals.scoring.metrics.levenshtein import edit_counts, edit_counts_python
from evals.scoring.metrics.text_normalizers import get_normalizer

VOCAB = ["the", "cat", "sat", "on", "mat", "twenty", "five", "dollars", "Mr.", "colour", "it's", "um", "a", "b",
         "hello,", "world", "one", "two", "[noise]", "Dr", "3", "percent", "and", "half"]


def _corpus(n, seed, empty_rate=0.05):
    rng = random.Random(seed)
    items = []
    for i in range(n):
        ref = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(0, 15)))
        if rng.random() < empty_rate:
            ref = rng.choice(["", "um", "[noise]", "  "])
        words = ref.split()
        hyp = []
        for w in words:
            r = rng.random()
            if r < 0.1:
                continue
            hyp.append(rng.choice(VOCAB) if r < 0.25 else w)
            if rng.random() < 0.08:
                hyp.append(rng.choice(VOCAB))
        items.append(ScoreInput(id=str(i), prediction=" ".join(hyp), references=[ref]))
    return items


def _jiwer_reference(items, normalizer, cer=False):
    import jiwer

    norm = get_normalizer(normalizer)
    refs, hyps = [], []
    for item in items:
        r = norm(item.references[0])
        if (r.strip() if cer else " ".join(r.split())) == "":
            continue
        refs.append(r if not cer else r.strip())
        hyps.append(norm(item.prediction) if not cer else norm(item.prediction).strip())
    if cer:
        return jiwer.process_characters(refs, hyps), len(items) - len(refs)
    # jiwer needs non-empty hypotheses to be strings; empty ones are fine
    return jiwer.process_words(refs, hyps), len(items) - len(refs)


@pytest.mark.parametrize("normalizer", ["whisper_english", "whisper_basic", "none"])
def test_wer_matches_jiwer_corpus(normalizer):
    items = _corpus(400, seed={"whisper_english": 1, "whisper_basic": 2, "none": 3}[normalizer])
    scorer = get_scorer("wer")
    options = scorer.parse_options({"normalizer": normalizer})
    rows = scorer.score(items, options)
    agg = scorer.aggregate(stats_table(rows), options)
    out, dropped = _jiwer_reference(items, normalizer)
    assert agg["wer"] == pytest.approx(out.wer, abs=1e-9)
    total = sum(r["ref_words"] for r in rows)
    assert agg["substitution_rate"] == pytest.approx(out.substitutions / total, abs=1e-12)
    assert agg["deletion_rate"] == pytest.approx(out.deletions / total, abs=1e-12)
    assert agg["insertion_rate"] == pytest.approx(out.insertions / total, abs=1e-12)
    assert agg["dropped"] == dropped > 0


def test_cer_matches_jiwer_corpus():
    items = _corpus(300, seed=7)
    scorer = get_scorer("cer")
    options = scorer.parse_options({})
    agg = scorer.aggregate(stats_table(scorer.score(items, options)), options)
    out, _ = _jiwer_reference(items, "whisper_english", cer=True)
    assert agg["cer"] == pytest.approx(out.cer, abs=1e-9)


def test_dropped_rows_and_per_sample_score():
    scorer = get_scorer("wer")
    options = scorer.parse_options({})
    items = [ScoreInput(id="a", prediction="hello world", references=["Hello, world!"]),
             ScoreInput(id="b", prediction="anything", references=["[noise] um"]),
             ScoreInput(id="c", prediction="a b c", references=["a x"])]
    rows = scorer.score(items, options)
    assert rows[0]["score"] == 0.0 and rows[0]["dropped"] == 0.0
    assert rows[1]["dropped"] == 1.0 and np.isnan(rows[1]["score"]) and rows[1]["ref_words"] == 0
    assert rows[2]["edits"] == 2 and rows[2]["score"] == 1.0
    agg = scorer.aggregate(stats_table(rows), options)
    assert agg["wer"] == pytest.approx(2 / 4) and agg["dropped"] == 1.0


def test_levenshtein_python_agrees_with_rapidfuzz():
    rng = random.Random(3)
    for _ in range(500):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        b = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        s, d, i = edit_counts_python(a, b)
        s2, d2, i2 = edit_counts(a, b)
        assert s + d + i == s2 + d2 + i2
        assert d - i == len(a) - len(b) == d2 - i2
