"""One task, one model: open data -> plan -> generation engine -> score -> records and results.

The engine (``evals.run.engine``) owns everything between a request and its
response (cache, batching, decoding, failures). This module turns rows into
requests, the engine's responses into sample records and scores, and those
into a ``TaskResult``. Rows stay in dataset order throughout, so a resumed run
writes the same records.
"""

from __future__ import annotations

import json
import time
from collections import Counter
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from evals.adapters.base import Adapter
from evals.data.open import open_dataset
from evals.data.source import select_rows
from evals.hashing import stable_hash
from evals.errors import OmniEvalError
from evals.results import DatasetRecord, JudgeIdentity, SampleRecord, TaskResult, TaskTiming
from evals.run.cache import ResponseCache, cache_key
from evals.run.engine import GenerationEngine, Job
from evals.run.judge import AnyJudge, judge_count
from evals.run.plan import RequestPlanner, Sample, mix_pool
from evals.run.reasoning import strip_reasoning
from evals.run.transforms import build_transforms
from evals.scoring.records import media_cluster, record_input
from evals.scoring.reducers import get_reducer
from evals.scoring.task import TaskScoring
from evals.spec.task import TaskSpec


@dataclass
class TaskProgress:
    """Counts the progress display reads; updated by the main thread only.

    ``on_progress`` hears of them when the task starts (all zero: nothing answered yet) and then after each batch the
    model answers (and each group of samples the cache answers at once), so ``done`` rises as answers arrive, in steps of
    the batch; ``ran`` counts the model's own answers, the basis of a rate and an ETA.
    """

    total: int | None
    done: int = 0
    cached: int = 0
    ran: int = 0
    errors: int = 0


@dataclass
class RunOptions:
    batch_size: int = 8
    limit: int | None = None
    data_dir: str | None = None
    seed: int = 0
    n_resamples: int = 1000
    shard: tuple[int, int] | None = None
    on_progress: Callable[[str, TaskProgress], None] | None = None
    reasoning_tags: tuple[str, ...] = ("think",)
    """Reasoning spans (``<think>...</think>``) removed from predictions before scoring; the raw output is kept."""


def _stored_plan(cache: ResponseCache, plan_key: str, spec: TaskSpec, engine: GenerationEngine) -> Iterator[Sample] | None:
    """The samples of a finished earlier run over unchanged data, if every response is cached.

    With any miss the data must be read (the stored plan holds no media), so None.
    """
    if cache.plan_size(plan_key) is None:
        return None
    keys = [cache_key(k, engine.model_hash) for k in (json.loads(text)[2] for text in cache.iter_plan(plan_key)) if k]
    if len(cache.get_many(keys)) != len(keys):
        return None
    return (Sample.from_json(text, spec.generation) for text in cache.iter_plan(plan_key))


def task_hash_for(spec: TaskSpec, data_fingerprint: str, judge: JudgeIdentity | None = None) -> str:
    """What a result's numbers depend on: the spec, the data, and for a judged task the judge model."""
    parts = {"spec": spec.spec_hash, "data": data_fingerprint, "revision": spec.dataset.revision}
    if judge is not None:
        parts["judge"] = judge.judge_hash
    return stable_hash(parts)


def evaluate_task(spec: TaskSpec, engine: GenerationEngine, samples_path: Path, options: RunOptions, judge: AnyJudge | None = None) -> TaskResult:
    """Evaluate one task with the engine's model; writes its sample records and returns its results.

    A task with a ``judge:`` block needs ``judge``: each answered sample is judged as its chunk arrives.
    """
    problem = spec.judge_problem(judge_count(judge))
    if problem:
        raise OmniEvalError(problem)
    started = time.perf_counter()
    cache = engine.cache
    source = select_rows(open_dataset(spec, options.data_dir), options.limit)
    judge_id = judge.identity(spec) if judge is not None and spec.judge is not None else None
    task_hash = task_hash_for(spec, source.fingerprint, judge_id)
    stripped = 0
    bad_rows = 0  # samples whose row could not be read: errors like failed requests, counted apart in the notes
    rules: Counter[str] = Counter()  # how each answer was read (``extraction_rule``), for the results
    planner = RequestPlanner(spec, source.columns)
    planner.mix = mix_pool(spec, options.data_dir)
    rows = source.rows
    if options.shard is not None:
        rank, world = options.shard
        rows = ((i, r) for i, r in rows if i % world == rank)
    transforms = build_transforms(spec.transforms, seed=options.seed)
    # A subgroup column the data lacks is left out of the report (a note says so), never a failure.
    subgroup_fields = [p for p in spec.fields.subgroups if p not in planner.absent]
    scoring = TaskScoring(spec.scorers, subgroup_fields, seed=options.seed, n_resamples=options.n_resamples,
                          combine=get_reducer(spec.question_reducer))
    progress = TaskProgress(total=source.num_rows if options.shard is None else None)
    # A stored plan is the model's own: its key names the model, so no other model's run can replace it.
    plan_key = stable_hash([task_hash, source.reuse_key, source.selection, options.shard, engine.model_hash]) \
        if cache is not None and source.reuse_key else None
    stored = _stored_plan(cache, plan_key, spec, engine) if plan_key else None
    samples: Iterator[Sample] = stored if stored is not None else planner.plan_rows(rows, transforms)  # stored: no rows read, no media decoded
    draft = cache.start_plan() if plan_key and stored is None else None  # type: ignore[union-attr]
    before = replace(engine.stats, notes=set(engine.stats.notes))
    records: list[SampleRecord] = []
    samples_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = samples_path.with_suffix(".jsonl.tmp")
    out = open(tmp_path, "w")
    written = 0

    def answered(jobs: list[Job]) -> None:
        """Counts what the engine has answered (the model batch by batch, the cache at once), reported at once."""
        for job in jobs:
            progress.done += 1
            progress.errors += job.failure is not None
            progress.cached += job.cached
            progress.ran += (not job.cached) and job.request is not None and job.error is None
        if options.on_progress:
            options.on_progress(spec.name, progress)

    if options.on_progress:
        options.on_progress(spec.name, progress)  # the task has started: its bar (or line) shows before the first answer
    try:
        for chunk in engine.run((Job(s.request, payload=s, error=s.error) for s in samples), on_answered=answered):
            inputs, scored_items = [], []
            chunk_records = []
            for job in chunk:
                s, resp = job.payload, job.response
                error = job.failure
                prompt = s.describe()
                prediction = None if error else strip_reasoning(resp.text, options.reasoning_tags)
                cut = prediction is not None and prediction != resp.text
                stripped += cut
                rec = SampleRecord(
                    task=spec.name, index=s.index, id=s.id, cluster=s.cluster or media_cluster(prompt),
                    prompt=prompt,
                    prediction=prediction, raw_prediction=resp.text if cut else None,
                    references=s.references, choices=s.choices, subgroups=s.subgroups, error=error,
                    latency_s=resp.latency_s if resp is not None else None, cached=job.cached,
                    reasoning=resp.reasoning if resp is not None else None, reasoning_tokens=resp.reasoning_tokens if resp is not None else None,
                    output_tokens=resp.output_tokens if resp is not None else None,
                    variant=s.variant, group=s.group, metadata=s.metadata or None,
                )
                chunk_records.append(rec)
                bad_rows += error is not None and error.startswith("row: ")
            if judge_id is not None:
                judge.judge(spec, chunk_records)  # type: ignore[union-attr]
            for rec, job in zip(chunk_records, chunk):
                scoring.expect(rec.group)
                inp = record_input(rec, job.payload.group_size)
                if inp is not None:
                    inputs.append(inp)
                    scored_items.append(rec)
            if draft is not None:
                cache.add_plan_rows(draft, [(written + k, job.payload.to_json()) for k, job in enumerate(chunk)])  # type: ignore[union-attr]
            written += len(chunk)
            for rec, outcome in zip(scored_items, scoring.add(inputs)):
                outcome.fill(rec)
            if scoring.streaming:
                for rec in chunk_records:
                    if rec.extraction_rule:
                        rules[rec.extraction_rule] += 1
                    out.write(rec.model_dump_json(exclude_none=True) + "\n")
            else:
                records.extend(chunk_records)
    except BaseException:
        if draft is not None:
            cache.discard_draft(draft)  # type: ignore[union-attr]
        raise
    finally:
        out.close()
    with warnings.catch_warnings(record=True) as caught:
        # Scorers warn about what they had to skip (SPICE without its jars): that belongs in the results.
        warnings.simplefilter("always")
        metrics, subgroups = _finish_scoring(scoring, records, tmp_path, rules)
    tmp_path.replace(samples_path)
    if draft is not None:
        cache.finish_plan(draft, plan_key, written)  # type: ignore[union-attr, arg-type]
    stats = engine.stats
    inference_s = stats.inference_s - before.inference_s
    audio_s = stats.audio_s - before.audio_s
    notes = sorted(stats.notes - before.notes)
    notes.extend(sorted({str(w.message) for w in caught}))
    if spec.video is not None and not engine.adapter.capabilities.video:
        v = spec.video
        frames = f"{v.frames} frames" if v.frames else f"a frame every {1 / v.fps:g} s" + (f" (at most {v.max_frames})" if v.max_frames else "")
        notes.append(f"video given to {engine.adapter.name} as {frames} (images): it takes no video input")
    if source.selection != "all":
        notes.append(f"partial run: {source.selection}")
        if spec.fields.group:
            notes.append(f"partial run: a question (fields.group: {spec.fields.group}) may have only some of its samples in the "
                         "selection; it is scored on those it has")
    notes.extend(planner.column_notes())
    if bad_rows:
        notes.append(f"{bad_rows} row(s) could not be read and were not scored (each record's error names the field and column)")
    if progress.errors > bad_rows:
        notes.append(f"{progress.errors - bad_rows} request(s) failed and were not scored")
    if stripped:
        notes.append(f"reasoning ({', '.join(f'<{t}>' for t in options.reasoning_tags)}) removed from {stripped} prediction(s) before scoring; "
                     f"raw_prediction keeps the whole output")
    if scoring.n_score_errors:
        notes.append(f"{scoring.n_score_errors} sample(s) could not be scored (see score_error)")
    notes.extend(f"{name}: {n} question(s) left out: a variant failed or could not be scored"
                 for name, n in sorted(scoring.n_incomplete.items()) if n)
    rtfx = audio_s / inference_s if audio_s and inference_s else None
    return TaskResult(
        task=spec.name, task_version=spec.version, modality=spec.modality, kind=spec.kind,
        task_hash=task_hash, spec_hash=spec.spec_hash,
        dataset=DatasetRecord(path=spec.dataset.path, name=spec.dataset.name, split=spec.dataset.split, revision=source.revision,
                              fingerprint=source.fingerprint, origin=source.origin, selection=source.selection),
        primary_metric=spec.primary_metric, metrics=metrics, scorers=scoring.options_record(), signatures=scoring.signatures(),
        n_samples=progress.done, n_scored=scoring.n_scored, n_errors=progress.errors, n_unparsed=scoring.n_unparsed(),
        n_score_errors=scoring.n_score_errors, transforms=[s.name for s in spec.transforms],
        reducer=spec.question_reducer,
        n_cached=progress.cached, n_new=progress.ran, limit=options.limit, subgroups=subgroups, notes=notes, judge=judge_id,
        judge_panel=judge.panel(spec) if judge_id is not None else None,  # type: ignore[union-attr]
        extraction_rules=rule_counts(rules),
        timing=TaskTiming(wall_s=time.perf_counter() - started, inference_s=inference_s, audio_s=audio_s or None, rtfx=rtfx),
    )


def _finish_scoring(scoring: TaskScoring, records: list[SampleRecord], tmp_path: Path, rules: Counter) -> tuple[dict, list]:
    """Corpus-level scorers run now; their per-sample stats join the buffered records."""
    if not scoring.streaming:
        corpus = iter(scoring.finish_corpus())
        with open(tmp_path, "w") as out:
            for rec in records:
                if rec.error is None and rec.prediction is not None:  # as record_input: only answered samples were scored
                    next(corpus).fill(rec)
                if rec.extraction_rule:
                    rules[rec.extraction_rule] += 1
                out.write(rec.model_dump_json(exclude_none=True) + "\n")
    return scoring.metrics(), scoring.subgroups()


def rule_counts(rules: Counter) -> dict[str, int]:
    """``{rule: samples}``, most used first; records without a rule (not parsed by rule, or not scored) are left out."""
    return {rule: n for rule, n in rules.most_common() if rule}


def check_supported(spec: TaskSpec, adapter: Adapter) -> str | None:
    """Why ``adapter`` cannot take ``spec``'s requests, or None."""
    caps = adapter.capabilities
    if spec.modality == "image" and not caps.image:
        return f"{adapter.name} does not accept images"
    if spec.modality == "audio" and not caps.audio:
        return f"{adapter.name} does not accept audio"
    if spec.modality == "video" and not (caps.video or caps.image):
        return f"{adapter.name} accepts neither video nor images (its frames)"
    if spec.video is not None and spec.video.audio and not caps.audio:
        return f"{adapter.name} does not accept audio (the task gives it the video's sound track)"
    if spec.fields.audio and spec.modality != "audio" and not caps.audio:
        return f"{adapter.name} does not accept audio (the task gives it a sound clip with the {spec.modality})"
    if isinstance(spec.fields.image, list) and len(spec.fields.image) > 1 and not caps.multi_image:
        return f"{adapter.name} does not accept several images per request"
    target = spec.generation.translate_to
    if target and not caps.text and target not in caps.translation_targets:
        into = f"only into {', '.join(caps.translation_targets)}" if caps.translation_targets else "into no language (it only transcribes)"
        return f"{adapter.name} takes no prompt and translates speech {into}: it cannot translate into {target!r}"
    if spec.generation.max_reasoning_tokens and not caps.reasoning_budget:
        return (f"{adapter.name} cannot hold a reasoning budget apart from the answer's (max_reasoning_tokens); "
                "give one budget with --max-new-tokens, or the server's own option (openai: -a extra_body=...)")
    return None
