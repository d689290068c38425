
import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer
from evals.scoring.metrics.hf_evaluate import metric_dir

from tests.installed import skip_unless_installed

skip_unless_installed("evaluate")


@pytest.fixture(scope="module")
def evaluate():
    """Imported when a test here runs, not while the suite is collected (it imports torch and datasets: seconds)."""
    import evaluate

    return evaluate


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_EVALUATE_OFFLINE", "1")
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "modules"))


def _ours(name, preds, refs, **opts):
    scorer = get_scorer(name)
    options = scorer.parse_options(opts)
    inputs = [ScoreInput(id=str(i), prediction=p, references=[r] if isinstance(r, str) else r)
              for i, (p, r) in enumerate(zip(preds, refs))]  # fmt: skip
    return scorer.aggregate(stats_table(scorer.score(inputs, options)), options)


def test_vqa_accuracy_module(evaluate):
    metric = evaluate.load(str(metric_dir("vqa_accuracy")))
    preds = ["Two", "yes", "the cat"]
    refs = [["2"] * 3 + ["two"] * 7, ["yes"] * 2 + ["no"] * 8, ["cat"] * 10]
    assert metric.compute(predictions=preds, references=refs) == _ours("vqa_accuracy", preds, refs)
    both = metric.compute(predictions=preds, references=refs, normalize="both")
    assert both == _ours("vqa_accuracy", preds, refs, normalize="both")


def test_wer_and_cer_modules(evaluate):
    preds = ["hello world", "twenty five dollars", "the quick brown"]
    refs = ["Hello, world!", "$25", "the quick brown fox"]
    wer = evaluate.load(str(metric_dir("wer")))
    assert wer.compute(predictions=preds, references=refs) == _ours("wer", preds, refs)
    assert wer.compute(predictions=preds, references=refs, normalizer="none") == _ours("wer", preds, refs, normalizer="none")
    cer = evaluate.load(str(metric_dir("cer")))
    assert cer.compute(predictions=preds, references=refs)["cer"] == _ours("cer", preds, refs)["cer"]


def test_anls_module(evaluate):
    metric = evaluate.load(str(metric_dir("anls")))
    preds, refs = ["hellp", "q"], [["x", "hello"], ["zzzz"]]
    assert metric.compute(predictions=preds, references=refs) == pytest.approx({"anls": 0.4})
