"""OSWorld-G's scoring against lmms-eval's, case by case.

``data/osworld_g_lmms_eval.json`` holds what lmms-eval's ``osworld_g_process_results`` (and its ``_parse_point``) returned for
adversarial answers against adversarial targets (boxes with zero size and the whole screen, convex, concave and degenerate
polygons, a polygon of four numbers (read as a box) or of an odd count, absent targets, box types in other cases, an unknown
one) when it was run (repository, path, commit and command in the file's header). omnieval's ``osworld_g`` preprocessor and ``osworld_g_click`` must score every pair as it does. The one
departure: an answer with no point is counted in ``unparsed_rate`` (wrong in both).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.grounding import ClickOptions, score_osworld_click
from evals.spec.preprocess import PREPROCESSORS

DATA = json.loads((Path(__file__).parent / "data" / "osworld_g_lmms_eval.json").read_text(encoding="utf-8"))


def test_the_recorded_outputs_say_where_they_come_from_and_cover_each_outcome():
    assert DATA["official"]["repository"] == "EvolvingLMMs-Lab/lmms-eval" and len(DATA["official"]["commit"]) == 40
    assert DATA["command"] and len(DATA["cases"]) >= 50 and len(DATA["targets"]) >= 10
    for k, target in enumerate(DATA["targets"]):  # each target is hit by some answers and missed by others, but those none can hit
        never = target["box_type"] == "other" or len(target["box_coordinates"]) % 2 == 1
        assert {c["correct"][k] for c in DATA["cases"]} == ({False} if never else {True, False})
    assert 3 <= sum(c["parsed"] is None for c in DATA["cases"]) <= 10


@pytest.mark.parametrize("case", DATA["cases"], ids=[f"{i}:{c['prediction'][:24]!r}" for i, c in enumerate(DATA["cases"])])
def test_each_answer_is_scored_as_lmms_eval_scores_it(case):
    preprocess = PREPROCESSORS.get("osworld_g")
    inputs = []
    for k, target in enumerate(DATA["targets"]):
        row = preprocess({"instruction": "x", **target})
        inputs.append(ScoreInput(id=str(k), prediction=case["prediction"], references=[row["osworld_target"]],
                                 metadata={"image_width": row["image_width"], "image_height": row["image_height"]}))
    scores = score_osworld_click(inputs, ClickOptions())
    assert [s.stats["correct"] == 1.0 for s in scores] == case["correct"]
    assert {s.stats["unparsed"] for s in scores} == {float(case["parsed"] is None)}
