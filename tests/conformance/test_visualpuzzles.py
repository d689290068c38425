"""VisualPuzzles' prompts and answer reading against lmms-eval's VisualPuzzles tasks, case by case.

``data/visualpuzzles_lmms_eval.json`` holds what lmms-eval's ``parse_response`` returned for adversarial answers with each of
several sets of option texts (or none: options drawn in the image), its random fallback recorded as ``RANDOM``, and what
``VisualPuzzles_doc_to_text`` wrote with either instruction, when they were run (repository, path, commit and command in the
file's header). omnieval's ``visualpuzzles_match`` must read the letter lmms-eval reads, and the tasks must send the same
text. The one departure: where lmms-eval picks a random letter, the answer is unparsed (wrong, counted in ``unparsed_rate``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.visualpuzzles import score_visualpuzzles, visualpuzzles_letter
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import png_bytes  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "visualpuzzles_lmms_eval.json").read_text(encoding="utf-8"))


def test_the_recorded_outputs_say_where_they_come_from_and_cover_each_path():
    assert DATA["official"]["repository"] == "EvolvingLMMs-Lab/lmms-eval" and len(DATA["official"]["commit"]) == 40
    assert DATA["command"] and len(DATA["cases"]) >= 40 and len(DATA["prompts"]) >= 3
    readings = [v for c in DATA["cases"] for v in c["official"].values()]
    assert 40 <= readings.count("RANDOM") <= len(readings) - 100
    assert {v.upper() for v in readings} == {"A", "B", "C", "D", "RANDOM"}


@pytest.mark.parametrize("case", DATA["cases"], ids=[f"{i}:{c['prediction'][:24]!r}" for i, c in enumerate(DATA["cases"])])
def test_each_answer_is_read_as_lmms_eval_reads_it(case):
    for k, official in case["official"].items():
        texts = DATA["option_texts"][int(k)] or []
        letter, rule = visualpuzzles_letter(case["prediction"], texts)
        assert (letter, rule == "unparsed") == ((None, True) if official == "RANDOM" else (official.upper(), False)), (k, rule)
        items = [ScoreInput(id=g, prediction=case["prediction"], references=[g], choices=texts) for g in "ABCD"]
        assert [s.stats["score"] for s in score_visualpuzzles(items, NoOptions())] == [float(official.upper() == g) for g in "ABCD"]


@pytest.mark.parametrize("doc", DATA["prompts"], ids=[str(i) for i in range(len(DATA["prompts"]))])
def test_the_prompts_are_lmms_evals(doc):
    row = {"id": 1, "category": "spatial", "image": {"bytes": png_bytes(3), "path": None}, "question": doc["question"],
           "options": doc["options"], "answer": "A"}
    for variant in ("cot", "direct"):
        [message] = RequestPlanner(load_task(f"visualpuzzles_{variant}")).plan(0, row).request.messages
        image, text = message.content
        assert image.kind == "image" and text.text == doc[variant]
