"""The Python a few sets need: MME pairs, MMMU options and open answers, OCRBench, row transforms."""

from __future__ import annotations

import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer
from evals.scoring.metrics.mmmu import open_correct
from evals.scoring.metrics.ocrbench import ocrbench_correct
from evals.spec.preprocess import choice_columns, esc50, fleurs, mmmu, mmmu_subject, vocalsound


def _run(name, inputs, options=None):
    scorer = get_scorer(name)
    opts = scorer.parse_options(options or {})
    return scorer.aggregate(stats_table(scorer.score(inputs, opts)), opts)


def test_mme_acc_plus_needs_both_questions_of_an_image():
    def item(i, sid, cat, ref, pred):
        return ScoreInput(id=sid, prediction=pred, references=[ref], meta={"category": cat})

    # pairs split apart and interleaved, as batches may deliver them
    inputs = [item(0, "a.jpg", "OCR", "Yes", "yes"), item(1, "b.jpg", "OCR", "Yes", "yes"), item(2, "a.jpg", "OCR", "No", "no"),
              item(3, "b.jpg", "OCR", "No", "yes"), item(4, "c.png", "text_translation", "No", "No, it is not.")]
    out = _run("mme", inputs)
    assert out["OCR.acc"] == 0.75 and out["OCR.acc_plus"] == 0.5 and out["OCR.score"] == 125.0
    assert out["text_translation.score"] == 200.0 and out["perception"] == 125.0 and out["cognition"] == 200.0
    with pytest.raises(ValueError, match="category 'colour'"):
        _run("mme", [item(0, "x", "colour", "Yes", "yes")])


def test_mmmu_open_answers_follow_the_number_and_substring_rules():
    assert open_correct("The answer is 5.00", ["5"])
    assert open_correct("So x = 1,000", ["1000"])
    assert not open_correct("It is 50", ["5"])
    assert open_correct("Therefore the mitochondria.", ["Mitochondria"])
    out = _run("mmmu_accuracy", [ScoreInput(id="1", prediction="B", references=["B"], choices=["x", "y"]),
                                 ScoreInput(id="2", prediction="no idea", references=["A"], choices=["x", "y"]),
                                 ScoreInput(id="3", prediction="about 3.5", references=["3.50", "7/2"])])
    assert out["accuracy"] == pytest.approx(2 / 3) and out["unparsed_rate"] == pytest.approx(1 / 3)


def test_ocrbench_rule():
    assert ocrbench_correct("It says HELLO there", ["hello"])
    assert ocrbench_correct("\\frac{1}{2} + x", ["\\frac {1}{2}+x"], "HME100k")
    assert not ocrbench_correct("\\FRAC{1}{2}", ["\\frac{1}{2}"], "HME100k")


def test_row_transforms():
    row = mmmu({"id": "validation_Art_Theory_3", "options": "['a', \"b's\"]", "answer": "B", "question_type": "multiple-choice"})
    assert row["choices"] == ["a", "b's"] and row["references"] == ["B"] and row["subject"] == "Art_Theory"
    assert mmmu({"id": "dev_Math_1", "options": "[]", "answer": "['1.5', '3/2']", "question_type": "open"})["references"] == ["1.5", "3/2"]
    with pytest.raises(ValueError, match="not of the form"):
        mmmu_subject("Math_1")
    assert choice_columns({"choice_a": "x", "choice_b": "y", "choice_c": None, "choice_d": "", "answer_gt": "y"})["answer_letter"] == "B"
    with pytest.raises(ValueError, match="not one of the choices"):
        choice_columns({"choice_a": "x", "choice_b": "y", "answer_gt": "z"})
    assert vocalsound({"spk_id": "m0412"})["gender"] == "male" and vocalsound({"spk_id": "F01"})["gender"] == "female"
    assert fleurs({"gender": 1})["gender"] == "female" and fleurs({"gender": "male"})["gender"] == "male"
    row = esc50({"category": "door_wood_knock"})
    assert row["label"] == "door wood knock" and row["labels"].count(", ") == 49
    with pytest.raises(ValueError, match="not one of the 50"):
        esc50({"category": "lion"})
