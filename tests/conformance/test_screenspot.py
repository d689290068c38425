"""ScreenSpot-v2 and ScreenSpot-Pro click scoring against the official code, case by case.

``data/screenspot_official.json`` holds adversarial answers, each against four target boxes (two on a small screenshot,
one on a 2560x1440 one, a one-pixel box whose edges fall on the 0-1 fractions exactly), and what the official code
returned for each when it was run (repositories, paths, commits and command in the file's header): lmms-eval's
``_parse_point`` and its ScreenSpot-v2 and ScreenSpot-Pro ``process_results``, and ScreenSpot-Pro's own
``eval_sample_positive_gt`` given lmms-eval's point. omnieval's ``click_accuracy`` (``point_format: lmms_eval``, the
tasks' setting) must read the same point and give the same verdict, with one pinned departure: an answer with no point is
*unparsed* (wrong, counted in ``unparsed_rate``), where lmms-eval scores it wrong uncounted and ScreenSpot-Pro's script
calls it ``wrong_format`` (wrong, in the denominator, counted apart): the same score.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.grounding import ClickOptions, find_point, score_click

DATA = json.loads((Path(__file__).parent / "data" / "screenspot_official.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_cover_each_rule():
    assert {(o["repository"], o["path"]) for o in DATA["official"]} == {
        ("EvolvingLMMs-Lab/lmms-eval", "lmms_eval/tasks/screenspot_v2/utils.py"),
        ("EvolvingLMMs-Lab/lmms-eval", "lmms_eval/tasks/screenspot_pro/utils.py"),
        ("likaixin2000/ScreenSpot-Pro-GUI-Grounding", "eval_screenspot_pro.py")}
    assert all(len(o["commit"]) == 40 for o in DATA["official"]) and DATA["command"]
    assert len(CASES) >= 200 and len({(c["prediction"], tuple(c["bbox"])) for c in CASES}) == len(CASES)
    verdicts = {c["screenspot_pro_correctness"] for c in CASES}
    assert verdicts == {"correct", "wrong", "wrong_format"}
    # the three official views agree on every case: one rule (a point inside the box, edges included)
    assert all(c["lmms_eval_v2_correct"] == c["lmms_eval_pro_correct"] == (c["screenspot_pro_correctness"] == "correct") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:24]!r}:{c['bbox'][0]}" for i, c in enumerate(CASES)])
def test_click_accuracy_reads_and_scores_as_the_official_code(case):
    point, _ = find_point(case["prediction"])
    assert (list(point) if point is not None else None) == case["lmms_eval_parse"]
    item = ScoreInput(id="x", prediction=case["prediction"], references=[json.dumps(case["bbox"])],
                      metadata={"image_width": case["image_width"], "image_height": case["image_height"]})
    [score] = score_click([item], ClickOptions())
    assert score.stats["correct"] == float(case["screenspot_pro_correctness"] == "correct")
    assert score.stats["unparsed"] == float(case["screenspot_pro_correctness"] == "wrong_format")  # the pinned departure: counted


@pytest.mark.parametrize("answer, fmt, right", [
    ('{"point_2d": [500, 500]}', "norm1000", True),  # Qwen3-VL's 0-1000: the centre of the screenshot
    ("<bbox>450 400 550 600</bbox>", "norm1000", True),  # a box: its centre
    ("[500, 500]", "norm1000", True), ("[500, 500]", "pixels", False), ("[100, 50]", "pixels", True),
    ("[0.5, 0.5]", "norm1", True), ("[1, 1]", "norm1", False),
    ("[98, 56]", "qwen25", True),  # Qwen2.5-VL's pixels of its resized image: 200x100 becomes 196x112
])
def test_a_family_s_own_coordinates_are_read_with_point_format(answer, fmt, right):
    item = ScoreInput(id="x", prediction=answer, references=["[90, 40, 110, 60]"], metadata={"image_width": 200, "image_height": 100})
    assert score_click([item], ClickOptions(point_format=fmt))[0].stats["correct"] == float(right)
