"""TreeBench's prompt and answer reading against VLMEvalKit's, case by case.

``data/treebench_vlmevalkit.json`` holds what VLMEvalKit's ``TreeBench.build_prompt`` wrote for adversarial rows and what
``TreeBench.evaluate``'s answer lines with ``extract_characters_regex`` read and scored for adversarial answers against each
answer A .. E, when they were run (repository, path, commit and command in the file's header). omnieval's ``treebench`` task
must send the same text (less its final line break, which the planner drops for every task) and ``treebench_match`` must score
as VLMEvalKit does, but for one departure, pinned here: an answer left with no letter (empty, ``(``), which VLMEvalKit reads
as A because it lies inside ``(A)``, is unparsed, wrong and counted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.treebench import score_treebench, treebench_letter
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import jpeg_bytes  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "treebench_vlmevalkit.json").read_text(encoding="utf-8"))
DEPARTURES = {"", " ", "(", ")", "<answer></answer>", "<answer>(</answer>"}
"""The answers VLMEvalKit reads as A though nothing in them names an option."""


def test_the_recorded_outputs_say_where_they_come_from_and_cover_each_path():
    assert DATA["official"]["repository"] == "open-compass/VLMEvalKit" and len(DATA["official"]["commit"]) == 40
    assert DATA["command"] and len(DATA["cases"]) >= 30 and len(DATA["prompts"]) >= 3
    assert {c["extracted"] for c in DATA["cases"]} == {"A", "B", "C", "D", "E", ""}
    assert DEPARTURES <= {c["prediction"] for c in DATA["cases"] if c["extracted"] == "A"}


@pytest.mark.parametrize("case", DATA["cases"], ids=[f"{i}:{c['prediction'][:24]!r}" for i, c in enumerate(DATA["cases"])])
def test_each_answer_is_scored_as_vlmevalkit_scores_it(case):
    letter, rule = treebench_letter(case["prediction"])
    departure = case["prediction"] in DEPARTURES
    assert (letter or "") == ("" if departure else case["extracted"])
    assert (rule == "unparsed") == (departure or case["extracted"] == "")
    items = [ScoreInput(id=g, prediction=case["prediction"], references=[g], choices=list("vwxyz")) for g in "ABCDE"]
    expected = [False] * 5 if departure else case["correct"]
    assert [s.stats["score"] == 1.0 for s in score_treebench(items, NoOptions())] == expected


@pytest.mark.parametrize("doc", DATA["prompts"], ids=[str(i) for i in range(len(DATA["prompts"]))])
def test_the_prompt_is_vlmevalkits(doc):
    row = {**doc["row"], "image": {"bytes": jpeg_bytes(9), "path": None}, "answer": "A", "category": "Perception/OCR",
           "target_instances": "[]"}
    [message] = RequestPlanner(load_task("treebench")).plan(0, row).request.messages
    image, text = message.content
    assert image.kind == "image" and text.text == doc["text"].rstrip("\n")
