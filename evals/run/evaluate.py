"""One model over a list of tasks: run directory, manifest, results."""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache
import platform
import re
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from evals import __version__
from evals.adapters.base import Adapter
from evals.run import rundir
from evals.run.cache import ResponseCache
from evals.errors import OmniEvalError
from evals.redact import redact_argv, redact_value
from evals.results import Manifest, iter_samples, read_manifest, RunResults, TaskResult, suite_result, write_json
from evals.run.engine import GenerationEngine
from evals.run.judge import AnyJudge, judge_count
from evals.run.runner import RunOptions, check_supported, evaluate_task
from evals.run.submission import submission_problem, write_submission
from evals.spec.catalog import spec_source
from evals.spec.task import SuiteAggregate, TaskSpec

_PACKAGES = ("datasets", "transformers", "evaluate", "torch", "faster-whisper", "ctranslate2", "pycocoevalcap", "numpy", "pillow", "soundfile", "soxr")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


@lru_cache(maxsize=1)
def _packages() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def run_stamp() -> str:
    """The time a run directory's name starts with (``20261207-132304-182169``): sortable, to the microsecond."""
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def run_id_for(model_name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name).strip("_")[:60]
    return f"{run_stamp()}-{slug}"


def unfinished_run(output: Path, model_hash: str, tasks: list[str], limit: int | None, seed: int) -> Path | None:
    """The newest run directory under ``output`` that the same command left unfinished (interrupted or killed), or None;
    this process now holds it (``rundir``), so no other process can continue it at the same time.

    Same model fingerprint, same tasks, same ``--limit`` and seed: re-running continues it
    (finished tasks are re-read from the cache) instead of leaving an orphan and starting another.
    One that another process is writing now is passed over: that command starts a run of its own.
    """
    if not output.is_dir():
        return None
    candidates = []
    for manifest_path in output.glob("*/manifest.json"):
        try:
            m = read_manifest(manifest_path.parent)
        except (OSError, ValueError):
            continue
        if m.finished is None and m.model_hash == model_hash and m.limit == limit and m.seed == seed and m.planned_tasks == tasks:
            candidates.append((m.started, manifest_path.parent))
    for _, run_dir in sorted(candidates, reverse=True):
        if rundir.try_hold(run_dir):
            if read_manifest(run_dir).finished is None:  # not finished by its writer since it was read above
                return run_dir
            rundir.release(run_dir)
    return None


def evaluate_model(
    adapter: Adapter,
    tasks: list[TaskSpec],
    output_dir: Path,
    cache: ResponseCache | None,
    options: RunOptions,
    command: list[str] | None = None,
    suite: str | None = None,
    judge: AnyJudge | None = None,
    suite_aggregate: SuiteAggregate | None = None,
) -> RunResults:
    """Evaluate ``adapter`` on ``tasks``; writes ``output_dir/{manifest,results}.json`` and ``samples/``.

    With ``suite`` (the whole suite ran), ``results.suite`` is its mean, made as ``suite_aggregate`` says.

    ``results.json`` is rewritten after each task, so a stopped run keeps what it finished.
    """
    try:
        # Every task is checked before anything runs (or is written): a model that cannot take one fails at once.
        for spec in tasks:
            why = check_supported(spec, adapter)
            if why:
                raise OmniEvalError(f"task {spec.name}: {why}")
            problem = spec.judge_problem(judge_count(judge)) or submission_problem(spec)
            if problem:
                raise OmniEvalError(problem)
        rundir.hold(output_dir)  # one writer per run directory (already held when unfinished_run claimed it)
        return _evaluate(adapter, tasks, output_dir, cache, options, command, suite, judge, suite_aggregate)
    finally:
        rundir.release(output_dir)


def _evaluate(adapter: Adapter, tasks: list[TaskSpec], output_dir: Path, cache: ResponseCache | None, options: RunOptions,
              command: list[str] | None, suite: str | None, judge: AnyJudge | None, suite_aggregate: SuiteAggregate | None) -> RunResults:
    run_id = output_dir.name
    manifest = Manifest(
        run_id=run_id, omnieval_version=__version__, git_commit=_git_commit(), command=redact_argv(command or sys.argv),
        model=adapter.name, model_hash=adapter.fingerprint_hash(), model_fingerprint=redact_value(adapter.fingerprint()),
        tasks={}, planned_tasks=[s.name for s in tasks], seed=options.seed, limit=options.limit, batch_size=options.batch_size, started=_now(),
        host={"hostname": socket.gethostname(), "platform": platform.platform(), "python": platform.python_version()},
        packages=dict(_packages()),
    )
    results = RunResults(run_id=run_id, model=adapter.name, model_hash=manifest.model_hash, model_fingerprint=manifest.model_fingerprint, tasks={})
    write_json(output_dir / "manifest.json", manifest)
    engine = GenerationEngine(adapter, cache, options.batch_size)
    for spec in tasks:
        result: TaskResult = evaluate_task(spec, engine, output_dir / "samples" / f"{spec.name}.jsonl", options, judge)
        if spec.submission is not None:  # answers withheld: the server's file, beside the results
            result = write_submission(output_dir, spec, result, list(iter_samples(output_dir, spec.name)))
        results.tasks[spec.name] = result
        manifest.tasks[spec.name] = {
            "task_hash": result.task_hash, "spec_hash": result.spec_hash, "revision": result.dataset.revision,
            "fingerprint": result.dataset.fingerprint, "origin": result.dataset.origin, "source_file": spec.source_file,
            "spec_source": spec_source(spec),
        }
        write_json(output_dir / "results.json", results)
        write_json(output_dir / "manifest.json", manifest)
    if suite is not None:
        results.suite = suite_result(suite, list(results.tasks.values()), **(suite_aggregate or SuiteAggregate()).model_dump())
    if any(s.condition is not None for s in tasks):
        from evals.run.conditions import compare_conditions

        results.robustness = compare_conditions(output_dir, results, tasks, options.n_resamples, options.seed)
    manifest.finished = _now()
    write_json(output_dir / "manifest.json", manifest)
    write_json(output_dir / "results.json", results)
    return results
