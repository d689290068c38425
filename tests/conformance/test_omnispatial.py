"""OmniSpatial's prompt and answer reading against the official scripts, case by case.

``data/omnispatial_official.json`` holds what qizekun/OmniSpatial's open-model script (vlms_eval/qwenvl_eval.py) built as
its prompt for adversarial questions (manual chain of thought, "Answer: X" format) and what its ``re`` reading gave for
adversarial answers against each answer A .. D (the script's own lines, executed; source and command in the file's
header). omnieval's ``omnispatial`` task must send the same text (less the line breaks at its start, which the planner drops
for every task) and ``omnispatial_match`` must score every answer as the script does, but one departure: where the script
finds no "Answer: X" line and scores the letter A (``default_a``), the answer is unparsed here, wrong and counted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.omnispatial import omnispatial_letter, score_omnispatial
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import png_bytes  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "omnispatial_official.json").read_text(encoding="utf-8"))


def test_the_recorded_outputs_say_where_they_come_from_and_cover_both_paths():
    assert DATA["official"]["repository"] == "qizekun/OmniSpatial" and len(DATA["official"]["commit"]) == 40
    assert DATA["command"] and len(DATA["cases"]) >= 25 and len(DATA["prompts"]) >= 3
    assert 8 <= sum(c["default_a"] for c in DATA["cases"]) <= len(DATA["cases"]) - 10


@pytest.mark.parametrize("case", DATA["cases"], ids=[f"{i}:{c['prediction'][:24]!r}" for i, c in enumerate(DATA["cases"])])
def test_each_answer_is_scored_as_the_official_script_scores_it(case):
    letter, rule = omnispatial_letter(case["prediction"])
    if case["default_a"]:  # the departure: no letter is made up
        assert (letter, rule) == (None, "unparsed")
        expected = [False] * 4
    else:
        assert letter == case["official_letter"] and rule == "answer_line"
        expected = case["correct"]
    items = [ScoreInput(id=g, prediction=case["prediction"], references=[g], choices=list("wxyz")) for g in "ABCD"]
    assert [s.stats["score"] == 1.0 for s in score_omnispatial(items, NoOptions())] == expected


@pytest.mark.parametrize("doc", DATA["prompts"], ids=[str(i) for i in range(len(DATA["prompts"]))])
def test_the_prompt_is_the_official_one(doc):
    row = {"id": "3_0", "question": doc["question"], "options": doc["options"], "answer": 0, "task_type": "Complex_Logic",
           "sub_task_type": "Geometric_Reasoning", "image": {"bytes": png_bytes(5), "path": "Complex_Logic/3.png"}, "picture": "x"}
    [message] = RequestPlanner(load_task("omnispatial")).plan(0, row).request.messages
    image, text = message.content
    assert image.kind == "image" and text.text == doc["text"].lstrip("\n")
