"""CC-OCR's scorers against the official evaluators' outputs, subset by subset.

``data/cc_ocr_official.json`` holds groups of adversarial (prediction, reference) pairs, each group one subset of one
track, and what the official evaluators (AlibabaResearch/AdvancedLiterateMachinery Benchmarks/CC-OCR/evaluation/
evaluator, commit and command in the file's header) reported for the group: the text-reading macro and micro F1, the
doc-parsing score (edit distance, TEDS) of the group and of each sample alone, the KIE field F1 and nTED accuracy and
which answers it could not read as JSON. The random tables and KIE objects stress the tree edit distance, which the
official code takes from ``apted`` and ``zss`` and ``evals.scoring.metrics.cc_ocr`` computes itself. Departure (not in
the data: the official code raises or scores a missing response): inputs that make it divide by zero are the sample's
error here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer

DATA = json.loads((Path(__file__).parent / "data" / "cc_ocr_official.json").read_text(encoding="utf-8"))


def _score(name: str, options: dict, subset: str, samples: list[dict]):
    scorer = get_scorer(name)
    parsed = scorer.parse_options(options)
    inputs = [ScoreInput(id=str(i), prediction=s["prediction"], references=[s["reference"]], subgroups={"split": subset})
              for i, s in enumerate(samples)]
    rows = scorer.score(inputs, parsed)
    assert [r.error for r in rows] == [None] * len(rows)
    return rows, scorer.aggregate(stats_table(rows), parsed)


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "AlibabaResearch/AdvancedLiterateMachinery"
    assert official["path"] == "Benchmarks/CC-OCR/evaluation/evaluator/" and len(official["commit"]) == 40 and DATA["command"]
    assert {c["track"] for c in DATA["text_reading"]} == {"multi_scene_ocr", "multi_lan_ocr"}
    assert {c["op"] for c in DATA["doc_parsing"]} == {"doc", "table", "formula", "molecular"}
    assert sum(len(c["samples"]) for c in DATA["doc_parsing"] if c["op"] == "table") >= 15
    assert sum(len(c["samples"]) for c in DATA["kie"]) >= 20 and sum(len(c["unparsed"]) for c in DATA["kie"]) >= 3


@pytest.mark.parametrize("case", DATA["text_reading"], ids=[c["subset"] for c in DATA["text_reading"]])
def test_text_reading_is_the_official_macro_and_micro_f1(case):
    rows, result = _score("cc_ocr_text_reading", {"track": case["track"]}, case["subset"], case["samples"])
    assert [r.stats["f1"] for r in rows] == pytest.approx(case["per_sample_macro_f1"], abs=1e-8)  # officially over (1 + 1e-9)
    assert result["score"] == pytest.approx(case["official"]["macro_f1_score"], abs=1e-8)
    assert result["micro_f1"] == pytest.approx(case["official"]["mirco_f1_score"], abs=1e-8)


@pytest.mark.parametrize("case", DATA["doc_parsing"], ids=[c["subset"] for c in DATA["doc_parsing"]])
def test_doc_parsing_is_the_official_edit_distance_and_teds(case):
    rows, result = _score("cc_ocr_doc_parsing", {}, case["subset"], case["samples"])
    assert [r.stats["doc_score"] for r in rows] == pytest.approx(case["per_sample_score"], abs=1e-12)
    assert result["score"] == pytest.approx(case["official"]["score"], abs=1e-12)


@pytest.mark.parametrize("case", DATA["kie"], ids=[c["subset"] for c in DATA["kie"]])
def test_kie_is_the_official_field_f1_and_nted_accuracy(case):
    rows, result = _score("cc_ocr_kie", {}, case["subset"], case["samples"])
    assert [i for i, r in enumerate(rows) if r.stats["unparsed"]] == case["unparsed"]
    assert result["score"] == pytest.approx(case["official"]["f1_score"], abs=1e-12)
    assert result["acc"] == pytest.approx(case["official"]["acc"], abs=1e-12)
    assert result["unparsed_rate"] == len(case["unparsed"]) / len(rows)


def test_the_tracks_figure_is_the_mean_over_its_subsets_and_divisions_by_zero_are_errors():
    scorer = get_scorer("cc_ocr_doc_parsing")
    options = scorer.parse_options({})
    inputs = [ScoreInput(id="a", prediction="abcd", references=["abcd"], subgroups={"split": "doc_scan_eng"}),
              ScoreInput(id="b", prediction="x", references=["y"], subgroups={"split": "formula_handwriting"}),
              ScoreInput(id="c", prediction="xy", references=["xy"], subgroups={"split": "formula_handwriting"}),
              ScoreInput(id="d", prediction=" ", references=["\n"], subgroups={"split": "doc_scan_eng"}),
              ScoreInput(id="e", prediction="x", references=["x"], subgroups={"split": "no_such_subset"})]
    rows = scorer.score(inputs, options)
    assert "both empty" in rows[3].error and "no_such_subset" in rows[4].error
    assert scorer.aggregate(stats_table(rows[:3]), options)["score"] == pytest.approx((1.0 + 0.5) / 2)  # not 2/3 (by sample)
    kie = get_scorer("cc_ocr_kie")
    [empty] = kie.score([ScoreInput(id="k", prediction="{}", references=['{"a": []}'], subgroups={"split": "CORD"})],
                        kie.parse_options({}))
    assert "no field" in empty.error
