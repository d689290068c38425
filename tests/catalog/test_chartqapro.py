"""ChartQAPro (tasks/vqa/chartqapro.yaml): end to end on a fixture mirror in ahmed-masry/ChartQAPro's schema, the request
as VLMEvalKit's ChartQAPro.build_prompt sends it (the image, the paragraph, the paper's Direct prompt for the type),
scored by the official evaluate_predictions.py's rule by question type, and a tiny VLM run.

The expected prompts are the official ``prompt_context(question, answer, q_type, "Direct")`` (open-compass/VLMEvalKit
vlmeval/dataset/utils/chartqapro.py, commit e8e78f0) for these rows, run in a throwaway script outside the repository:
tests/conformance/data/chartqapro_official.json keeps them.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import chartqapro_parts, write_chartqapro

from evals.data.media import image_part
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "chartqapro_official.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_chartqapro(tmp_path_factory.mktemp("chartqapro"))


def test_the_official_score_by_question_type(mirror, tmp_path):
    spec = load_task("chartqapro")
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.split) == ("ahmed-masry/ChartQAPro", None, "test")
    # "12" against: 12.5 (4%: 1), b (ANLS 0), the last turn 12 (its flag NO: 1), True (0), [12, 15] (the first item of
    # two: 0.5), 2012 with Year YES (exact: 0).
    results = run_tasks([spec], mirror, tmp_path / "run", "12")
    r = results.tasks["chartqapro"]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6 and r.dataset.origin.startswith("mirror:")
    assert r.metrics["relaxed_accuracy"].value == pytest.approx(2.5 / 6)
    groups = {s.field: {g: v["relaxed_accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"question_type": pytest.approx({"Factoid": 0.5, "Multi Choice": 0.0, "Conversational": 1.0,
                                                      "Fact Checking": 0.0, "Hypothetical": 0.5})}


def test_the_request_is_the_image_then_the_paragraph_and_the_official_prompt(mirror, tmp_path):
    run_tasks([load_task("chartqapro")], mirror, tmp_path / "run", "b")
    rows = chartqapro_parts()[0].rows
    prompts = OFFICIAL["prompts"]
    assert [p["questions"] for p in prompts[:len(rows)]] == [r["Question"] for r in rows]
    seen = 0
    for rec in iter_samples(tmp_path / "run", "chartqapro"):
        row = rows[int(rec.id)]
        [turn] = json.loads(rec.model_dump_json())["prompt"]
        image, text = turn["content"]
        assert image["sha"] == image_part(row["image"]).sha
        # Departure pinned: omnieval's requests drop the newlines at a text part's ends, so the prompt's leading newline
        # goes where no paragraph precedes it; everything else is the official text.
        assert text == {"type": "text", "text": ((row["Paragraph"] or "") + prompts[int(rec.id)]["official"]).strip("\n")}
        seen += 1
    assert seen == 6


def test_rows_the_official_code_cannot_prompt_are_errors():
    spec = load_task("chartqapro")
    row = chartqapro_parts()[0].rows[0]
    assert "not one of" in RequestPlanner(spec).plan(0, {**row, "Question Type": "Open"}).error
    assert "Answer is empty" in RequestPlanner(spec).plan(0, {**row, "Answer": []}).error


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "chartqapro", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6
    assert 0.0 <= r.metrics["relaxed_accuracy"].value <= 1.0
