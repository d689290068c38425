"""MathVerse testmini (tasks/mcq/mathverse_testmini.yaml): the overall task and the vision-only and vision-dominant
views on a fixture mirror in AI4Math/MathVerse's schema (one testmini.parquet at the repo's root), the rule-based
reading, the optional extraction judge with the official prompt, and a tiny VLM run."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import ScriptedJudge, run_cli, run_tasks, tiny_vlm_results
from make_fixtures import MATHVERSE_VERSIONS, mathverse_rows, write_mathverse

from evals.data.media import image_part
from evals.results import iter_samples
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mathverse import score_mathverse
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = ["mathverse_testmini", "mathverse_testmini_vision_only", "mathverse_testmini_vision_dominant"]
MC = {"question_type": "multi-choice"}
FREE = {"question_type": "free-form"}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mathverse(tmp_path_factory.mktemp("mathverse"))


def _records(run, name):
    return {r.id: json.loads(r.model_dump_json()) for r in iter_samples(run, name)}


def test_the_overall_task_and_the_vision_views(mirror, tmp_path):
    specs = [load_task(n) for n in TASKS]
    assert {(s.dataset.path, s.dataset.name, s.dataset.split) for s in specs} == {("AI4Math/MathVerse", "testmini", "testmini")}
    assert [s.dataset.loader for s in specs] == [None, "mathverse_vision_only", "mathverse_vision_dominant"]
    # "B" is problem 1's answer (multiple choice) in all five versions; problem 2 wants 14.
    results = run_tasks(specs, mirror, tmp_path / "run", "B")
    overall, only, dominant = (results.tasks[n] for n in TASKS)
    assert (overall.n_samples, only.n_samples, dominant.n_samples) == (10, 2, 2)
    for r in (overall, only, dominant):
        assert r.n_errors == 0 and r.n_scored == r.n_samples and r.metrics["unparsed_rate"].value == 0.0
        assert r.metrics["accuracy"].value == pytest.approx(0.5)
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in overall.subgroups}
    assert groups["problem_version"] == dict.fromkeys(MATHVERSE_VERSIONS, 0.5)
    assert groups["metadata.subject"] == {"Plane Geometry": 1.0, "Solid Geometry": 0.0}
    assert set(_records(tmp_path / "run", "mathverse_testmini_vision_only")) == {"5", "10"}
    assert set(_records(tmp_path / "run", "mathverse_testmini_vision_dominant")) == {"4", "9"}
    assert {(r["extracted"], r["extraction_rule"]) for r in _records(tmp_path / "run", "mathverse_testmini").values()} == {("B", "letter"), ("B", "direct")}
    assert "problem_version Vision Only" in only.dataset.origin


def test_the_request_is_the_image_then_query_wo(mirror, tmp_path):
    run_tasks([load_task("mathverse_testmini_vision_only")], mirror, tmp_path / "run", "14")
    row = next(r for r in mathverse_rows() if r["sample_index"] == "10")
    [turn] = _records(tmp_path / "run", "mathverse_testmini_vision_only")["10"]["prompt"]
    assert turn["content"] == [{"type": "image", "sha": image_part(row["image"]).sha}, {"type": "text", "text": row["query_wo"]}]


@pytest.mark.parametrize("prediction, meta, answer, right, rule, extracted", [
    ("B", MC, "B", True, "letter", "B"),
    ("(B) 50°", MC, "B", True, "letter", "B"),
    ("B is right", MC, "B", False, "direct", "B is right"),  # not a letter form: one short line is its own extraction (not "B")
    ("50°", MC, "B", False, "direct", "50°"),
    ("The angles are equal.\nThe answer is C.", MC, "B", False, "answer_phrase", "C"),
    ("Angle 2 corresponds to angle 1.\nSo angle 2 = 50°, option B: 50°", MC, "B", False, "unparsed", None),
    ("Pythagoras: L = sqrt(205), rounded down \\boxed{14}", FREE, "14", True, "boxed", "14"),
    ("L is about 14.32 cm, so rounding down, Answer: 14.0", FREE, "14", True, "answer_phrase", "14.0"),
    ("fourteen", FREE, "14", False, "direct", "fourteen"),
    ("", FREE, "14", False, "empty", None),
])
def test_rules_first_then_the_quick_match(prediction, meta, answer, right, rule, extracted):
    [s] = score_mathverse([ScoreInput(id="p", prediction=prediction, references=[answer], metadata=meta)], NoOptions())
    assert (s.rule, bool(s.stats["score"]), s.extracted) == (rule, right, extracted)
    assert s.stats["unparsed"] == (1.0 if rule in ("unparsed", "empty") else 0.0)


def test_the_extraction_judge_reads_what_the_rules_cannot_with_the_official_prompt(mirror, tmp_path):
    answer = "Angle 2 corresponds to angle 1.\nIt follows from the figure, as shown above in detail."

    def run(out: str, verdict: str) -> tuple[dict, list[dict]]:
        with ScriptedJudge({}, default=verdict) as judge:
            result = run_cli(mirror, tmp_path / out, tmp_path / f"{out}.sqlite", "mathverse_testmini", answer,
                             "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
            assert judge.prompts and all(p == judge.prompts[0] for p in judge.prompts)
            assert judge.prompts[0].startswith("I am providing you a response from a model to a math problem")
            assert judge.prompts[0].endswith("\n\n7.\n\nModel response: 'Angle 2 corresponds to angle 1.\\nIt follows from the figure, "
                                             "as shown above in detail.'\nExtracted Answer: ")
        return result

    judged, records = run("judged", "Extracted Answer: B")
    assert judged["metrics"]["accuracy"]["value"] == pytest.approx(0.5) and judged["extraction_rules"] == {"judge": 10}
    assert {r["extracted"] for r in records} == {"B"}
    nothing, _ = run("null", "null")  # the official extractor's "no answer"
    assert nothing["metrics"]["unparsed_rate"]["value"] == 1.0 and nothing["metrics"]["accuracy"]["value"] == 0.0


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers_the_vision_only_view(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "mathverse_testmini_vision_only", mirror, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2
