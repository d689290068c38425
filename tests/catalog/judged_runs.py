"""A judged catalogue task graded by a scripted loopback judge: answered by the baseline through the CLI, or by a tiny random
VLM of a real architecture."""

from __future__ import annotations

from pathlib import Path

from helpers import ScriptedJudge, run_cli

from evals.adapters.base import create_adapter
from evals.run.evaluate import evaluate_model
from evals.run.judge import make_judges
from evals.run.runner import RunOptions
from evals.spec.catalog import load_task


def scripted_judge_run(mirror: Path, tmp_path: Path, task: str, answer: str, verdicts: dict[str, str], *extra: str,
                       default: str | None = None) -> tuple[dict, list[dict], ScriptedJudge]:
    """``task`` run through the CLI on ``mirror`` with the baseline answering ``answer``, judged by a scripted judge
    (``verdicts``: a prompt's text -> the reply; ``default`` for the others): the task's results, its records and the
    judge (its ``prompts`` and request ``bodies``). A judged task's judge is required: it is checked to be."""
    spec = load_task(task)
    assert spec.judge is not None and not spec.judge.optional
    with ScriptedJudge(verdicts, default=default) as judge:
        res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", task, answer, "--judge", "openai:j",
                               "-J", f"base_url={judge.url}", *extra)
    return res, records, judge


def tiny_vlm_judged_results(tiny_model, task: str, data_dir: Path, out: Path, verdict: str, family: str = "qwen2_vl",
                            max_new_tokens: int = 4, limit: int | None = None):
    """``task``'s result and the judge's request bodies when ``tiny_model(family)`` (through ``hf:``) answers every sample,
    its answers cut to ``max_new_tokens`` (``limit``: that many samples), and a scripted judge replies ``verdict`` to every prompt: the smoke test that
    each request (its turns, its images) goes through a real model's processor and chat template, and each answer to the
    judge."""
    spec = load_task(task)
    spec = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": max_new_tokens})})
    adapter = create_adapter(f"hf:{tiny_model(family)}", {})
    with ScriptedJudge({}, default=verdict) as scripted:
        judge = make_judges(["openai:judge"], {"base_url": scripted.url}, None)
        try:
            result = evaluate_model(adapter, [spec], out, None, RunOptions(data_dir=str(data_dir), limit=limit, n_resamples=50), judge=judge)
        finally:
            adapter.close()
            judge.close()
        return result.tasks[task], scripted.bodies
