"""OpenAudioBench's spoken QA (Llama Questions, Web Questions, TriviaQA; tasks/audio/openaudiobench*.yaml) end to end on a
fixture mirror of baichuan-inc/OpenAudioBench (make_fixtures.write_openaudiobench: each subset's CSV beside its folder of
MP3s): the CSV's rows with their clips, a clip the folder lacks that sample's error, the official judge prompt filled with
the row's transcript and answer cell, the share judged correct and a reply with no verdict a counted scoring error; then a
tiny random Qwen2-Audio hearing the clips. The prompts and verdict readings against the official code's own outputs are
tests/conformance/test_openaudiobench.py."""

from __future__ import annotations

import importlib.util

import pytest
from judged_runs import scripted_judge_run, tiny_vlm_judged_results
from make_fixtures import OPENAUDIOBENCH, OPENAUDIOBENCH_ROWS, write_openaudiobench

from evals.spec.catalog import load_task

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASKS = {"openaudiobench_llama_questions": "llama_questions", "openaudiobench_web_questions": "web_questions",
         "openaudiobench_trivia_qa": "trivia_qa"}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_openaudiobench(tmp_path_factory.mktemp("openaudiobench"), missing_audio=True)


def test_each_subset_reads_its_csv_and_audio_folder():
    for task, subset in TASKS.items():
        spec = load_task(task)
        assert (spec.dataset.path, spec.dataset.loader, spec.dataset.split) == (OPENAUDIOBENCH, "csv_audio_folder", "test")
        assert spec.dataset.data_files == {"rows": f"eval_datas/{subset}/{subset}.csv", "audio": f"eval_datas/{subset}/audios"}
        (q_col, a_col), _ = OPENAUDIOBENCH_ROWS[subset]
        assert (spec.fields.audio, spec.fields.references, spec.fields.metadata) == ("audio_filename", a_col, {"question": q_col})
        assert spec.prompt.user == "<audio>" and spec.judge.verdict.kind == "labels" and not spec.judge.system


def test_llama_questions_is_the_share_judged_correct_and_a_missing_clip_or_verdict_is_an_error(mirror, tmp_path):
    questions = [q for q, _ in OPENAUDIOBENCH_ROWS["llama_questions"][1]]
    replies = ["It is the capital, the score is [Correct]", "The answer is wrong, the score is [Incorrect]", "I cannot tell."]
    res, records, judge = scripted_judge_run(mirror, tmp_path, "openaudiobench_llama_questions", "Paris.\nI think.",
                                             dict(zip(questions, replies)), "--max-error-rate", "0.6")
    assert res["n_samples"] == 4 and res["n_errors"] == 1 and res["n_score_errors"] == 1
    assert any("llama_questions_3.mp3 not in eval_datas/llama_questions/audios" in (r.get("error") or "") for r in records)
    assert res["metrics"]["score"]["value"] == pytest.approx(0.5)
    [first] = [p for p in judge.prompts if questions[0] in p]
    assert first.startswith("\n## Background\n") and first.endswith(
        "## Question:\nWhat is the capital of France?\n## Standard Answer:\nParis\n## Model's Answer:\nParis.\\nI think.\n")


@pytest.mark.parametrize("task", ["openaudiobench_web_questions", "openaudiobench_trivia_qa"])
def test_web_and_trivia_read_the_judgment_field(mirror, tmp_path, task):
    (_, _), rows = OPENAUDIOBENCH_ROWS[TASKS[task]]
    questions = [q for q, _ in rows]
    replies = ['{"analysis": "It names one of the references.", "judgment": "correct"}',
               "{'analysis': 'It is not one of them.', 'judgment': 'incorrect'}", '{"analysis": "Unsure."}']
    res, records, judge = scripted_judge_run(mirror, tmp_path, task, "Paris", dict(zip(questions, replies)), "--max-error-rate", "0.5")
    assert res["n_samples"] == 3 and res["n_score_errors"] == 1
    assert res["metrics"]["score"]["value"] == pytest.approx(0.5)
    [first] = [p for p in judge.prompts if questions[0] in p]
    assert first.startswith("\nYour will be given a question") and first.endswith(
        f"# Question\n{rows[0][0]}\n# Reference Answer\n{rows[0][1]}\n# Answer To Be Judged\nParis\n")



def test_the_loader_needs_both_paths_and_keeps_cells_as_the_csv_writes_them(mirror):
    from evals.data.loaders import csv_audio_folder_files, load_csv_audio_folder
    from evals.errors import DataError

    spec = load_task("openaudiobench_llama_questions")
    assert csv_audio_folder_files(spec) == ["eval_datas/llama_questions/llama_questions.csv", "eval_datas/llama_questions/audios/*"]
    bare = spec.model_copy(update={"dataset": spec.dataset.model_copy(update={"data_files": {"rows": "x.csv"}})})
    with pytest.raises(DataError, match="data_files"):
        load_csv_audio_folder(bare, mirror)
    rows = [row for _, row in load_csv_audio_folder(spec, mirror).rows]
    assert [row["Answer"] for row in rows] == ["Paris", "8", "Leonardo da Vinci", "London"]  # text, as the CSV holds it
    assert rows[0]["audio_filename"]["path"] == "llama_questions_0.mp3" and rows[0]["audio_filename"]["bytes"][:3] in (b"ID3", b"\xff\xfb")

@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_qwen2_audio_hears_the_clips(mirror, tmp_path, tiny_model):
    r, bodies = tiny_vlm_judged_results(tiny_model, "openaudiobench_trivia_qa", mirror, tmp_path / "qa",
                                        '{"judgment": "correct"}', family="qwen2_audio", limit=2)
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 2 and len(bodies) == 2 and r.metrics["score"].value == 1.0
