"""Judged tasks end to end: MM-Vet graded by a scripted OpenAI-compatible judge on loopback.

The model under test is ``baseline:constant`` answering like a reasoning model
(``<think>...</think> x = -1``); the judge server answers a fixed verdict per
question, so every score is known by hand.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.cli.main import app
from helpers import ScriptedJudge, run_cli

ANSWER = "<think>The equation has two roots; the user wants x.\nLet me check -1 first.</think> x = -1"


def _run(mirror: Path, out: Path, cache: Path, *judge: str) -> tuple[int, str, dict, list[dict]]:
    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", f"text={ANSWER}", "-t", "mmvet", "--data-dir", str(mirror),
                                      "-o", str(out), "--cache", str(cache), "--no-progress", *judge])  # fmt: skip
    runs = sorted(p for p in out.iterdir() if p.is_dir()) if out.is_dir() else []
    if not runs:
        return result.exit_code, result.output, {}, []
    run = runs[-1]
    results = json.loads((run / "results.json").read_text())["tasks"].get("mmvet", {})
    records = [json.loads(line) for line in (run / "samples" / "mmvet.jsonl").read_text().splitlines()]
    return result.exit_code, result.output, results, records


VERDICTS = {"What is x in the equation?": "0.5", "What is written on the sign?": "0.0",
            "Can you explain this meme?": "0.4 (partly right)", "How many apples are there?": "1.0"}


def test_every_sample_scored_from_the_judges_verdicts_and_a_rerun_asks_the_judge_nothing(fixture_mirror, tmp_path):
    with ScriptedJudge(VERDICTS) as judge:
        args = ("--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
        code, output, res, records = _run(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", *args)
        assert code == 0, output
        assert res["metrics"]["score"]["value"] == pytest.approx((0.5 + 0.0 + 0.4 + 1.0) / 4)
        assert res["n_score_errors"] == 0 and res["judge"]["judge"] == "openai:judge-7b" and res["judge"]["prompt_hash"]
        assert res["extraction_rules"] == {"judge": 4}
        # The official query row: answer with spaced <AND>, the prediction without its reasoning.
        row = next(p for p in judge.prompts if "What is x" in p.rsplit("\n", 1)[-1]).rsplit("\n", 1)[-1]
        assert row == "What is x in the equation? | -1 <AND> -5 | x = -1 | "
        assert all(p.startswith("Compare the ground truth and prediction from AI models") for p in judge.prompts)
        first = next(r for r in records if r["id"] == "v1_0")
        assert first["prediction"] == "x = -1" and first["raw_prediction"] == ANSWER
        assert first["judge"]["raw"] == "0.5" and first["judge"]["score"] == 0.5 and first["scores"]["judge_score"]["score"] == 0.5
        asked = len(judge.prompts)
        assert asked == 4

        code, output, again, _ = _run(fixture_mirror, tmp_path / "again", tmp_path / "c.sqlite", *args)
        assert code == 0, output
        assert len(judge.prompts) == asked  # every verdict came from the cache
        assert again["metrics"] == res["metrics"] and again["task_hash"] == res["task_hash"]


def test_judge_failures_are_counted_scoring_errors_never_zeros(fixture_mirror, tmp_path):
    verdicts = {**VERDICTS, "What is written on the sign?": "status:400", "Can you explain this meme?": "I would say it is fine"}
    with ScriptedJudge(verdicts) as judge:
        code, output, res, records = _run(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite",
                                          "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
    assert code == 1  # two samples could not be scored: above the default --max-error-rate of 0
    assert res["n_score_errors"] == 2 and res["metrics"]["score"]["value"] == pytest.approx((0.5 + 1.0) / 2)
    errors = {r["id"]: r.get("score_error") for r in records}
    assert errors["v1_1"].startswith("judge_score: judge call failed: HTTP 400")
    assert errors["v1_2"] == "judge_score: judge gave an unparseable verdict 'I would say it is fine' (expected a number from 0 to 1)"
    assert "judge gave an unparseable verdict" in output and errors["v1_0"] is None


def test_a_judge_prompt_longer_than_the_judges_context_is_a_named_scoring_error(fixture_mirror, tmp_path):
    """MM-Vet's grader prompt is about 2,350 tokens: a judge with a 2,048-token context refuses it (HTTP 400). That
    sample is a counted scoring error that says so; the other samples score as before."""
    verdicts = {**VERDICTS, "What is written on the sign?": "too_long"}
    with ScriptedJudge(verdicts) as judge:
        code, output, res, records = _run(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite",
                                          "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
    assert code == 1 and res["n_score_errors"] == 1
    assert res["metrics"]["score"]["value"] == pytest.approx((0.5 + 0.4 + 1.0) / 3)
    error = {r["id"]: r.get("score_error") for r in records}["v1_1"]
    assert error.startswith("judge_score: judge call failed: prompt too long for the model's context: HTTP 400"), error
    assert "maximum context length is 2048" in error


def test_a_judge_that_is_down_scores_nothing_and_says_why(fixture_mirror, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, output, res, records = _run(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite",
                                      "--judge", "openai:judge-7b", "-J", f"base_url=http://127.0.0.1:{port}/v1", "-J", "max_retries=0")
    assert code == 1 and "scored nothing" in output
    assert res["n_score_errors"] == 4 and res["metrics"].get("score", {}).get("value") is None  # no mean of nothing, and no zeros
    assert all(r["score_error"].startswith("judge_score: judge call failed") and "connection refused" in r["score_error"] and not r.get("scores")
               for r in records)  # fmt: skip


def test_a_judged_task_without_a_judge_stops_before_running(fixture_mirror, tmp_path):
    code, output, _, _ = _run(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite")
    assert code == 2 and "task mmvet is scored by a judge: pass --judge KIND:MODEL" in output
    assert not (tmp_path / "runs").exists()


THINKING = "<think>Option A looks right... no. The answer is (A)? Let me check again.</think> The answer is (B)"


@pytest.mark.parametrize("tags, prediction", [((), "The answer is (B)"), (("--reasoning-tags", "none"), THINKING)])
def test_a_reasoning_models_answer_is_scored_without_its_reasoning_and_kept_whole(fixture_mirror, tmp_path, tags, prediction):
    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", f"text={THINKING}", "-t", "ai2d", "--data-dir", str(fixture_mirror),
                                      "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"), "--no-progress", *tags])  # fmt: skip
    assert result.exit_code == 0, result.output
    [run] = (tmp_path / "runs").iterdir()
    records = [json.loads(line) for line in (run / "samples" / "ai2d.jsonl").read_text().splitlines()]
    assert {r["prediction"] for r in records} == {prediction}
    if not tags:
        assert {r["raw_prediction"] for r in records} == {THINKING} and {r["extracted"] for r in records} == {"B"}
        result = json.loads((run / "results.json").read_text())["tasks"]["ai2d"]
        assert any("reasoning (<think>) removed" in n for n in result["notes"])
        assert result["extraction_rules"] == {"phrase": len(records)}  # the share each extraction step decided
    else:
        assert all("raw_prediction" not in r for r in records)


def test_rescoring_a_judged_run_reuses_its_verdicts_and_a_changed_judge_prompt_calls_only_the_judge(fixture_mirror, tmp_path):
    from evals.spec.catalog import load_task

    with ScriptedJudge(VERDICTS) as judge:
        args = ("--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
        code, output, res, _ = _run(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", *args)
        assert code == 0, output
        [run] = (tmp_path / "runs").iterdir()
        asked = len(judge.prompts)

        same = CliRunner().invoke(app, ["rescore", str(run), "-o", str(tmp_path / "same")])  # stored verdicts, no judge needed
        assert same.exit_code == 0, same.output
        assert json.loads((tmp_path / "same" / "results.json").read_text())["tasks"]["mmvet"]["task_hash"] == res["task_hash"]
        assert len(judge.prompts) == asked

        edited = tmp_path / "mmvet.yaml"
        edited.write_text(Path(load_task("mmvet").source_file).read_text().replace(
            "    Compare the ground truth and prediction", "    Be strict. Compare the ground truth and prediction", 1))
        refused = CliRunner().invoke(app, ["rescore", str(run), "--task", str(edited), "-o", str(tmp_path / "refused")])
        assert refused.exit_code != 0 and "judge block differs" in str(refused.exception or refused.output)

        again = CliRunner().invoke(app, ["rescore", str(run), "--task", str(edited), "-o", str(tmp_path / "again"), "--cache",
                                         str(tmp_path / "c.sqlite"), *args])  # fmt: skip
        assert again.exit_code == 0, again.output
    new_prompts = judge.prompts[asked:]
    assert len(new_prompts) == 4 and all(p.startswith("Be strict.") for p in new_prompts)  # only the judge was asked, once per answer
    rescored = json.loads((tmp_path / "again" / "results.json").read_text())["tasks"]["mmvet"]
    assert rescored["judge"]["prompt_hash"] != res["judge"]["prompt_hash"] and rescored["task_hash"] != res["task_hash"]
    assert rescored["metrics"]["score"]["value"] == pytest.approx(res["metrics"]["score"]["value"])


def test_the_leaderboard_refuses_to_rank_cells_graded_by_different_judges_and_says_so(fixture_mirror, tmp_path):
    with ScriptedJudge(VERDICTS) as judge:
        for name, out in (("openai:judge-7b", "a"), ("openai:judge-70b", "b")):
            code, output, _, _ = _run(fixture_mirror, tmp_path / out, tmp_path / "c.sqlite", "--judge", name, "-J", f"base_url={judge.url}")
            assert code == 0, output
    runs = [str(next((tmp_path / out).iterdir())) for out in ("a", "b")]
    result = CliRunner().invoke(app, ["leaderboard", *runs, "--out", str(tmp_path / "board")])
    assert result.exit_code != 0
    text = result.output + str(result.exception or "")
    assert "differs in: judge (model, prompt): openai:judge-70b" in text and "openai:judge-7b [" in text


def test_a_panel_of_judges_gives_each_judges_score_the_combined_score_and_their_agreement(fixture_mirror, tmp_path):
    verdicts = {"What is x in the equation?": {"judge-a": "0.5", "judge-b": "0.5"},
                "What is written on the sign?": {"judge-a": "0.0", "judge-b": "0.2"},
                "Can you explain this meme?": {"judge-a": "0.4", "judge-b": "0.4"},
                "How many apples are there?": {"judge-a": "1.0", "judge-b": "1.0"}}
    with ScriptedJudge(verdicts) as judge:
        code, output, res, records = _run(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", "--judge", "openai:judge-a",
                                          "--judge", "openai:judge-b", "-J", f"base_url={judge.url}")
    assert code == 0, output
    assert res["metrics"]["score"]["value"] == pytest.approx((0.5 + 0.1 + 0.4 + 1.0) / 4)  # the mean of the two judges, per sample
    panel = res["judge_panel"]
    assert [(j["judge"], j["score"], j["n"]) for j in panel["judges"]] == [("openai:judge-a", pytest.approx(0.475), 4),
                                                                          ("openai:judge-b", pytest.approx(0.525), 4)]
    # Krippendorff's alpha (interval) by hand: D_o = 0.08 / 8 = 0.01; D_e = 2 * (8 * 2.86 - 4.0**2) / 56 = 0.245714...
    assert panel["agreement"] == pytest.approx(1 - 0.01 / (13.76 / 56)) and panel["agreement_metric"] == "interval"
    assert res["judge"]["judge"] == "openai:judge-a + openai:judge-b"
    sign = next(r for r in records if r["id"] == "v1_1")
    assert [v["score"] for v in sign["judges"]] == [0.0, 0.2] and sign["judge"]["score"] == pytest.approx(0.1)


def test_a_sample_one_judge_of_a_panel_could_not_score_is_a_scoring_error_naming_that_judge(fixture_mirror, tmp_path):
    verdicts = {**VERDICTS, "What is written on the sign?": {"judge-a": "0.0", "judge-b": "no idea"}}
    with ScriptedJudge(verdicts) as judge:
        code, _, res, records = _run(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", "--judge", "openai:judge-a",
                                     "--judge", "openai:judge-b", "-J", f"base_url={judge.url}")
    assert code == 1 and res["n_score_errors"] == 1
    sign = next(r for r in records if r["id"] == "v1_1")
    assert sign["score_error"].startswith("judge_score: openai:judge-b: judge gave an unparseable verdict 'no idea'")
    assert [j["n_errors"] for j in res["judge_panel"]["judges"]] == [0, 1] and res["judge_panel"]["n_agreement"] == 3


EXTRACTION_TASK = """
name: ai2d_extracted
modality: image
kind: mcq
dataset: {path: lmms-lab-encoder/ai2d, split: test}
fields: {image: image, question: question, choices: options, references: answer_letter}
preprocess: answer_index_to_letter
prompt:
  user: |-
    <image>
    {{ question }}
    {{ options }}
scorers: [choice_accuracy]
judge:
  when: unparsed
  verdict: {kind: choice, none: [Z]}
  prompt: |-
    Which option does the answer choose? Reply with its letter, or Z if none fits.
    {{ question }}
    Answer: {{ prediction }}
"""


@pytest.mark.parametrize("answer, asked, accuracy, rules", [
    ("hmm, hard to say", 2, 0.5, {"judge": 1, "unparsed": 1}),  # the rules read nothing: the judge reads both
    ("B", 0, 0.0, {"bare": 2}),  # the rules decide: the judge is never asked
])
def test_the_judge_reads_only_the_answers_the_rules_cannot(fixture_mirror, tmp_path, answer, asked, accuracy, rules):
    task = tmp_path / "ai2d_extracted.yaml"
    task.write_text(EXTRACTION_TASK)
    with ScriptedJudge({"Which stage comes first?": "A", "Which is a predator?": "Z"}) as judge:
        result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", f"text={answer}", "--task-file", str(task),
                                          "--data-dir", str(fixture_mirror), "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"),
                                          "--no-progress", "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}"])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert len(judge.prompts) == asked
    [run] = (tmp_path / "runs").iterdir()
    res = json.loads((run / "results.json").read_text())["tasks"]["ai2d_extracted"]
    assert res["metrics"]["accuracy"]["value"] == pytest.approx(accuracy) and res["extraction_rules"] == rules
    if asked:
        records = {r["id"]: r for r in map(json.loads, (run / "samples" / "ai2d_extracted.jsonl").read_text().splitlines())}
        assert records["0"]["extracted"] == "A" and records["0"]["judge"]["answer"] == "A"
        assert records["1"]["extraction_rule"] == "unparsed" and records["1"]["judge"]["raw"] == "Z"


def test_visulogic_cot_asks_its_optional_extraction_judge_only_when_the_official_rules_read_nothing(fixture_mirror, tmp_path):
    """The official order: the last \\boxed{} letter, then the answer phrases, then the judge (its official prompt)."""
    def run(answer: str, out: str, *judge: str) -> dict:
        return run_cli(fixture_mirror, tmp_path / out, tmp_path / "c.sqlite", "visulogic_cot", answer, *judge)[0]

    with ScriptedJudge({"Solution: It could be the second one": "B", "Solution: Answer: \\boxed{B}": "A"}) as judge:
        args = ("--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
        judged = run("It could be the second one", "judged", *args)
        assert len(judge.prompts) == 3 and judge.prompts[0].startswith("Extract the option in the solution.")
        boxed = run("Answer: \\boxed{B}", "boxed", *args)
        assert len(judge.prompts) == 3  # the rules read \\boxed{B}: the judge is not asked
    alone = run("It could be the second one", "alone")  # the judge is optional: without it, the answers stay unparsed
    assert judged["metrics"]["accuracy"]["value"] == pytest.approx(1 / 3) and judged["extraction_rules"] == {"judge": 3}
    assert boxed["extraction_rules"] == {"box": 3} and boxed["metrics"]["accuracy"]["value"] == pytest.approx(1 / 3)
    assert alone["metrics"]["unparsed_rate"]["value"] == 1.0 and alone["judge"] is None and judged["judge"]["judge"] == "openai:judge-7b"
    assert alone["task_hash"] != judged["task_hash"]


def test_a_served_reasoning_models_reasoning_and_its_token_count_are_recorded_and_the_budget_is_the_runs(fixture_mirror, tmp_path):
    answers = {"Which stage comes first?": "The answer is (A)", "Which is a predator?": "The answer is (B)"}

    def run(out: str, *extra: str) -> tuple[dict, list[dict]]:
        result = CliRunner().invoke(app, ["run", "-m", "openai:thinker", "-a", f"base_url={server.url}", "-t", "ai2d", "--data-dir",
                                          str(fixture_mirror), "-o", str(tmp_path / out), "--cache", str(tmp_path / "c.sqlite"),
                                          "--no-progress", *extra])  # fmt: skip
        assert result.exit_code == 0, result.output
        run_dir = next((tmp_path / out).iterdir())
        return (json.loads((run_dir / "results.json").read_text())["tasks"]["ai2d"],
                [json.loads(line) for line in (run_dir / "samples" / "ai2d.jsonl").read_text().splitlines()])

    with ScriptedJudge(answers, reasoning="First, eggs hatch into larvae...") as server:
        budget, records = run("budget", "--max-new-tokens", "512")
        assert {b["max_tokens"] for b in server.bodies} == {512}
        default, _ = run("default")
        assert {b["max_tokens"] for b in server.bodies[2:]} == {8}  # the task's own budget
    assert all(r["reasoning"] == "First, eggs hatch into larvae..." and r["reasoning_tokens"] == 42 and r["output_tokens"] == 44 for r in records)
    assert [r["extracted"] for r in records] == ["A", "B"] and budget["metrics"]["accuracy"]["value"] == 0.5
    assert budget["task_hash"] != default["task_hash"]  # another budget, another result: they never rank together


def test_the_opencompass_core_suite_gives_every_headline_number_in_one_command(fixture_mirror, tmp_path):
    """One command, one judge: MM-Vet graded, HallusionBench graded, MathVista's unread answers extracted; the rest by rules."""
    with ScriptedJudge(VERDICTS, default="correct") as judge:
        result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", "text=B", "-s", "opencompass_core", "--data-dir",
                                          str(fixture_mirror), "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"),
                                          "--no-progress", "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}"])  # fmt: skip
        assert result.exit_code == 0, result.output
    [run] = (tmp_path / "runs").iterdir()
    tasks = json.loads((run / "results.json").read_text())["tasks"]
    assert sorted(tasks) == sorted(["mmbench_en_dev", "mmstar", "mmmu_val", "mathvista_testmini", "ocrbench", "ai2d", "hallusionbench_image", "mmvet"])
    assert all(t["n_errors"] == 0 and t["n_score_errors"] == 0 for t in tasks.values())
    assert tasks["mmvet"]["metrics"]["score"]["value"] == pytest.approx((0.5 + 0.0 + 0.4 + 1.0) / 4)
    # The judge read each answer of HallusionBench ("correct" for all) and MathVista's four free-form ones ("correct" is no number).
    assert tasks["hallusionbench_image"]["metrics"]["overall"]["value"] == 1.0
    assert tasks["mathvista_testmini"]["extraction_rules"] == {"judge": 4, "letter": 1}
    assert tasks["mathvista_testmini"]["metrics"]["accuracy"]["value"] == pytest.approx(1 / 5)
    assert tasks["mmbench_en_dev"]["judge"]["judge"] == "openai:judge-7b" and tasks["mmbench_en_dev"]["extraction_rules"] == {"option_letter": 6}
    assert tasks["mmstar"]["judge"] is None  # a task without a judge block never asks one


def test_a_reasoning_budget_a_model_cannot_hold_stops_before_running(fixture_mirror, tmp_path):
    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-t", "ai2d", "--data-dir", str(fixture_mirror), "-o", str(tmp_path / "runs"),
                                      "--cache", str(tmp_path / "c.sqlite"), "--no-progress", "--max-reasoning-tokens", "512"])  # fmt: skip
    assert result.exit_code != 0  # the entry point prints it as one "error:" line
    assert "baseline:constant cannot hold a reasoning budget apart from the answer's (max_reasoning_tokens)" in str(result.exception)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def _asked(question: str, first: str) -> str:
    """What identifies one AIR-Bench Chat judge prompt: the question and the answer shown as Assistant 1 (the scripted
    judge answers the first key found in the prompt)."""
    return f"{question}\n[The Start of Assistant 1s Answer]\n{first}\n"


AIR_ANSWER = "A dog is barking."
AIR_CHAT_VERDICTS = {
    _asked("What animal is heard?", "A dog barks twice."): "8 6",  # reference first: reference 8, answer 6
    _asked("What animal is heard?", AIR_ANSWER): "9 8",  # answer first: answer 9, reference 8
    _asked("Where could this be recorded?", "In a park."): "7 9\n",  # reference 7, answer 9
    _asked("Where could this be recorded?", AIR_ANSWER): "8 7",  # answer 8, reference 7
}


def test_air_bench_chat_is_graded_pairwise_in_both_orders_with_the_official_prompt(fixture_mirror, tmp_path):
    """The judge scores the reference and the answer twice, the reference shown first (Assistant 1) and then the answer
    (AIR-Bench's README: swap them and average), each order its own cached request; the sample's scores are the two
    orders' means, as cal_score.py's llm_avg_score, gpt4_avg_score and Win_Rate of the two orders, averaged."""
    answer = f"<think>Barking, I think.</think>{AIR_ANSWER}"
    with ScriptedJudge(AIR_CHAT_VERDICTS) as judge:
        args = ("--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
        result, records = run_cli(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", "air_bench_chat_sound", answer, *args)
        assert len(judge.prompts) == 4  # two samples, two orders
        again, again_records = run_cli(fixture_mirror, tmp_path / "again", tmp_path / "c.sqlite", "air_bench_chat_sound", answer, *args)
        assert len(judge.prompts) == 4 and all(r["judge"]["cached"] for r in again_records)  # both orders came from the cache
    assert again["metrics"] == result["metrics"]
    # 5000: answer (6 + 9) / 2, reference (8 + 8) / 2, won one order of two; 5001: (9 + 8) / 2, (7 + 7) / 2, won both.
    assert result["metrics"]["score"]["value"] == pytest.approx((7.5 + 8.5) / 2)
    assert result["metrics"]["reference_score"]["value"] == pytest.approx((8 + 7) / 2)
    assert result["metrics"]["win_rate"]["value"] == pytest.approx((0.5 + 1) / 2)
    assert "score_pooled" not in result["metrics"]  # the sound split is one group of cal_score.py: pooled
    assert result["n_score_errors"] == 0 and result["judge"]["judge"] == "openai:judge-7b"
    assert {g: m["score"]["value"] for g, m in result["subgroups"][0]["groups"].items()} == {"sound_QA": 7.5, "sound_generation_QA": 8.5}
    head = ("You are a helpful and precise assistant for checking the quality of the answer.\n[Detailed Audio Description]\n"
            "A dog barks twice in a park; birds chirp.\n[Question]\nWhat animal is heard?\n")
    # The two orders are asked concurrently: which reached the judge first varies, so each is told by its layout.
    both = sorted((p for p in judge.prompts if "What animal is heard?" in p), key=lambda p: "Answer]\nA dog is barking.\n[The End of Assistant 1s" in p)
    assert len(both) == 2
    reference_first, answer_first = both
    assert reference_first.startswith(head + "[The Start of Assistant 1s Answer]\nA dog barks twice.\n[The End of Assistant 1s Answer]\n"
                                      "[The Start of Assistant 2s Answer]\nA dog is barking.\n[The End of Assistant 2s Answer]\n[System]\n")
    assert answer_first.startswith(head + "[The Start of Assistant 1s Answer]\nA dog is barking.\n[The End of Assistant 1s Answer]\n"
                                   "[The Start of Assistant 2s Answer]\nA dog barks twice.\n[The End of Assistant 2s Answer]\n[System]\n")
    assert all(p.endswith("The two scores are separated by a space.") for p in judge.prompts)
    first = next(r for r in records if r["id"] == "5000")
    assert first["judge"]["score"] == 7.5 and first["judge"]["answer"] == "8 6; 8 9"  # each order's pair, the reference's first
    assert first["judge"]["raw"] == "[reference first] 8 6\n[answer first] 9 8"
    assert first["scores"]["judge_pair"] == {"score": 7.5, "reference_score": 8.0, "win": 0.5}


@pytest.mark.parametrize("asked, reply, error", [
    (_asked("What animal is heard?", "A dog barks twice."), "8/10 6/10",
     "reference first: judge gave an unparseable verdict '8/10 6/10' (expected two integer scores separated by a space)"),
    (_asked("What animal is heard?", AIR_ANSWER), "8  6",  # split(" ") gives three
     "answer first: judge gave an unparseable verdict '8  6' (expected two integer scores separated by a space)"),
    (_asked("What animal is heard?", AIR_ANSWER), "8\n6",  # newlines are dropped: "86", one value
     "answer first: judge gave an unparseable verdict '8\\n6' (expected two integer scores separated by a space)"),
    (_asked("What animal is heard?", AIR_ANSWER), "8 11", "answer first: judge gave 11, outside 0..10"),
    # A departure, on purpose: cal_score.py keeps a negative score (it checks only > 10).
    (_asked("What animal is heard?", "A dog barks twice."), "-1 6", "reference first: judge gave -1, outside 0..10"),
    (_asked("What animal is heard?", AIR_ANSWER), "status:400", "answer first: judge call failed: HTTP 400"),
])
def test_an_air_bench_chat_reply_that_is_not_two_scores_in_either_order_is_a_scoring_error(fixture_mirror, tmp_path, asked, reply, error):
    """Either order without a readable verdict makes the whole sample a counted scoring error: never the other order's
    scores alone (cal_score.py would keep the sample in the order it could read)."""
    with ScriptedJudge({**AIR_CHAT_VERDICTS, asked: reply}) as judge:
        result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", f"text={AIR_ANSWER}", "-t", "air_bench_chat_sound",
                                          "--data-dir", str(fixture_mirror), "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"),
                                          "--no-progress", "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}", "-J", "max_retries=0"])  # fmt: skip
    assert result.exit_code == 1  # a scoring error is above the default --max-error-rate of 0
    [run] = (tmp_path / "runs").iterdir()
    res = json.loads((run / "results.json").read_text())["tasks"]["air_bench_chat_sound"]
    assert res["n_score_errors"] == 1 and res["metrics"]["score"]["value"] == pytest.approx(8.5)  # 5001 alone: never a zero, never half
    records = {r["id"]: r for r in map(json.loads, (run / "samples" / "air_bench_chat_sound.jsonl").read_text().splitlines())}
    assert records["5000"]["score_error"].startswith(f"judge_pair: {error}") and not records["5000"].get("scores")


def test_judge_orders_are_checked_and_leave_other_judge_blocks_hashing_as_before():
    from pydantic import ValidationError

    from evals.spec.catalog import load_task
    from evals.spec.task import JudgeSpec

    mmvet = load_task("mmvet").judge
    assert mmvet.orders == ["reference_first"] and "orders" not in mmvet.model_dump()  # the default is left out of hashes
    both = load_task("air_bench_chat_sound").judge.model_dump()
    assert both["orders"] == ["reference_first", "answer_first"]
    with pytest.raises(ValidationError, match="must place the two answers with {{ first }} and {{ second }}"):
        JudgeSpec.model_validate({**both, "prompt": "{{ answer }} then {{ prediction }}"})  # both orders would ask the same
    with pytest.raises(ValidationError, match="only a pair verdict is asked in several orders"):
        JudgeSpec.model_validate({**both, "verdict": {"kind": "scale"}})
    with pytest.raises(ValidationError, match="each order once"):
        JudgeSpec.model_validate({**both, "orders": ["answer_first", "answer_first"]})


def test_a_panel_of_air_bench_chat_judges_combines_each_order_and_each_side_apart(fixture_mirror, tmp_path):
    verdicts = {k: {"judge-a": v, "judge-b": v} for k, v in AIR_CHAT_VERDICTS.items()}
    verdicts[_asked("What animal is heard?", AIR_ANSWER)] = {"judge-a": "9 8", "judge-b": "5 6"}  # answer first: a wins, b does not
    with ScriptedJudge(verdicts) as judge:
        result, records = run_cli(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", "air_bench_chat_sound", AIR_ANSWER,
                                  "--judge", "openai:judge-a", "--judge", "openai:judge-b", "-J", f"base_url={judge.url}")
    assert len(judge.prompts) == 8  # two judges, two samples, two orders
    first = next(r for r in records if r["id"] == "5000")
    # reference first: both 8 6; answer first: answer (9 + 5) / 2 = 7, reference (8 + 6) / 2 = 7: a tie, no win.
    assert first["judge"]["answer"] == "8 6; 7 7" and first["scores"]["judge_pair"] == {"score": 6.5, "reference_score": 7.5, "win": 0.0}
    assert [j["score"] for j in first["judges"]] == [7.5, 5.5]  # each judge's own mean of the answer's scores
    assert result["metrics"]["score"]["value"] == pytest.approx((6.5 + 8.5) / 2)


def test_air_bench_chat_mixed_is_the_mean_of_its_speech_and_sound_and_speech_and_music_figures(fixture_mirror, tmp_path):
    """The README: the mixed-audio number is the mean of the speech_and_sound and speech_and_music ones (cal_score.py
    reports them apart); the task declares it (judge_pair, macro_over: task_name), score_pooled keeps the pooled mean."""
    verdicts = {  # the model's answer scores 4 on both speech_and_sound questions and 10 on the speech_and_music one
        _asked("What does the man say over the rain?", "That he is late."): "8 4", _asked("What does the man say over the rain?", AIR_ANSWER): "4 8",
        _asked("Is the man calm?", "No, he is in a hurry."): "6 4", _asked("Is the man calm?", AIR_ANSWER): "4 6",
        _asked("What is sung about?", "The sea."): "7 10", _asked("What is sung about?", AIR_ANSWER): "10 7",
    }
    with ScriptedJudge(verdicts) as judge:
        result, _ = run_cli(fixture_mirror, tmp_path / "runs", tmp_path / "c.sqlite", "air_bench_chat_mixed", AIR_ANSWER,
                            "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
    assert len(judge.prompts) == 6 and result["n_score_errors"] == 0
    assert result["metrics"]["score"]["value"] == pytest.approx((4 + 10) / 2)  # not (4 + 4 + 10) / 3
    assert result["metrics"]["score_pooled"]["value"] == pytest.approx((4 + 4 + 10) / 3)
    assert result["metrics"]["reference_score"]["value"] == pytest.approx(((8 + 6) / 2 + 7) / 2)
    assert result["metrics"]["win_rate"]["value"] == pytest.approx((0 + 1) / 2)
    assert {g: m["score"]["value"] for g, m in result["subgroups"][0]["groups"].items()} == {"speech_and_sound_QA": 4.0,
                                                                                            "speech_and_music_QA": 10.0}
