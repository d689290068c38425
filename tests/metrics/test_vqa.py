import random

import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer
from evals.scoring.metrics.vqa import normalize_vqa_answer, process_punctuation, vqa_accuracy_one

from ._official_vqa import OfficialVQAEval

OFFICIAL = OfficialVQAEval()

# Vocabulary built to hit the normalisation quirks: numbers in words, articles,
# contractions, punctuation with and without spaces, digit commas, periods.
PIECES = ["two", "2", "the", "a", "an", "dog", "dogs", "Dog", "none", "0", "yes", "Yes", "no", "isnt", "don't",
          "dont", "red.", "1,000", "1000", "3.5", "3 .5", "a/b", "a / b", "left-side", "left side", "(car)",
          "car", "?", "!", "hi!", "ten", "10", "St.", "e.g.", "...", "x\ty", "x\ny", "  ", "I'm", "Im", "ow's'at"]


def _random_answer(rng):
    return " ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))


def _cases(n, seed):
    rng = random.Random(seed)
    for _ in range(n):
        base = [_random_answer(rng) for _ in range(rng.randint(1, 4))]
        k = rng.choice([1, 2, 3, 5, 10, 10, 10])
        refs = [rng.choice(base) for _ in range(k)]
        pred = rng.choice(base + [_random_answer(rng)])
        yield pred, refs


def test_processing_matches_official():
    rng = random.Random(1)
    for _ in range(3000):
        text = _random_answer(rng) + rng.choice(["", ".", " .", ",", "1.2.3.4"])
        assert process_punctuation(text) == OFFICIAL.processPunctuation(text)
        assert normalize_vqa_answer(text) == OFFICIAL.processDigitArticle(OFFICIAL.processPunctuation(text))


def test_period_strip_count_quirk():
    # re.UNICODE (32) passed as count: only the first 32 periods go.
    text = "." * 40
    assert process_punctuation(text) == OFFICIAL.processPunctuation(text) == "." * 8


def test_vqaeval_py_mode_equals_official_script():
    for pred, refs in _cases(3000, seed=2):
        assert vqa_accuracy_one(pred, refs, "vqaeval_py") == pytest.approx(OFFICIAL.question_accuracy(refs, pred), abs=1e-12)


def test_official_mode_is_script_on_normalised_prediction():
    for pred, refs in _cases(3000, seed=3):
        pre = normalize_vqa_answer(pred.replace("\n", " ").replace("\t", " ").strip())
        assert vqa_accuracy_one(pred, refs, "official") == pytest.approx(OFFICIAL.question_accuracy(refs, pre), abs=1e-12)


def test_known_values():
    ten = ["2"] * 3 + ["two"] * 7
    # refs differ -> normalised -> all "2": every subset has 9 matches.
    assert vqa_accuracy_one("Two", ten) == 1.0
    refs = ["cat"] * 2 + ["dog"] * 8
    # two matches: subsets dropping a "cat" see 1 match (1/3), others see 2 (2/3)
    assert vqa_accuracy_one("cat", refs) == pytest.approx((2 * (1 / 3) + 8 * (2 / 3)) / 10)
    assert vqa_accuracy_one("cat", ["cat"] * 3 + ["dog"] * 7) == pytest.approx((3 * (2 / 3) + 7 * 1) / 10)
    # identical refs are not normalised: official mode normalises the prediction anyway
    assert vqa_accuracy_one("two", ["2"] * 10, "official") == 1.0
    assert vqa_accuracy_one("two", ["2"] * 10, "vqaeval_py") == 0.0
    assert vqa_accuracy_one("the Dog", ["dog"] * 10, "both") == 1.0
    assert vqa_accuracy_one("the Dog", ["The dog"] * 10, "official") == 0.0
    assert vqa_accuracy_one("the Dog", ["The dog"] * 10, "both") == 1.0


def test_few_references_follow_formula_literally():
    assert vqa_accuracy_one("cat", ["cat"]) == 0.0  # the only subset is empty
    assert vqa_accuracy_one("cat", ["cat", "cat"]) == pytest.approx(1 / 3)
    assert vqa_accuracy_one("cat", ["cat"] * 4) == 1.0
    with pytest.raises(ValueError):
        vqa_accuracy_one("cat", [])


def test_scorer_registered_and_aggregates():
    scorer = get_scorer("vqa_accuracy")
    options = scorer.parse_options({"normalize": "both"})
    assert options.model_dump() == {"normalize": "both"}
    inputs = [ScoreInput(id="a", prediction="yes", references=["yes"] * 10),
              ScoreInput(id="b", prediction="no", references=["yes"] * 10)]
    agg = scorer.aggregate(stats_table(scorer.score(inputs, options)), options)
    assert agg == {"vqa_accuracy": 0.5}
    with pytest.raises(ValueError, match="'c'"):
        scorer.score([ScoreInput(id="c", prediction="x", references=[])], options)
