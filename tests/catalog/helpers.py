"""Running catalogue tasks on fixture mirrors with the baseline adapter."""

from __future__ import annotations

from pathlib import Path

from evals.adapters.base import create_adapter
from evals.run.evaluate import evaluate_model
from evals.results import RunResults
from evals.run.runner import RunOptions
from evals.spec.task import TaskSpec


def run_tasks(specs: list[TaskSpec], data_dir: Path, out: Path, text: str, limit: int | None = None, adapter=None) -> RunResults:
    adapter = adapter or create_adapter("baseline:constant", {"text": text})
    return evaluate_model(adapter, specs, out, None, RunOptions(data_dir=str(data_dir), limit=limit, n_resamples=50))
