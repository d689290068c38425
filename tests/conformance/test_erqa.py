"""ERQA's request and scoring against the official harness, case by case.

``data/erqa_official.json`` holds what embodiedreasoning/ERQA's ``eval_harness.py`` gave when its comparison line and the
block of ``main`` that interleaves images and text were run (source and command in the file's header): for adversarial
answers, whether each is right against each answer A .. D; for adversarial ``visual_indices``, the order of images and
text pieces it sends. omnieval's ``erqa_exact_match`` must score every answer as the harness does, and the ``erqa``
preprocessor with the planner must send the same pieces in the same order. Where the harness finds an answer wrong for
every letter, omnieval leaves it unparsed (wrong, counted in ``unparsed_rate``): no letter is guessed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from evals.data.media import image_part
from evals.requests import MediaPart
from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.erqa import erqa_letter, score_erqa
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import png_bytes  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "erqa_official.json").read_text(encoding="utf-8"))


def test_the_official_outputs_say_where_they_come_from_and_cover_both_paths():
    assert DATA["official"]["repository"] == "embodiedreasoning/ERQA" and DATA["official"]["path"] == "eval_harness.py"
    assert DATA["command"] and len(DATA["cases"]) >= 40 and len(DATA["layouts"]) >= 12
    rights = [sum(c["official"].values()) for c in DATA["cases"]]
    assert set(rights) == {0, 1} and 10 <= rights.count(1) <= len(rights) - 10


@pytest.mark.parametrize("case", DATA["cases"], ids=[f"{i}:{c['prediction'][:20]!r}" for i, c in enumerate(DATA["cases"])])
def test_each_answer_is_scored_as_the_harness_scores_it(case):
    letter, rule = erqa_letter(case["prediction"])
    assert {g: letter == g for g in "ABCD"} == case["official"]
    assert (rule == "unparsed") == (not any(case["official"].values()))
    [score] = score_erqa([ScoreInput(id="0", prediction=case["prediction"], references=["C"], choices=list("ABCD"))], NoOptions())
    assert score.stats == {"score": float(case["official"]["C"]), "unparsed": float(letter is None)}


@pytest.mark.parametrize("layout", DATA["layouts"], ids=[f"{layout['visual_indices']}" for layout in DATA["layouts"]])
def test_images_and_text_are_sent_in_the_harness_order(layout):
    images = [{"bytes": png_bytes(2000 + k), "path": None} for k in range(layout["n_images"])]
    row = {"question_id": "q", "question": layout["question"], "question_type": "Other", "answer": "A", "images": images,
           "visual_indices": layout["visual_indices"]}
    sample = RequestPlanner(load_task("erqa")).plan(0, row)
    assert sample.error is None
    [message] = sample.request.messages
    shas = [image_part(im["bytes"]).sha for im in images]
    got = [shas.index(p.sha) + 1 if isinstance(p, MediaPart) else p.text for p in message.content]
    assert got == layout["official"]
    assert not re.search(r"<image", "".join(p for p in got if isinstance(p, str)))
