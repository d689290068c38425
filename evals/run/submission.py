"""A task whose answers are withheld: its submission file written into the run directory, and its result marked
"submitted" (scored by the benchmark's server, never here). ``omnieval run`` and ``omnieval rescore`` both end a
submission task here, so a rescored run holds the same file."""

from __future__ import annotations

from pathlib import Path

from evals.files import write_text_atomic
from evals.names import task_name_problem
from evals.results import SampleRecord, SubmissionRecord, TaskResult
from evals.scoring.submission import SUBMITTED, get_format
from evals.spec.task import TaskSpec

SUBMISSIONS_DIR = "submissions"


def submission_problem(spec: TaskSpec) -> str | None:
    """Why ``spec``'s submission file cannot be written here (its writer's package is not installed), or None; asked
    before anything runs."""
    if spec.submission is None:
        return None
    problem = get_format(spec.submission.format).problem()
    return f"task {spec.name}: {problem}" if problem else None


def write_submission(run_dir: Path, spec: TaskSpec, result: TaskResult, records: list[SampleRecord]) -> TaskResult:
    """Write ``records`` as ``spec``'s submission file at ``run_dir/submissions/<task><suffix>`` (whole, atomically) and
    return ``result`` marked submitted: no metrics, the file's path, format and counts, and a note on where it goes."""
    assert spec.submission is not None
    problem = task_name_problem(spec.name)
    if problem:
        raise ValueError(problem)
    fmt = get_format(spec.submission.format)
    built = fmt(records)
    relative = f"{SUBMISSIONS_DIR}/{spec.name}{fmt.suffix}"
    (run_dir / SUBMISSIONS_DIR).mkdir(parents=True, exist_ok=True)
    write_text_atomic(run_dir / relative, built.data)
    notes = [n for n in result.notes if not n.startswith("submission: ")]
    notes.append(f"submission: scored by the benchmark's server, not here: upload {relative} to {fmt.server}"
                 + (f"; {built.n_failed} of {built.n_rows} row(s) hold no model answer ({fmt.missing})" if built.n_failed else ""))
    return result.model_copy(update={
        "status": SUBMITTED, "metrics": {}, "subgroups": [], "primary_metric": SUBMITTED, "notes": notes,
        "submission": SubmissionRecord(format=fmt.name, path=relative, n_rows=built.n_rows, n_answered=built.n_answered,
                                       n_failed=built.n_failed, missing=fmt.missing, server=fmt.server),
    })
