"""Benchmarks whose questions span several samples: MMBench's circular copies (``fields.group``), HallusionBench's figures and sets."""

from __future__ import annotations

import pytest
from helpers import ScriptedJudge, run_cli, run_tasks

from evals.adapters.base import create_adapter
from evals.adapters.baseline import BaselineAdapter, BaselineArgs
from evals.requests import Request
from evals.results import iter_samples, read_results
from evals.run.rescore import rescore_run
from evals.spec.catalog import load_task
from evals.scoring.contract import NoOptions, ScoreInput, stats_table
from evals.scoring.metrics.hallusionbench import aggregate_hallusionbench, score_hallusionbench
from evals.scoring.metrics.mmbench import mmbench_letter


class Scripted(BaselineAdapter):
    """A stand-in model whose answer depends on the prompt: ``answer(prompt text)``."""

    def __init__(self, answer) -> None:
        super().__init__("constant", BaselineArgs(text="unused"))
        self.answer = answer

    def _answer(self, request: Request) -> str:
        return self.answer(request.text)


def _options(prompt: str) -> list[str]:
    return [line[3:] for line in prompt.splitlines() if line[:1] in "ABCD" and line[1:3] == ". "]


def _truth(prompt: str) -> str:
    return "dog" if "animal" in prompt else "winter"


@pytest.mark.parametrize("prediction, expected", [
    ("B", ("B", "option_letter")), ("(C) a bird", ("C", "option_letter")), ("The answer is D.", ("D", "option_letter")),
    ("\\boxed{A}", ("A", "option_letter")), ("**Answer:** B", ("B", "option_letter")),
    ("the answer is b", ("B", "answer_is")), ("The correct answer is **B**. Here's why: it barks at the mailman.", ("B", "answer_is")),
    ("A dog is on the left side", ("B", "option_text")),  # "A" is a word, but not among the last four
    ("It is a dog", ("B", "option_text")),
    ("E", (None, "unparsed")),  # not an option of this four-option question
    ("b", (None, "unparsed")), ("Cannot determine the answer", ("Z", "refused")),
    ("a cat or a dog", (None, "unparsed")), ("I cannot tell", (None, "unparsed")),
    ("The animal in this picture is most likely a dog, a loyal friend", (None, "unparsed")),  # over twice the options' length
])
def test_mmbench_reads_answers_in_the_official_order(prediction, expected):
    """Current VLMEvalKit's can_infer (case by case against the official code: tests/conformance/test_mmbench.py)."""
    assert mmbench_letter(prediction, ["cat", "dog", "bird", "fish"]) == expected


def test_mmbench_counts_a_question_only_when_every_circular_copy_is_right(fixture_mirror, tmp_path):
    spec = load_task("mmbench_en_dev")
    # The option text of the truth: right in every rotation (read by option text).
    result = run_tasks([spec], fixture_mirror, tmp_path / "right", "", adapter=Scripted(_truth)).tasks[spec.name]
    assert result.n_samples == 6 and result.metrics["accuracy"].value == 1.0 and result.metrics["accuracy"].n == 2
    records = list(iter_samples(tmp_path / "right", spec.name))
    assert {r.group for r in records} == {"0", "1"} and {r.extraction_rule for r in records} == {"option_text"}
    prompt = next(r for r in records if r.id == "1").prompt[0]["content"][-1]["text"]
    assert prompt.startswith("Hint: The trees have no leaves.\nQuestion: Which season is it?\nOptions:\nA. summer\nB. winter\n")
    assert "C." not in prompt  # absent options (null or "nan") are not offered

    # One rotation of the animal question unread: that question is wrong and unparsed, the other still right.
    def unsure_once(prompt: str) -> str:
        return "I am not sure" if _options(prompt)[:1] == ["bird"] else _truth(prompt)

    result = run_tasks([spec], fixture_mirror, tmp_path / "unsure", "", adapter=Scripted(unsure_once)).tasks[spec.name]
    assert result.metrics["accuracy"].value == 0.5 and result.metrics["unparsed_rate"].value == 0.5
    by_category = next(s for s in result.subgroups if s.field == "category").groups
    assert by_category["attribute_recognition"]["accuracy"].value == 0.0 and by_category["image_scene"]["accuracy"].value == 1.0

    # Rescoring the stored records (no data, no model) groups the copies the same way.
    rescored = read_results(rescore_run(tmp_path / "unsure", output=tmp_path / "rescored", n_resamples=20)).tasks[spec.name]
    assert rescored.metrics["accuracy"].value == 0.5 and rescored.metrics["accuracy"].n == 2


def test_the_leaderboard_compares_grouped_copies_by_question_as_the_cell_counts_them(fixture_mirror, tmp_path):
    """MMBench's copies are rows of the data (``fields.group``), not a transform: the recorded reducer tells the
    leaderboard to combine them, so its shared samples, paired tests and rank intervals count the 2 questions the
    cell's accuracy counts, not the 6 copies."""
    from evals.report.build import build_leaderboard
    from evals.report.index import load_runs

    spec = load_task("mmbench_en_dev")
    right = run_tasks([spec], fixture_mirror, tmp_path / "runs" / "right", "", adapter=Scripted(_truth)).tasks[spec.name]
    assert right.reducer == "all_right" and right.metrics["accuracy"].n == 2
    run_tasks([spec], fixture_mirror, tmp_path / "runs" / "wrong", "", adapter=create_adapter("baseline:caption", {"text": "cat"}))
    board = build_leaderboard(load_runs([tmp_path / "runs"]), n_resamples=50, min_shared=1)
    (column,) = board["columns"]
    assert column["n_shared_samples"] == 2
    accuracy = sorted(cell["value"] for cell in board["cells"])
    assert accuracy == [0.0, 1.0]


def test_mmbench_partial_selection_says_questions_may_be_incomplete(fixture_mirror, tmp_path):
    spec = load_task("mmbench_en_dev")
    result = run_tasks([spec], fixture_mirror, tmp_path / "run", "", limit=3, adapter=Scripted(_truth)).tasks[spec.name]
    assert result.n_samples == 3
    assert any("fields.group" in n for n in result.notes)


def test_mmbench_extraction_judge_reads_what_the_rules_cannot_copy_by_copy(fixture_mirror, tmp_path):
    """The official order: letter, option text, then the judge (its official prompt; "E": no option fits)."""
    def run(out: str, *judge: str) -> dict:
        return run_cli(fixture_mirror, tmp_path / out, tmp_path / "c.sqlite", "mmbench_en_dev", "the furry one, probably", *judge)[0]

    # The judge names the truth in every rotation of the animal question, and "E" for one copy of the season question.
    verdicts = {"Options: A. cat\n": "B", "Options: A. dog\n": "A", "Options: A. bird\n": "D", "Options: A. fish\n": "C",
                "Options: A. summer\n": "B", "Options: A. winter\n": "E"}
    with ScriptedJudge(verdicts) as judge:
        judged = run("judged", "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
        assert len(judge.prompts) == 6 and "If the meaning of all options are significantly different" in judge.prompts[0]
    assert judged["metrics"]["accuracy"]["value"] == 0.5 and judged["metrics"]["unparsed_rate"]["value"] == 0.5
    assert judged["extraction_rules"] == {"judge": 5, "unparsed": 1}
    alone = run("alone")  # optional judge: without it every answer stays unparsed, wrong and counted
    assert alone["metrics"]["accuracy"]["value"] == 0.0 and alone["metrics"]["unparsed_rate"]["value"] == 1.0


def _hb(key: str, gold: str, prediction: str) -> ScoreInput:
    return ScoreInput(id=key, prediction=prediction, references=[gold, ""])


def test_hallusionbench_an_unclear_answer_without_the_figure_is_right_and_groups_need_every_member():
    inputs = [_hb("VS/chart/1/0/0", "yes", "I cannot know without the chart."),  # no figure: "unclear" is right
              _hb("VS/chart/1/1/0", "yes", "I cannot tell."),  # with the figure: unclear is wrong
              _hb("VD/math/2/0/0", "no", "No."), _hb("VD/math/2/1/0", "yes", "Yes, it is.")]
    scores = score_hallusionbench(inputs, NoOptions())
    assert [s.stats["score"] for s in scores] == [1.0, 0.0, 1.0, 1.0]
    assert [s.extracted for s in scores] == ["unclear", "unclear", "correct", "correct"]
    metrics = aggregate_hallusionbench(stats_table([dict(s.stats) for s in scores]), NoOptions())
    # Figures: VS/chart/1/1 (wrong), VD/math/2/0, VD/math/2/1 (right); the figure-less VS question is not a figure.
    assert metrics["fAcc"] == pytest.approx(2 / 3)
    # Questions: VS/chart/1/q0 asked without and with the figure (one wrong), VD/math/2/q0 about both figures (right).
    assert metrics["qAcc"] == 0.5 and metrics["aAcc"] == 0.75 and metrics["unclear_rate"] == 0.5


def test_hallusionbench_with_a_grading_judge_takes_its_verdicts(fixture_mirror, tmp_path):
    def run(out: str, *judge: str) -> dict:
        return run_cli(fixture_mirror, tmp_path / out, tmp_path / "c.sqlite", "hallusionbench_image", "The lines look about equal.", *judge)[0]

    # The judge finds the answer correct where the truth is "the same length", incorrect elsewhere.
    verdicts = {"Reference answer: Both lines have the same length.": "correct", "Reference answer: The left line is longer.": "Incorrect."}
    with ScriptedJudge(verdicts) as judge:
        judged = run("judged", "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
        assert len(judge.prompts) == 6 and judge.prompts[0].startswith("Imagine you are an intelligent teacher.")
    # Same as the constant "No" on the fixture: right on the three "same length" questions.
    assert judged["metrics"]["aAcc"]["value"] == 0.5 and judged["metrics"]["fAcc"]["value"] == 0.25
    assert judged["metrics"]["qAcc"]["value"] == pytest.approx(1 / 3) and judged["extraction_rules"] == {"judge": 6}
    alone = run("alone")  # without a judge, the yes/no rules: this answer says neither, so every answer is unclear
    assert alone["metrics"]["aAcc"]["value"] == 0.0 and alone["metrics"]["unclear_rate"]["value"] == 1.0
