"""The ``sacrebleu`` scorer against sacreBLEU itself, and its signatures in a task's results."""

from __future__ import annotations

import pytest

sacrebleu = pytest.importorskip("sacrebleu")

from evals.scoring.contract import ScoreInput, stats_table  # noqa: E402
from evals.scoring.registry import get_scorer  # noqa: E402
from evals.scoring.task import TaskScoring  # noqa: E402

HYPS = ["The cat sat on the mat.", "A dog ran home", "hello", "", "It rains, it pours; the old man snores."]
REFS = ["The cat sat on a mat.", "The dog ran home.", "Hello there, world.", "Nothing was said.", "It's raining, it's pouring."]


def _inputs(hyps, refs):
    return [ScoreInput(id=str(i), prediction=h, references=[r]) for i, (h, r) in enumerate(zip(hyps, refs))]


def _score(hyps, refs, **options):
    scorer = get_scorer("sacrebleu")
    opts = scorer.parse_options(options)
    return scorer.aggregate(stats_table(scorer.score(_inputs(hyps, refs), opts)), opts)


def test_corpus_bleu_and_chrf_equal_sacrebleus_own():
    got = _score(HYPS, REFS)
    assert got["bleu"] == pytest.approx(sacrebleu.corpus_bleu(HYPS, [REFS]).score, abs=1e-9)
    assert got["chrf"] == pytest.approx(sacrebleu.corpus_chrf(HYPS, [REFS]).score, abs=1e-9)


def test_batches_sum_to_the_corpus_score():
    """Per-sample statistics are sufficient: scoring in two batches (as a run streams) gives the corpus score."""
    scorer = get_scorer("sacrebleu")
    opts = scorer.parse_options({})
    rows = scorer.score(_inputs(HYPS[:2], REFS[:2]), opts) + scorer.score(_inputs(HYPS[2:], REFS[2:]), opts)
    assert scorer.aggregate(stats_table(rows), opts)["bleu"] == pytest.approx(sacrebleu.corpus_bleu(HYPS, [REFS]).score, abs=1e-9)


def test_the_target_language_picks_sacrebleus_tokenizer():
    hyps, refs = ["猫坐在垫子上"], ["猫坐在桌子上"]
    # zh splits every Chinese character: 5 of 6 characters match, bigrams 3/5, trigrams 1/4, 4-grams 0/3 -> smoothed, not 0
    zh = _score(hyps, refs, target_language="zh")["bleu"]
    assert zh == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs], tokenize="zh").score, abs=1e-9) and zh > 0
    # 13a sees one word each, and the words differ
    assert _score(hyps, refs, target_language="en")["bleu"] == pytest.approx(0.0)


def test_signatures_name_the_tokenizer_and_the_version():
    scorer = get_scorer("sacrebleu")
    signatures = scorer.signature(scorer.parse_options({"target_language": "zh"}))
    v = sacrebleu.__version__
    assert signatures == {"bleu": f"nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:{v}",
                          "chrf": f"nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:{v}"}
    assert "tok:13a" in scorer.signature(scorer.parse_options({}))["bleu"]


def test_a_task_records_its_scorers_signatures_and_only_theirs():
    scoring = TaskScoring([("sacrebleu", {"target_language": "de"}), "exact_match"], [], n_resamples=0)
    assert set(scoring.signatures()) == {"sacrebleu"}
    assert scoring.signatures()["sacrebleu"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|")


def test_a_missing_japanese_tokenizer_is_each_samples_error_not_13a(monkeypatch):
    import builtins

    from evals.scoring.metrics import sacrebleu_metrics

    sacrebleu_metrics._metrics.cache_clear()
    real_import = builtins.__import__

    def no_mecab(name, *args, **kwargs):
        if name.startswith(("MeCab", "ipadic")):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    import sys

    for module in [m for m in sys.modules if m.startswith(("MeCab", "ipadic", "sacrebleu.tokenizers.tokenizer_ja_mecab"))]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", no_mecab)
    try:
        scoring = TaskScoring([("sacrebleu", {"target_language": "ja"})], [], n_resamples=0)
        outcomes = scoring.add(_inputs(["猫"], ["猫"]))
        assert "sacrebleu[ja]" in outcomes[0].error and scoring.n_score_errors == 1
        assert scoring.signatures()["sacrebleu"]["bleu"].startswith("unavailable: ")
    finally:
        sacrebleu_metrics._metrics.cache_clear()
