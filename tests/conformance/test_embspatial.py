"""EmbSpatial-Bench's prompt and answer reading against lmms-eval's embspatial task, case by case.

``data/embspatial_lmms_eval.json`` holds what lmms-eval's ``_extract_answer_letter`` and ``embspatial_process_results`` returned
for adversarial answers against each answer A .. D, and what ``embspatial_doc_to_text`` wrote for adversarial questions, when
they were run (repository, path, commit and command in the file's header). omnieval's ``embspatial_match`` must score every
answer as they do and the task must send the same text. The one departure: where lmms-eval reads no letter (an empty
string, wrong) the answer is unparsed here, wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.embspatial import embspatial_letter, score_embspatial
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import jpeg_bytes  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "embspatial_lmms_eval.json").read_text(encoding="utf-8"))


def test_the_recorded_outputs_say_where_they_come_from_and_cover_both_paths():
    assert DATA["official"]["repository"] == "EvolvingLMMs-Lab/lmms-eval" and len(DATA["official"]["commit"]) == 40
    assert DATA["command"] and len(DATA["cases"]) >= 30 and len(DATA["prompts"]) >= 3
    assert 8 <= sum(c["extracted"] == "" for c in DATA["cases"]) <= len(DATA["cases"]) - 20


@pytest.mark.parametrize("case", DATA["cases"], ids=[f"{i}:{c['prediction'][:20]!r}" for i, c in enumerate(DATA["cases"])])
def test_each_answer_is_read_as_lmms_eval_reads_it(case):
    letter, rule = embspatial_letter(case["prediction"])
    assert (letter or "") == case["extracted"] and (rule == "unparsed") == (case["extracted"] == "")
    items = [ScoreInput(id=str(k), prediction=case["prediction"], references=[g], choices=["w", "x", "y", "z"]) for k, g in enumerate("ABCD")]
    assert [s.stats["score"] == 1.0 for s in score_embspatial(items, NoOptions())] == case["correct"]


@pytest.mark.parametrize("doc", DATA["prompts"], ids=[str(i) for i in range(len(DATA["prompts"]))])
def test_the_prompt_is_lmms_evals(doc):
    row = {"question_id": "q", "image": {"bytes": jpeg_bytes(7), "path": None}, "question": doc["question"],
           "answer_options": doc["answer_options"], "answer": 0, "relation": "left", "data_source": "mp3d"}
    sample = RequestPlanner(load_task("embspatial_bench")).plan(0, row)
    [message] = sample.request.messages
    image, text = message.content
    assert image.kind == "image" and text.text == doc["text"]
