"""``omnieval rescore``: a finished run's results again, from its stored predictions, with the current task specs.

No model is loaded or called. Data rows are read only when the new spec asks
for a subgroup field the stored records do not carry, and then only those
fields of the run's own rows. The rescored run is written beside the original
(``<run id>-rescored-<hash>``); its results name the run, and the spec hash,
they were rescored from, and the leaderboard reads it like any run (it is the
newest, so it supersedes the original where task hashes agree).
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
import warnings
import sys
from pathlib import Path

from evals.errors import OmniEvalError
from evals.files import write_text_atomic
from evals.hashing import stable_hash
from evals.redact import redact_argv
from evals.scoring.reducers import get_reducer
from evals.results import Rescored, SampleRecord, TaskResult, iter_samples, read_manifest, read_results, run_dir_problem, write_json
from evals.run import rundir
from evals.run.judge import AnyJudge, judge_prompt_hash
from evals.run.plan import get_path
from evals.run.runner import rule_counts, task_hash_for
from evals.run.submission import write_submission
from evals.scoring.records import media_cluster, score_records
from evals.spec.catalog import recorded_spec
from evals.spec.preprocess import get_preprocessor
from evals.spec.task import TaskSpec


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _spec_for(task: str, manifest_task: dict, override: dict[str, TaskSpec]) -> TaskSpec:
    if task in override:
        return override[task]
    try:
        return recorded_spec(task, manifest_task)
    except OmniEvalError as e:
        raise OmniEvalError(f"rescore: {e}") from None


def _fill_subgroups(spec: TaskSpec, records: list[SampleRecord], missing: list[str], data_dir: str | None) -> None:
    """Read the subgroup fields the records lack from the run's own rows (by index), nothing else."""
    from evals.data.open import open_dataset

    wanted = {r.index for r in records}
    preprocess = get_preprocessor(spec.preprocess) if spec.preprocess else None
    values: dict[int, dict[str, str]] = {}
    for index, row in open_dataset(spec, data_dir).rows:
        if index not in wanted:
            continue
        row = preprocess(row) if preprocess else row
        values[index] = {}
        for field in missing:
            value = get_path(row, field)
            values[index][field] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if len(values) == len(wanted):
            break
    for r in records:
        r.subgroups = {**r.subgroups, **values.get(r.index, {})}


def rescore_task(run_dir: Path, old: TaskResult, spec: TaskSpec, seed: int, n_resamples: int, data_dir: str | None,
                 judge: AnyJudge | None = None) -> tuple[TaskResult, list[SampleRecord]]:
    """One task of a run, rescored: its new result and its records with the new scores.

    A judged task keeps its stored verdicts while its judge block is unchanged; with ``judge`` every
    answer is judged again (only the judge is called; its cache answers what it has seen).
    """
    records = list(iter_samples(run_dir, old.task))
    judge_id, panel = old.judge, old.judge_panel
    if spec.judge is not None and judge is not None:
        judge.judge(spec, records)
        judge_id, panel = judge.identity(spec), judge.panel(spec)
    elif spec.judge is not None and old.judge is None and spec.judge.optional:
        judge_id = panel = None  # run without its optional judge: scored by the rules alone, as before
    elif spec.judge is not None and (old.judge is None or old.judge.prompt_hash != judge_prompt_hash(spec.judge)):
        raise OmniEvalError(f"rescore: task {spec.name}'s judge block differs from the one its verdicts came from: "
                            f"pass --judge KIND:MODEL to judge the stored answers again")
    elif spec.judge is None:
        judge_id = panel = None
    for r in records:
        r.cluster = r.cluster or media_cluster(r.prompt)  # runs made before records carried clusters
    missing = [f for f in spec.fields.subgroups if any(f not in r.subgroups for r in records)]
    if missing:
        _fill_subgroups(spec, records, missing, data_dir)
    with warnings.catch_warnings(record=True) as caught:
        # Scorers warn about what they had to skip (SPICE without its jars): that belongs in the results, as in a run.
        warnings.simplefilter("always")
        out = score_records(records, spec.scorers, spec.fields.subgroups, seed=seed, n_resamples=n_resamples,
                            combine=get_reducer(spec.question_reducer))
    new_records = [r if s is None else r.model_copy(update=s.record_fields()) for r, s in zip(records, out.samples)]
    rules = Counter(r.extraction_rule for r, s in zip(new_records, out.samples) if s is not None)
    skipped = sorted({str(w.message) for w in caught})
    notes = [n for n in old.notes if "could not be scored" not in n and not n.startswith("rescored") and n not in skipped]
    notes.extend(skipped)
    if out.n_score_errors:
        notes.append(f"{out.n_score_errors} sample(s) could not be scored (see score_error)")
    notes.append(f"rescored from run {read_manifest(run_dir).run_id} (spec {old.spec_hash} -> {spec.spec_hash})")
    result = old.model_copy(update={
        "task_version": spec.version, "spec_hash": spec.spec_hash, "task_hash": task_hash_for(spec, old.dataset.fingerprint, judge_id), "judge": judge_id, "judge_panel": panel,
        "extraction_rules": rule_counts(rules),
        "primary_metric": spec.primary_metric, "metrics": out.metrics, "subgroups": out.subgroups, "scorers": out.scorers, "signatures": out.signatures,
        "n_scored": out.n_scored, "n_score_errors": out.n_score_errors, "n_unparsed": out.n_unparsed, "notes": notes,
        "transforms": [s.name for s in spec.transforms],
        "reducer": spec.question_reducer,
        "rescored": Rescored(from_run=read_manifest(run_dir).run_id, from_dir=str(run_dir), from_spec_hash=old.spec_hash,
                             spec_hash=spec.spec_hash, at=_now()),
    })
    return result, new_records


def rescore_run(run_dir: str | Path, specs: list[TaskSpec] | None = None, output: str | Path | None = None, n_resamples: int = 1000,
                data_dir: str | None = None, judge: AnyJudge | None = None) -> Path:
    """Rescore every task of ``run_dir`` (or only those ``specs`` name) into a new run directory; returns it."""
    run_dir = Path(run_dir)
    if not (run_dir / "results.json").is_file():
        raise OmniEvalError(f"rescore: {run_dir} is not a finished run directory (no results.json)")
    try:
        results, manifest = read_results(run_dir), read_manifest(run_dir)
    except ValueError as e:
        raise OmniEvalError(f"rescore: {run_dir}: cannot read its results or manifest: {str(e).splitlines()[0]}") from None
    problem = run_dir_problem(run_dir, results, manifest)
    if problem:
        raise OmniEvalError(f"rescore: {problem}")
    override = {s.name: s for s in specs or []}
    unknown = sorted(set(override) - set(results.tasks))
    if unknown:
        raise OmniEvalError(f"rescore: run {run_dir} has no task {', '.join(unknown)} (it has {', '.join(sorted(results.tasks))})")
    names = [t for t in results.tasks if not override or t in override]
    chosen = {t: _spec_for(t, manifest.tasks.get(t, {}), override) for t in names}
    judged = {t: judge.model_hash for t, s in chosen.items() if s.judge is not None} if judge is not None else {}
    tag = stable_hash({t: s.spec_hash for t, s in sorted(chosen.items())} | ({"judges": judged} if judged else {}), 8)
    out_dir = Path(output) if output else run_dir.parent / f"{manifest.run_id}-rescored-{tag}"
    if out_dir.resolve() == run_dir.resolve():
        raise OmniEvalError("rescore: --output must not be the run being rescored")
    rundir.hold(out_dir, wait_s=600)  # the same rescore run twice at once: the second waits, then writes it again whole
    try:
        return _rescore_into(out_dir, run_dir, results, manifest, names, chosen, n_resamples, data_dir, judge)
    finally:
        rundir.release(out_dir)


def _rescore_into(out_dir: Path, run_dir: Path, results, manifest, names: list[str], chosen: dict[str, TaskSpec], n_resamples: int,
                  data_dir: str | None, judge: AnyJudge | None) -> Path:
    (out_dir / "samples").mkdir(parents=True, exist_ok=True)
    new_results = results.model_copy(update={"run_id": out_dir.name, "tasks": {}})
    new_manifest = manifest.model_copy(update={"run_id": out_dir.name, "started": _now(), "tasks": dict(manifest.tasks),
                                               "command": redact_argv(list(sys.argv))})
    for name in names:
        result, records = rescore_task(run_dir, results.tasks[name], chosen[name], manifest.seed, n_resamples, data_dir, judge)
        write_text_atomic(out_dir / "samples" / f"{name}.jsonl", "".join(r.model_dump_json(exclude_none=True) + "\n" for r in records))
        if chosen[name].submission is not None:  # answers withheld: the server's file written again from the stored answers
            result = write_submission(out_dir, chosen[name], result, records)
        new_results.tasks[name] = result
        new_manifest.tasks[name] = {**manifest.tasks.get(name, {}), "task_hash": result.task_hash, "spec_hash": result.spec_hash,
                                    "rescored_from": manifest.run_id}
    new_manifest.finished = _now()
    write_json(out_dir / "manifest.json", new_manifest)
    write_json(out_dir / "results.json", new_results)
    return out_dir
