"""LogicVista (tasks/mcq/logicvista.yaml) from VLMEvalKit's LogicVista.tsv: read, asked and scored as VLMEvalKit does, the
optional extraction judge with VLMEvalKit's prompt, and a tiny VLM run.

The reference is open-compass/VLMEvalKit at commit e8e78f05f3080fe28154f2130321f17951c3be94: the prompt of
``ImageBaseDataset.build_prompt`` (the image, then the question), the judge prompt of
vlmeval/dataset/utils/logicvista.py ``build_prompt_logicvista`` and its letter-set comparison.
"""

from __future__ import annotations

import base64
import importlib.util
import json

import pytest
from helpers import ScriptedJudge, run_cli, run_tasks
from make_fixtures import LOGICVISTA_QUESTIONS, write_logicvista

from evals.data.media import image_part
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASK = "logicvista"


@pytest.fixture(scope="module")
def lmu(tmp_path_factory):
    return write_logicvista(tmp_path_factory.mktemp("lmu"))


def test_the_tsv_is_asked_image_first_and_letters_compared_as_sets(lmu, tmp_path):
    spec = load_task(TASK)
    assert (spec.dataset.path, spec.dataset.name, spec.dataset.loader) == ("LMUData", "LogicVista", "vlmevalkit_tsv")
    results = run_tasks([spec], lmu, tmp_path / "run", "D and B")
    r = results.tasks[TASK]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 5
    assert r.metrics["accuracy"].value == pytest.approx(1 / 5) and r.metrics["unparsed_rate"].value == 0.0
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"skill": {"inductive": 0.0, "spatial": 1.0, "deductive": 0.0, "numerical": 0.0}}
    records = {x.id: json.loads(x.model_dump_json()) for x in iter_samples(tmp_path / "run", TASK)}
    for index, question, _, _ in LOGICVISTA_QUESTIONS:
        [turn] = records[str(index)]["prompt"]
        sha = image_part({"bytes": base64.b64decode(_row_image(index)), "path": None}).sha
        assert turn["content"] == [{"type": "image", "sha": sha}, {"type": "text", "text": question}]
        assert (records[str(index)]["extracted"], records[str(index)]["extraction_rule"]) == ("DB", "letters")


def _row_image(index: int) -> str:
    from make_fixtures import logicvista_rows

    return next(r["image"] for r in logicvista_rows() if r["index"] == index)


def test_the_extraction_judge_reads_what_the_rules_cannot_with_vlmevalkits_prompt(lmu, tmp_path):
    answer = "Looking at the pattern,\nthe third figure | fits."

    def run(out: str, verdict: str) -> tuple[dict, list[dict]]:
        with ScriptedJudge({}, default=verdict) as judge:
            result = run_cli(lmu, tmp_path / out, tmp_path / f"{out}.sqlite", TASK, answer, "--judge", "openai:judge-7b", "-J",
                             f"base_url={judge.url}")
            assert len(judge.prompts) == 5
            assert judge.prompts[0].startswith("You are a information extractor that extracts multiple choice letter answer choices")
            assert any(p.endswith("Example 5: \nQuestion: <start>\nWhich choice (A, B, C, or D) completes the series?\n<end>\n"
                                  "Answer: <start>\nLooking at the pattern,\\nthe third figure \\| fits.\n<end>\nYour output: ")
                       for p in judge.prompts)
        return result

    judged, records = run("judged", "C")
    assert judged["metrics"]["accuracy"]["value"] == pytest.approx(2 / 5) and judged["extraction_rules"] == {"judge": 5}
    assert {r["extracted"] for r in records} == {"C"}
    nothing, _ = run("none", "Z")  # VLMEvalKit's "no letter chosen"
    assert nothing["metrics"]["unparsed_rate"]["value"] == 1.0 and nothing["metrics"]["accuracy"]["value"] == 0.0
    lower, _ = run("lower", "c")  # not upper-case letters: VLMEvalKit does not accept it
    assert lower["metrics"]["unparsed_rate"]["value"] == 1.0


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_vlm_answers_logicvista(lmu, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    spec = load_task(TASK)  # a few tokens show the requests run (the task asks for 2048)
    spec = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": 4})})
    try:
        results = run_tasks([spec], lmu, tmp_path / "run", "", adapter=adapter)
    finally:
        adapter.close()
    r = results.tasks[TASK]
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 5
    assert 0.0 <= r.metrics["accuracy"].value <= 1.0
