import random

import numpy as np
import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer
from evals.scoring.metrics.anls import anls_one
from evals.scoring.metrics.choice import parse_choice
from evals.scoring.metrics.levenshtein import edit_counts_python
from evals.scoring.metrics.relaxed_accuracy import relaxed_correctness
from evals.scoring.metrics.yes_no import parse_yes_no


def _run(name, inputs, **opts):
    scorer = get_scorer(name)
    options = scorer.parse_options(opts)
    rows = scorer.score(inputs, options)
    return rows, scorer.aggregate(stats_table(rows), options)


# ---------------------------------------------------------------- ANLS


def _anls_reference(pred, refs, threshold=0.5):
    """The DocVQA evaluation formula, written out with a textbook DP."""
    values = []
    det = " ".join(pred.strip().lower().split())
    for gt in refs:
        gt = " ".join(gt.strip().lower().split())
        dist = sum(edit_counts_python(gt, det))
        length = max(len(gt), len(det))
        values.append(0.0 if length == 0 else dist / length)
    result = 1 - min(values)
    return 0.0 if result < threshold else result


def test_anls_random_against_formula():
    rng = random.Random(0)
    alphabet = "abcAB  12."
    for _ in range(2000):
        pred = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        refs = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 3))]
        assert anls_one(pred, refs) == pytest.approx(_anls_reference(pred, refs), abs=1e-12)


def test_anls_known_values():
    assert anls_one("Hello  World", ["hello world"]) == 1.0
    assert anls_one("hellp", ["hello"]) == pytest.approx(0.8)
    assert anls_one("abcdef", ["abcxyz"]) == 0.5  # exactly at threshold is kept
    assert anls_one("abcdeg", ["abxyzw"]) == 0.0  # 1 - 4/6 < 0.5
    assert anls_one("", [""]) == 1.0
    _, agg = _run("anls", [ScoreInput(id="1", prediction="hellp", references=["x", "hello"]),
                           ScoreInput(id="2", prediction="q", references=["zzzz"])])
    assert agg["anls"] == pytest.approx(0.4)


# ---------------------------------------------------------------- relaxed accuracy


@pytest.mark.parametrize(
    ("target", "prediction", "expected"),
    [
        ("100", "104", True), ("100", "105", True), ("100", "105.1", False), ("100", "95", True),
        ("50%", "0.5", True), ("0.5", "50%", True), ("12%", "12", False), ("0", "0.01", False),
        ("0", "0", True), ("0", "0.0", False),  # target 0: string equality
        ("Yes", "yes", True), ("Yes", "yes ", False), ("1,000", "1000", False), (" 100", "101", True),
        ("-10", "-10.4", True), ("abc", "ABC", True),
    ],
)  # fmt: skip
def test_relaxed_correctness(target, prediction, expected):
    assert relaxed_correctness(target, prediction) is expected


def test_relaxed_accuracy_scorer_max_over_refs():
    _, agg = _run("relaxed_accuracy", [ScoreInput(id="1", prediction="10", references=["50", "10.2"]),
                                       ScoreInput(id="2", prediction="x", references=["y"])])
    assert agg == {"relaxed_accuracy": 0.5}
    _, agg = _run("relaxed_accuracy", [ScoreInput(id="1", prediction="10", references=["10.8"])], max_relative_change=0.1)
    assert agg == {"relaxed_accuracy": 1.0}


# ---------------------------------------------------------------- choice


CHOICES = ["red", "blue", "green", "light blue"]


@pytest.mark.parametrize(
    ("prediction", "letter", "rule"),
    [
        ("B", "B", "bare"), ("(c)", "C", "bare"), ("b.", "B", "bare"), ("Option D", "D", "bare"),
        ("Answer: (A)", "A", "bare"), ("B) blue", "B", "leading"), ("(C) green, because", "C", "leading"),
        ("The answer is C.", "C", "phrase"), ("I think the correct answer is **D**", "D", "phrase"),
        ("I think B is right", "B", "single_letter"), ("It is light blue", "D", "option_text"),
        ("blue", "B", "option_text"), ("The answer is a cat that is green", "C", "option_text"),
        ("I would say blue or red", None, "unparsed"), ("E", None, "unparsed"), ("", None, "unparsed"),
        ("A or B", None, "unparsed"), ("A cat", None, "unparsed"),
    ],
)  # fmt: skip
def test_parse_choice(prediction, letter, rule):
    assert parse_choice(prediction, CHOICES) == (letter, rule)


def test_choice_accuracy_counts_unparsed_as_wrong_and_never_guesses():
    inputs = [ScoreInput(id=str(i), prediction=p, references=[r], choices=CHOICES)
              for i, (p, r) in enumerate([("B", "B"), ("(c)", "c"), ("no idea", "A"), ("D", "A")])]
    rows, agg = _run("choice_accuracy", inputs)
    assert agg == {"accuracy": 0.5, "unparsed_rate": 0.25}
    assert rows[2]["unparsed"] == 1.0 and rows[2]["score"] == 0.0 and rows[2]["parsed_index"] == -1.0
    again, _ = _run("choice_accuracy", inputs)
    assert again == rows
    with pytest.raises(ValueError, match="'x'"):
        _run("choice_accuracy", [ScoreInput(id="x", prediction="A", references=["F"], choices=CHOICES)])
    with pytest.raises(ValueError, match="no choices"):
        _run("choice_accuracy", [ScoreInput(id="y", prediction="A", references=["A"])])


# ---------------------------------------------------------------- yes/no


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("Yes", "yes"), ("yes.", "yes"), ("No, there is not.", "no"), ("There is no dog", "no"),
     ("Yes, there is no doubt", "yes"), ("I think so, yes", "yes"), ("maybe", None), ("yes or no", "yes"),
     ("It could be yes, could be no", None), ("", None), ("Nope", None)],
)  # fmt: skip
def test_parse_yes_no(text, parsed):
    assert parse_yes_no(text) == parsed


def test_yes_no_metrics_match_sklearn_formulas():
    rng = np.random.default_rng(0)
    refs = rng.choice(["yes", "no"], size=300)
    preds = rng.choice(["Yes.", "No", "not sure"], size=300, p=[0.5, 0.4, 0.1])
    inputs = [ScoreInput(id=str(i), prediction=p, references=[r]) for i, (p, r) in enumerate(zip(preds, refs))]
    rows, agg = _run("yes_no", inputs)
    pred_yes = np.array([p == "Yes." for p in preds])
    ref_yes = refs == "yes"
    tp = np.sum(pred_yes & ref_yes)
    precision, recall = tp / pred_yes.sum(), tp / ref_yes.sum()
    correct = np.array([(p == "Yes." and r == "yes") or (p == "No" and r == "no") for p, r in zip(preds, refs)])
    assert agg["accuracy"] == pytest.approx(correct.mean())
    assert agg["precision"] == pytest.approx(precision)
    assert agg["recall"] == pytest.approx(recall)
    assert agg["f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    assert agg["yes_ratio"] == pytest.approx(pred_yes.mean())
    assert agg["unparsed_rate"] == pytest.approx(np.mean(preds == "not sure"))
    with pytest.raises(ValueError):
        _run("yes_no", [ScoreInput(id="z", prediction="yes", references=["maybe"])])
