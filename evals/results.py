"""Result schemas (pydantic, versioned) and the run directory they are written to.

A run directory holds ``manifest.json`` (how the run was made),
``results.json`` (per task: metrics with confidence intervals, counts) and
``samples/<task>.jsonl`` (one record per sample).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evals.files import OutsideRoot, inside, write_text_atomic
from evals.names import task_name_problem

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _nan_back(cls, data: Any) -> Any:
        # JSON has no NaN: a figure with no value (the accuracy over parsed answers when none parsed, acc+ without
        # pairs, a mean over such figures) is written as null. Read it back as NaN, or no reader could open the run.
        if isinstance(data, dict):
            nulls = [name for name in _float_fields(cls) if name in data and data[name] is None]
            if nulls:
                return {**data, **dict.fromkeys(nulls, float("nan"))}
        return data


@functools.cache
def _float_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that hold a number and never None (``float``, not ``float | None``)."""
    return tuple(name for name, field in model.model_fields.items() if field.annotation is float)


class MetricValue(_Model):
    """A metric's value, its confidence interval, and how that interval was drawn.

    ``ci_method`` is ``"bootstrap"`` (rows resampled) or ``"cluster_bootstrap"``
    (whole clusters of samples sharing media resampled; ``n_clusters`` of them);
    None when there is no interval or the file predates the field.
    """

    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int
    ci_method: Literal["bootstrap", "cluster_bootstrap"] | None = None
    n_clusters: int | None = None


class GroupGap(_Model):
    """The largest gap in the primary metric between the groups of one field (``scoring.stats.group_gap``): between
    the two named groups, with an interval and a test read from the same bootstrap draws, so they agree."""

    metric: str
    worst: str
    best: str
    gap: float
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    significant: bool | None = None
    """The interval excludes 0, which is the same as ``p_value < 0.05``; None without an interval."""
    sizes: dict[str, int] = {}
    small_groups: list[str] = []
    """Groups under 30 samples: their intervals are wide, a gap resting on them is fragile."""


class SubgroupReport(_Model):
    """One subgroup field: each value's metrics, the largest gap between values per metric, and for the primary
    metric that gap with its interval, its test, the worst group and the groups too small to trust."""

    field: str
    groups: dict[str, dict[str, MetricValue]]
    max_gap: dict[str, float] = {}
    gap: GroupGap | None = None


class DatasetRecord(_Model):
    path: str
    name: str | None = None
    split: str
    revision: str | None = None
    fingerprint: str
    origin: str
    selection: str = "all"


class TaskTiming(_Model):
    wall_s: float = 0.0
    inference_s: float = 0.0
    audio_s: float | None = None
    rtfx: float | None = None


class Rescored(_Model):
    """Set on results recomputed by ``omnieval rescore`` from stored predictions, without the model."""

    from_run: str
    from_dir: str
    from_spec_hash: str
    spec_hash: str
    at: str


class JudgeVerdict(_Model):
    """What a judge said about one sample: its raw reply and the score read from it, or why there is none."""

    judge: str
    judge_hash: str
    prompt_hash: str
    raw: str | None = None
    score: float | None = None
    answer: str | None = None
    """For answer extraction (a ``choice`` verdict): the option letter the judge read, None when it said none fits."""
    error: str | None = None
    cached: bool = False


class JudgeIdentity(_Model):
    """The judge a task's scores depend on: its model and the hash of the judge block (prompt and verdict rule)."""

    judge: str
    judge_hash: str
    prompt_hash: str


class JudgeSummary(_Model):
    """One judge of a panel, over a task: its own mean score and how many samples it could not score."""

    judge: str
    judge_hash: str
    score: float | None
    n: int
    n_errors: int


class JudgePanelReport(_Model):
    """Several judges of one task: each one's summary, how their verdicts were combined, and how far they agree."""

    judges: list[JudgeSummary]
    aggregate: str
    agreement: float | None
    """Krippendorff's alpha over the samples every judge scored (interval for scales, nominal for labels); None below two samples."""
    agreement_metric: str
    n_agreement: int


class SubmissionRecord(_Model):
    """The file a task whose answers are withheld wrote for its benchmark's server (``evals.scoring.submission``).

    ``path`` is relative to the run directory (``submissions/<task><suffix>``); ``n_failed`` rows hold no model answer
    (written as ``missing`` says); ``server`` says where to upload it."""

    format: str
    path: str
    n_rows: int
    n_answered: int
    n_failed: int
    missing: str
    server: str


class TaskResult(_Model):
    task: str
    task_version: int
    modality: str
    kind: str
    task_hash: str
    spec_hash: str
    dataset: DatasetRecord
    primary_metric: str
    metrics: dict[str, MetricValue]
    scorers: dict[str, dict[str, Any]]
    signatures: dict[str, dict[str, str]] = {}
    """What decides a scorer's numbers besides its options, per scorer and metric (sacreBLEU's signature strings)."""
    n_samples: int
    n_scored: int
    n_errors: int
    n_unparsed: int = 0
    n_score_errors: int = 0  # of the n_scored samples, those a scorer could not score (see SampleRecord.score_error)
    n_cached: int = 0
    n_new: int | None = None
    """Samples whose request went to the model in this run (neither cached nor a bad row that never reached it)."""
    limit: int | None = None
    prompt_override: bool = False
    subgroups: list[SubgroupReport] = []
    notes: list[str] = []
    timing: TaskTiming = TaskTiming()
    rescored: Rescored | None = None
    transforms: list[str] = []
    """The task's transforms (``circular``): its sample records are variants, combined per question (``group``)."""
    reducer: str | None = None
    """How the variants of one question (records sharing ``group``) were combined into the row the metrics count: a
    registered question reducer (``evals.scoring.reducers``); None when each sample is its own question. The
    leaderboard and ``omnieval rescore`` read it. (Results written before it existed: see ``question_reducer``.)"""
    judge: JudgeIdentity | None = None
    """The judge whose verdicts the scores use (judged tasks only); part of ``task_hash``."""
    judge_panel: JudgePanelReport | None = None
    """With several judges: each judge's own score and their agreement (``judge`` is then the panel's identity)."""
    extraction_rules: dict[str, int] = {}
    """How many answers each extraction rule decided (``bare``, ``phrase``, ``unparsed``, ``judge``...), most used first."""
    status: Literal["scored", "submitted"] = "scored"
    """``submitted``: the answers are withheld and the benchmark's server scores the file in ``submission``; ``metrics``
    is then empty (no number stands in for the server's score) and the leaderboard shows the cell as submitted."""
    submission: SubmissionRecord | None = None

    @property
    def question_reducer(self) -> str | None:
        """The recorded ``reducer``; for results written before it was recorded, the only rule there was then
        (``all_right``) when the task had a transform. (A ``fields.group`` task of that time left no trace in its
        results: ``omnieval rescore`` its run to record its reducer.)"""
        return self.reducer if self.reducer is not None or not self.transforms else "all_right"


class SuiteResult(_Model):
    """A suite's headline figure, as leaderboards such as the Open ASR Leaderboard define it:
    the plain mean of its tasks' primary metric, and RTFx over all its audio."""

    suite: str
    metric: str
    mean: float
    tasks: list[str]
    rtfx: float | None = None
    scale: float = 1.0
    """Each task's value was multiplied by this before the mean (100: percentages, as leaderboards print WER)."""
    decimals: int | None = None
    """Each scaled value, and the mean, rounded to this many decimals first (a leaderboard's own rounding)."""
    weight: str = "tasks"
    """``tasks``: the plain mean over tasks; ``samples``: each task weighted by its scored samples."""


class ConditionComparison(_Model):
    """One task under one robustness condition against the same task clean, paired on the samples both scored."""

    task: str
    condition: str
    condition_task: str
    metric: str
    direction: str
    clean: float
    value: float
    diff: float
    """value - clean."""
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    relative_degradation: float | None = None
    """How much worse, as a fraction of the clean value (positive: worse, whichever way the metric points)."""


class RunResults(_Model):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    model: str
    model_hash: str
    model_fingerprint: dict[str, Any]
    tasks: dict[str, TaskResult]
    suite: SuiteResult | None = None
    robustness: list[ConditionComparison] | None = None
    """Tasks run clean and under ``--conditions``: each condition against clean (paired bootstrap), and their mean degradation."""


def suite_result(name: str, results: list[TaskResult], metric: str | None = None, scale: float = 1.0,
                 decimals: int | None = None, weight: str = "tasks") -> SuiteResult | None:
    """The mean over tasks of ``metric`` (default: their shared primary metric; None when they have none, or a task
    lacks it); RTFx = total audio s / total inference s.

    With ``scale`` and ``decimals`` (a suite's ``aggregate:``), each value is scaled and rounded before the mean and the
    mean rounded again, as the Open ASR Leaderboard's ``score_results`` does with ``round(100 * wer, 2)``. With
    ``weight="samples"`` each task counts by the samples its metric scored (``n``): for an accuracy, the figure over
    all questions of all tasks.
    """
    if not results:
        return None
    if metric is None:
        if len({r.primary_metric for r in results}) != 1:
            return None
        metric = results[0].primary_metric
    values = [r.metrics[metric].value * scale for r in results if metric in r.metrics]
    if len(values) != len(results):
        return None
    if decimals is not None:
        values = [round(v, decimals) for v in values]
    if weight == "samples":
        counts = [r.metrics[metric].n for r in results]
        mean = sum(v * n for v, n in zip(values, counts)) / sum(counts) if sum(counts) else float("nan")
    else:
        mean = sum(values) / len(values)
    audio = sum(r.timing.audio_s or 0.0 for r in results)
    inference = sum(r.timing.inference_s for r in results)
    rtfx = audio / inference if audio and inference and all(r.timing.audio_s for r in results) else None
    return SuiteResult(suite=name, metric=metric, mean=mean if decimals is None else round(mean, decimals),
                       tasks=[r.task for r in results], rtfx=rtfx, scale=scale, decimals=decimals, weight=weight)


class Manifest(_Model):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    omnieval_version: str
    git_commit: str | None
    command: list[str]
    model: str
    model_hash: str
    model_fingerprint: dict[str, Any]
    tasks: dict[str, dict[str, Any]]
    planned_tasks: list[str] = []
    """Every task the run was asked for; ``finished`` stays unset until all are done."""
    seed: int
    limit: int | None
    batch_size: int
    started: str
    finished: str | None = None
    host: dict[str, Any]
    packages: dict[str, str]


class SampleRecord(_Model):
    """One sample of a task: what was asked, answered and scored.

    ``cluster`` groups samples that are not independent (sharing media);
    confidence intervals resample clusters. ``score_error`` says why a scorer
    could not score the sample (it is then left out of that scorer's
    metrics); ``extracted`` is the answer a scorer read from the prediction
    and ``extraction_rule`` the rule that decided it.
    """

    task: str
    index: int
    id: str
    # Kept right after ``id``: the leaderboard's fast reader looks for it only there.
    cluster: str | None = None
    prompt: list[dict[str, Any]] | None = None
    prediction: str | None = None
    references: list[str]
    choices: list[str] | None = None
    # default_factory, not `= {}`: pydantic deep-copies mutable defaults for every record
    subgroups: dict[str, str] = Field(default_factory=dict)
    scores: dict[str, dict[str, float]] = Field(default_factory=dict)
    error: str | None = None
    score_error: str | None = None
    extracted: str | None = None
    extraction_rule: str | None = None
    explanation: str | None = None
    latency_s: float | None = None
    cached: bool = False
    variant: str | None = None
    """The transform variant this record answers (``circular2``); None for an untransformed sample."""
    group: str | None = None
    """The sample the variant belongs to (its id before transforms); scores combine per group."""
    judges: list[JudgeVerdict] | None = None
    """Each judge's own verdict when several judged (``judge`` is then their combination)."""
    raw_prediction: str | None = None
    """The model's whole output when ``prediction`` is less (reasoning spans stripped); None when they are the same."""

    @field_validator("scores", mode="before")
    @classmethod
    def _nan_scores_back(cls, scores: Any) -> Any:
        # As _Model._nan_back for the numbers inside scores (WER's score of a dropped reference); its own name, or it
        # would take the place of the base class's validator in this model.
        if isinstance(scores, dict):
            return {k: {m: float("nan") if v is None else v for m, v in d.items()} if isinstance(d, dict) else d
                    for k, d in scores.items()}
        return scores
    reasoning: str | None = None
    """The reasoning a server returned apart from the answer (``reasoning_content``); never scored."""
    reasoning_tokens: int | None = None
    """Reasoning tokens of the answer, when the server counts them."""
    metadata: dict[str, Any] | None = None
    """The task's ``fields.metadata`` values (what its scorer reads besides the answer); None when it declares none."""
    output_tokens: int | None = None
    judge: JudgeVerdict | None = None


def write_json(path: Path, model: BaseModel) -> None:
    """Write atomically: a reader never sees half a file."""
    write_text_atomic(path, model.model_dump_json(indent=2))


_INT64 = 2**63


def _int64(text: str) -> int:
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise ValueError(f"integer {text[:24]}{'...' if len(text) > 24 else ''} is out of range (64 bits)")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number here (omnieval writes none)")


def loads_strict(text: str) -> Any:
    """JSON as omnieval writes it: integers within 64 bits, no NaN or infinities (a file that has them was not written
    by omnieval, and they would break the index, the statistics or the reports downstream)."""
    return json.loads(text, parse_int=_int64, parse_constant=_no_constant)


def samples_path(run_dir: str | Path, task: str) -> Path:
    """``<run_dir>/samples/<task>.jsonl``, refused (ValueError) when ``task`` is not a valid task name or the file, a
    symbolic link, leads out of the run directory: names read back from a run are not trusted."""
    problem = task_name_problem(task)
    if problem:
        raise ValueError(f"{run_dir}: {problem}")
    return inside(Path(run_dir), "samples", f"{task}.jsonl")


def read_results(run_dir: str | Path) -> RunResults:
    path = Path(run_dir) / "results.json"
    data = loads_strict(path.read_text())
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {data.get('schema_version')} is not {SCHEMA_VERSION}")
    return RunResults.model_validate(data)


def read_manifest(run_dir: str | Path) -> Manifest:
    return Manifest.model_validate(loads_strict((Path(run_dir) / "manifest.json").read_text()))


def run_dir_problem(run_dir: str | Path, results: RunResults, manifest: Manifest | None) -> str | None:
    """What makes a run directory unsafe to read further, or None: its run id or a task key is not a valid name (they
    become file and folder names: ``../x`` would lead out of it), or a task's records file is not a plain file inside
    it (a symbolic link). A run directory is someone else's writing: nothing in it is trusted."""
    run_dir = Path(run_dir)
    ids = [("results.json", results.run_id)] + ([("manifest.json", manifest.run_id)] if manifest is not None else [])
    for file, run_id in ids:
        problem = task_name_problem(run_id, "run id")
        if problem:
            return f"{run_dir}/{file}: {problem}"
    for task in results.tasks:
        problem = task_name_problem(task)
        if problem:
            return f"{run_dir}/results.json: tasks: {problem}"
        try:
            records = samples_path(run_dir, task)
        except OutsideRoot as e:
            return str(e)
        if records.is_symlink() or (records.exists() and not records.is_file()):
            return f"{records}: not a file of the run (a link or a folder)"
    return None


def iter_samples(run_dir: str | Path, task: str):
    """The records of ``task`` in ``run_dir``; a line that is not a record is a ValueError naming the file and line."""
    path = samples_path(run_dir, task)
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                yield SampleRecord.model_validate(loads_strict(line))
            except ValueError as e:
                raise ValueError(f"{path}:{n}: not a sample record: {str(e).splitlines()[0]}") from None
