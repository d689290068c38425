"""Task and suite specifications: frozen pydantic models loaded from YAML.

A task is data: where its dataset lives, which columns mean what, the
model-neutral prompt, generation settings, transforms and scorers. Python
enters only by name (``preprocess: gqa_join``, ``scorers: [{name: vqa_accuracy}]``,
``transforms: [circular]``). Everything a name refers to is checked when the
spec loads (scorer and transform options, column paths, template syntax), so a
bad file fails before any data is read, with the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Callable, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_serializer, model_validator

from evals.errors import SpecError
from evals.hashing import stable_hash
from evals.names import task_name_problem
from evals.requests import GenerationSettings
from evals.spec.family import error_key, is_family, variant_data, variant_overrides
from evals.spec.paths import column_path_problem
from evals.spec.templates import template_problem
from evals.spec.transforms import transform_options_model
from evals.spec.yaml_io import read_shipped_yaml_mapping, read_yaml_mapping

Modality = Literal["image", "audio", "video"]
Kind = Literal["vqa", "caption", "asr", "audio_qa", "classification", "mcq", "speech_translation"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; one with changes (``update``) forgets what was worked out from the original and cached on it
        (``spec_hash``): pydantic copies an instance's ``__dict__``, cached values included, so a changed task kept
        the hash of the one it was copied from once that hash had been read."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            for klass in type(copied).__mro__:
                for name, attr in vars(klass).items():
                    if isinstance(attr, cached_property):
                        copied.__dict__.pop(name, None)
        return copied


class DatasetSpec(_Frozen):
    """Where rows come from: a Hub id (mirrored under ``--data-dir``), a builder, or a named loader."""

    path: str
    name: str | None = None
    split: str
    revision: str | None = None
    data_dir: str | None = Field(None, description="for builders such as audiofolder; relative to the YAML file")
    data_files: dict[str, str | list[str]] | None = None
    loader: str | None = Field(None, description="a registered Python loader, for sets `datasets` cannot read as they are")
    gated: bool = False


class FieldMap(_Frozen):
    """Column paths (``answers[*].answer``, ``types.structural``) for each role a task needs."""

    id: str | None = Field(None, description="id column; the row index when absent")
    id_with_index: bool = Field(False, description="the sample id is `<id>#<row index>`: for sets whose id column repeats "
                                "(MME's two questions per image, FLEURS' recordings of one sentence)")
    image: str | list[str] | None = None
    audio: str | None = None
    question: str | None = None
    choices: str | None = None
    references: str | None = None
    subgroups: list[str] = []
    extra: dict[str, str] = Field({}, description="more template variables: name -> column path")
    cluster: str | None = Field(None, description="samples sharing this column's value (e.g. an image id) are resampled together")
    video: str | None = Field(None, description="the video column (bytes, a {bytes, path} struct or a path inside the dataset's root)")
    video_start: str | None = Field(None, description="column with the start of the sample's segment in seconds (SONIC-O1's 180 s segments)")
    video_end: str | None = Field(None, description="column with the end of the sample's segment in seconds")
    video_audio: str | None = Field(None, description="column with a sound-track file to use instead of the video's own "
                                    "(with video.audio; SONIC-O1 ships its audio apart)")
    video_duration: str | None = Field(None, description="column with the video's duration in seconds: with video.frames, "
                                       "stepped frames over it instead of spread ones (LongVideoBench: min(frames, int(duration)) "
                                       "frames, int(int(duration * fps) / count) apart from the first)")
    group: str | None = Field(None, description="samples sharing this column's value are one question asked several ways "
                              "(MMBench's circular copies): they count as one question, combined by the task's "
                              "`reducer` (default all_right: right only when every one of them is right)")

    metadata: dict[str, str] = Field({}, description="values the task's scorer reads besides the answer (name -> column "
                                     "path; MathVista's answer type and precision), kept in each sample record")
    history: str | None = Field(None, description="a column of the conversation's earlier turns, a list of {role: user | "
                                "assistant, content: text}: they come before the rendered user turn, each its own message, "
                                "and media the template does not place go first in the first user turn (MM-MT-Bench: each turn "
                                "a sample, the earlier turns with their reference answers)")

    @field_validator("id", "image", "audio", "video", "video_start", "video_end", "video_audio", "video_duration", "question", "choices", "references",
                     "subgroups", "extra", "cluster", "group", "metadata", "history")
    @classmethod
    def _column_paths(cls, value: Any) -> Any:
        if isinstance(value, dict):
            paths = list(value.values())
        elif isinstance(value, list):
            paths = value
        else:
            paths = [] if value is None else [value]
        problems = [p for p in map(column_path_problem, paths) if p]
        if problems:
            raise ValueError("; ".join(problems))
        return value


def _template_compiles(source: str | None) -> str | None:
    """A field validator: the template compiles in the sandbox (the error names the line)."""
    problem = template_problem(source) if source is not None else None
    if problem:
        raise ValueError(problem)
    return source


def _judge_template_compiles(source: str | None) -> str | None:
    """A field validator for judge prompts: the template compiles with the model's answer quoted (``judge_template``)."""
    problem = template_problem(source, quote_answers=True) if source is not None else None
    if problem:
        raise ValueError(problem)
    return source


class PromptSpec(_Frozen):
    """A chat user turn (Jinja2) with ``<image>``/``<image N>``/``<audio>`` placeholders."""

    system: str | None = None
    user: str

    _compiles = field_validator("system", "user")(_template_compiles)


class VerdictSpec(_Frozen):
    """How a judge's reply becomes a score.

    ``scale``: the reply's first word is a number in ``[min, max]`` (MM-Vet: ``0.0`` .. ``1.0``);
    ``labels``: the first of ``labels`` (whole word, case-insensitive) found in the reply gives its score
    (``{CORRECT: 1, INCORRECT: 0}``); ``choice``: the reply names an option letter (read with the
    multiple-choice rules) or ``none`` (``none`` words: no option matches the answer), for answer
    extraction; ``text``: the reply's first line, after an optional ``prefix`` (``Extracted answer:``),
    is the extracted answer (MathVista), empty or a ``none`` word meaning none; ``pair``: the reply is
    two integers in ``[min, max]`` separated by a space, one per assistant in the order the prompt showed them
    (AIR-Bench Chat's pairwise grading; the judge block's ``orders`` say which came first, and a sample asked in
    both orders averages them); the answer's is the score. Anything else is an unparseable verdict: a scoring
    error, never a zero.
    """

    kind: Literal["scale", "labels", "choice", "text", "pair"]
    none: list[str] = ["Z"]
    prefix: str | None = Field(None, description="text verdicts: a prefix the judge may repeat before its answer")
    field: str | None = Field(None, description="scale verdicts: the judge answers a JSON object and this field is the score "
                              "(SONIC-O1's {\"score\": 7, \"justification\": ...})")
    pattern: str | None = Field(None, description="scale verdicts: a regular expression searched in the reply whose first group "
                                "is the score (MM-MT-Bench's \"[[rating]]\"); a reply it does not match is no verdict")
    min: float = 0.0
    max: float = 1.0
    labels: dict[str, float] = {}

    @model_serializer(mode="wrap")
    def _dump(self, handler: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        # ``pattern`` came after judge blocks were hashed: unset, a verdict hashes as it did before.
        data = handler(self)
        if data.get("pattern") is None:
            data.pop("pattern", None)
        return data

    @property
    def extracts(self) -> bool:
        """The judge reads an answer out of the prediction (``choice``, ``text``) rather than grading it."""
        return self.kind in ("choice", "text")

    @model_validator(mode="after")
    def _complete(self) -> "VerdictSpec":
        if self.kind == "labels" and not self.labels:
            raise ValueError("a labels verdict needs labels: {WORD: score, ...}")
        if self.kind in ("scale", "pair") and not self.min < self.max:
            raise ValueError(f"a {self.kind} verdict needs min < max (got {self.min} and {self.max})")
        if self.pattern is not None:
            if self.kind != "scale" or self.field:
                raise ValueError("pattern: only a scale verdict without field reads its score with a pattern")
            try:
                groups = re.compile(self.pattern).groups
            except re.error as e:
                raise ValueError(f"pattern: not a regular expression: {e}") from None
            if groups < 1:
                raise ValueError("pattern: the score is the pattern's first group: give it one, (...)")
        return self


JudgeOrder = Literal["reference_first", "answer_first"]


class JudgeSpec(_Frozen):
    """A task's judge, as data: the prompt (Jinja2, with ``question``, ``answer``, ``references``,
    ``prediction`` and ``metadata``, the task's ``fields.metadata`` values) and how its verdict is read. Greedy decoding with a fixed seed; part of the task's hash.
    Wherever the prompt outputs a model's answer (``prediction``, ``first``, ``second``) it is quoted: its line breaks and
    ``|`` escaped (``spec/templates.py`` ``judge_template``), so an answer cannot end its field or forge the prompt's rows.

    Pairwise grading (a ``pair`` verdict) may ask in several ``orders``, each its own request (cached under its own
    prompt): ``reference_first`` shows the reference answer, then the model's; ``answer_first`` the other way round.
    The prompt places them with ``first`` and ``second`` (the two answers in the order asked; ``order`` names it);
    each reply's two scores are read in that order, and the sample's scores are their mean over the orders
    (AIR-Bench Chat's official protocol, against position bias). A reply missing in any order makes the whole
    sample a scoring error."""

    prompt: str
    version: int = 1
    system: str | None = None
    verdict: VerdictSpec
    max_new_tokens: int = Field(16, ge=1)
    aggregate: Literal["mean", "majority"] = Field("mean", description="how the verdicts of several judges (--judge A --judge B) combine")
    when: Literal["always", "unparsed"] = Field("always", description="unparsed: only answers the task's scorer extracts nothing from are judged")
    optional: bool = Field(False, description="the task also runs without --judge (answer extraction: its rules alone)")
    orders: list[JudgeOrder] = Field(["reference_first"], min_length=1, description="pair verdicts: the orders the reference and "
                                     "the model's answer are shown in (first, second), one request each; scores averaged over them")

    @model_validator(mode="after")
    def _extraction_fits(self) -> "JudgeSpec":
        if (self.when == "unparsed") != self.verdict.extracts:
            raise ValueError("choice and text verdicts are answer extraction: use them with when: unparsed, and when: unparsed with them")
        return self

    @model_validator(mode="after")
    def _orders_fit(self) -> "JudgeSpec":
        if self.orders == ["reference_first"]:
            return self
        if len(set(self.orders)) != len(self.orders):
            raise ValueError(f"orders: each order once (got {self.orders})")
        if self.verdict.kind != "pair":
            raise ValueError(f"orders: only a pair verdict is asked in several orders (this verdict is {self.verdict.kind!r})")
        import jinja2
        from jinja2 import meta

        try:
            used = meta.find_undeclared_variables(jinja2.Environment().parse(self.prompt))
        except jinja2.TemplateSyntaxError:
            return self  # the prompt's own validator reports it
        missing = [v for v in ("first", "second") if v not in used]
        if missing:
            raise ValueError(f"orders: the prompt must place the two answers with {{{{ first }}}} and {{{{ second }}}} "
                             f"(the order asked decides which is which); it does not use {', '.join(missing)}")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        # ``orders`` came after judge blocks were hashed: at its default a judge block hashes as it did before.
        data = handler(self)
        if data.get("orders") == ["reference_first"]:
            del data["orders"]
        return data

    _compiles = field_validator("prompt", "system")(_judge_template_compiles)


class VideoSpec(_Frozen):
    """Which frames of each video the model sees (part of the task's hash and of each request's key): ``frames``
    spread evenly over the clip or segment, first and last included, or one every ``1 / fps`` seconds, at most
    ``max_frames``; ``audio``: the sound track too, resampled to the model's rate (``audio_from_video``)."""

    frames: int | None = Field(None, ge=1, le=4096)
    fps: float | None = Field(None, gt=0, le=120)
    max_frames: int | None = Field(None, ge=1, le=4096)
    audio: bool = False
    frames_as_images: bool = Field(False, description="each sampled frame an image part, placed by the prompt's <image> "
                                   "placeholders in order (LongVideoBench's frames interleaved with subtitles); needs frames: N")

    @model_validator(mode="after")
    def _one_rule(self) -> "VideoSpec":
        if self.frames_as_images and (self.frames is None or self.audio):
            raise ValueError("frames_as_images takes frames: N (the number of image parts is known before decoding), without audio")
        if (self.frames is None) == (self.fps is None):
            raise ValueError("give frames: N (spread evenly) or fps: F (with max_frames), not both or neither")
        if self.max_frames is not None and self.fps is None:
            raise ValueError("max_frames bounds fps sampling; with frames: N it has no use")
        return self


class ScorerSpec(_Frozen):
    name: str
    options: dict[str, Any] = {}

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        from evals.scoring.registry import scorer_names

        if name not in scorer_names():
            raise ValueError(f"unknown scorer {name!r}; known: {', '.join(scorer_names())}")
        return name

    @field_validator("options")
    @classmethod
    def _options_fit_the_scorer(cls, options: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from evals.scoring.registry import get_scorer

        if "name" in info.data:  # else the name was rejected and that is the error to report
            # The options model's errors surface under this key (scorers.0.options.normalizer).
            get_scorer(info.data["name"]).parse_options(options)
        return options  # kept as written: the spec hash is of what the file says


class TransformSpec(_Frozen):
    """A declared transform (``circular``) and its options, checked against the transform's options model."""

    name: str
    options: dict[str, Any] = {}

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        try:
            transform_options_model(name)
        except KeyError as e:
            raise ValueError(e.args[0]) from None
        return name

    @field_validator("options")
    @classmethod
    def _options_fit_the_transform(cls, options: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if "name" in info.data:
            transform_options_model(info.data["name"]).model_validate(options)
        return options

    def parsed_options(self) -> BaseModel:
        """The options as the transform's model, defaults filled in."""
        return transform_options_model(self.name).model_validate(self.options)


class SubmissionSpec(_Frozen):
    """A test set whose answers are withheld: the run writes the file its evaluation server takes
    (``evals.scoring.submission``: ``rrc_json``, ``mmbench_xlsx``) and reports no score of its own."""

    format: str

    @field_validator("format")
    @classmethod
    def _known(cls, name: str) -> str:
        from evals.scoring.submission import FORMATS

        if name not in FORMATS:
            raise ValueError(f"unknown submission format {name!r}; known: {', '.join(FORMATS.names())}")
        return name


def _name_shorthand(value: Any) -> Any:
    """``[circular, {name: x, options: ...}]``: a bare string names an entry with default options."""
    if isinstance(value, list):
        return [{"name": v} if isinstance(v, str) else v for v in value]
    return value


def _valid_name(name: str) -> str:
    problem = task_name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


# Keys added after task hashes were first published, with their defaults: a spec
# that leaves them at the default hashes as it did before they existed.
_HASH_NEUTRAL_DEFAULTS: dict[tuple[str, ...], Any] = {("transforms",): [], ("fields", "cluster"): None, ("fields", "group"): None,
                                                     ("fields", "metadata"): {}, ("fields", "history"): None, ("fields", "id_with_index"): False, ("generation", "max_reasoning_tokens"): None, ("generation", "translate_to"): None,
                                                     ("fields", "video"): None, ("fields", "video_start"): None, ("fields", "video_end"): None, ("fields", "video_audio"): None,
                                                     ("fields", "video_duration"): None, ("video",): None, ("video", "frames_as_images"): False, ("condition",): None,
                                                     ("judge",): None, ("reducer",): None, ("submission",): None}


class TaskSpec(_Frozen):
    name: str
    version: int = 1
    description: str = ""
    modality: Modality
    kind: Kind
    dataset: DatasetSpec
    fields: FieldMap
    preprocess: str | None = Field(None, description="a registered row transform applied before field mapping")
    prompt: PromptSpec
    generation: GenerationSettings = GenerationSettings()
    transforms: list[TransformSpec] = Field([], description="request transforms (circular options, perturbations), in order")
    scorers: list[ScorerSpec]
    judge: JudgeSpec | None = Field(None, description="a model that grades or reads the answers; `omnieval run --judge` names it")
    video: VideoSpec | None = Field(None, description="frame sampling for a video task (frames: N, or fps: F with max_frames)")
    condition: str | None = Field(None, description="a robustness condition on every image or sound (white_noise:10, jpeg:10); "
                                  "`omnieval run --conditions` makes these")
    reducer: str | None = Field(None, description="how the variants of one question (fields.group, or a transform's) combine "
                                "into the row its metrics count: a registered question reducer (all_right, mean); default: "
                                "the transform's own, all_right for fields.group")
    submission: SubmissionSpec | None = Field(None, description="answers withheld: write the file the benchmark's server "
                                              "takes (submission: {format: rrc_json}); the task declares no scorers")
    source_file: str | None = Field(None, exclude=True)
    derived_from: str | None = Field(None, exclude=True)
    """The catalogue or file task this one was made from (``under_condition``, ``with_generation``); None: itself."""

    _name = field_validator("name")(_valid_name)
    _shorthand = field_validator("scorers", "transforms", mode="before")(_name_shorthand)

    @model_validator(mode="after")
    def _media_matches_modality(self) -> "TaskSpec":
        if self.modality == "image" and not self.fields.image:
            raise ValueError("fields.image is required for an image task")
        if self.modality == "audio" and not self.fields.audio:
            raise ValueError("fields.audio is required for an audio task")
        if self.modality == "video" and not (self.fields.video and self.video):
            raise ValueError("a video task needs fields.video and video: {frames: N} or {fps: F, max_frames: M}")
        if self.fields.video and not self.video:
            raise ValueError("fields.video needs video: {frames: N} or {fps: F, max_frames: M} (how frames are sampled)")
        if self.preprocess:
            from evals.spec.preprocess import preprocessor_names

            if self.preprocess not in preprocessor_names():
                raise ValueError(f"unknown preprocess {self.preprocess!r}; known: {', '.join(preprocessor_names())}")
        if self.fields.group and self.transforms:
            raise ValueError("fields.group and transforms both make variants of one question: declare one of them")
        if self.reducer is not None:
            from evals.scoring.reducers import REDUCERS

            if not (self.fields.group or self.transforms):
                raise ValueError("reducer: only a task whose questions have variants (fields.group or transforms) combines them")
            if self.reducer not in REDUCERS.names():
                raise ValueError(f"unknown reducer {self.reducer!r}; known: {', '.join(REDUCERS.names())}")
        return self

    @model_validator(mode="after")
    def _scored_or_submitted(self) -> "TaskSpec":
        if self.submission is None:
            if not self.scorers:
                raise ValueError("scorers: name at least one (a test set scored only by its server declares submission: instead)")
            return self
        if self.scorers or self.judge is not None or self.fields.references:
            raise ValueError("submission: the benchmark's server scores this task: declare no scorers, judge or "
                             "fields.references (the answers are withheld)")
        return self

    def judge_problem(self, n_judges: int) -> str | None:
        """Why this task cannot run with ``n_judges`` judges (``--judge`` given that many times), or None. The one
        place that decides it: the CLI asks before loading any model, ``evaluate_model`` before running any task,
        and the runner and the judge panel read the same answer."""
        if self.judge is None:
            return None
        if n_judges == 0 and not self.judge.optional:
            return f"task {self.name} is scored by a judge: pass --judge KIND:MODEL (e.g. --judge openai:NAME -J base_url=URL)"
        if n_judges > 1 and self.judge.verdict.extracts:
            return f"task {self.name}: answer extraction (a {self.judge.verdict.kind} verdict) takes one --judge, not a panel"
        return None

    @property
    def question_reducer(self) -> str | None:
        """The one place that decides how this task's variants of one question combine (``evals.scoring.reducers``):
        the declared ``reducer``, else the transform's own, else ``all_right`` for ``fields.group``; None when every
        sample is its own question. The runner records it in ``TaskResult.reducer``; rescore and the leaderboard read
        that record."""
        if self.reducer is not None:
            return self.reducer
        if self.transforms:
            from evals.spec.transforms import transform_reducer

            return transform_reducer(self.transforms[0].name)
        return "all_right" if self.fields.group else None

    @cached_property
    def spec_hash(self) -> str:
        """Hash of everything that defines the task's numbers (not its description)."""
        data = self.model_dump(exclude={"description", "source_file"})
        for path, default in _HASH_NEUTRAL_DEFAULTS.items():
            *parents, key = path
            holder = data
            for p in parents:
                holder = holder.get(p) if isinstance(holder, dict) else None
            if isinstance(holder, dict) and key in holder and holder[key] == default:
                del holder[key]
        return stable_hash(data)

    @property
    def base_dir(self) -> Path:
        return Path(self.source_file).parent if self.source_file else Path.cwd()

    @property
    def primary_metric(self) -> str:
        from evals.scoring.registry import get_scorer

        if self.submission is not None:
            from evals.scoring.submission import SUBMITTED

            return SUBMITTED

        scorer = get_scorer(self.scorers[0].name)
        return scorer.primary or scorer.name


def under_condition(spec: TaskSpec, condition: str) -> TaskSpec:
    """``spec`` under a robustness condition: ``clean`` is the task itself; another is a task of its own, named
    ``<task>.<condition>_<value>`` (``harvard_asr.white_noise_10``), whose hash includes the condition."""
    from evals.spec.conditions import parse_condition

    name, value = parse_condition(condition)
    if name == "clean":
        return spec
    canonical = f"{name}:{value:g}"
    data = spec.model_dump()
    data.update(name=f"{spec.name}.{name}_{value:g}", condition=canonical,
                description=f"{spec.description} Under the condition {canonical}.".strip())
    return TaskSpec.model_validate({**data, "source_file": spec.source_file, "derived_from": spec.derived_from or spec.name})


def with_generation(spec: TaskSpec, **settings: Any) -> TaskSpec:
    """``spec`` with some generation settings replaced (``--max-new-tokens``); a new spec, with its own hash."""
    data = spec.model_dump()
    data["generation"] = {**data["generation"], **settings}
    return TaskSpec.model_validate({**data, "source_file": spec.source_file, "derived_from": spec.derived_from or spec.name})


class SuiteModel(_Frozen):
    model: str
    args: dict[str, Any] = {}
    tasks: list[str] | None = None


class SuiteAggregate(_Frozen):
    """How a suite's headline figure is made from its tasks (``results.suite_result``)."""

    metric: str | None = Field(None, description="the metric averaged; default: the tasks' shared primary metric")
    scale: float = Field(1.0, description="each task's value times this (100: percentages)")
    decimals: int | None = Field(None, ge=0, description="round each scaled value, and the mean, to this many decimals")
    weight: Literal["tasks", "samples"] = Field("tasks", description="tasks: each task counts once (the Open ASR "
                                                "Leaderboard); samples: each task by its scored samples, the figure over "
                                                "all questions (VoiceBench's MMSU, as MMLU-Pro)")


class SuiteSpec(_Frozen):
    name: str
    description: str = ""
    tasks: list[str]
    aggregate: SuiteAggregate = Field(SuiteAggregate(), description="the suite's mean: which metric, scaled and rounded how")
    models: list[SuiteModel] = Field([], description="models `omnieval run --suite` uses when no --model is given")
    conditions: list[str] = Field([], description="robustness conditions the suite runs when no --conditions is given")
    source_file: str | None = Field(None, exclude=True)

    _name = field_validator("name")(_valid_name)

    @field_validator("conditions")
    @classmethod
    def _known_conditions(cls, value: list[str]) -> list[str]:
        from evals.spec.conditions import parse_condition

        for c in value:
            parse_condition(c)  # a ValueError naming the known ones
        return value


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(map(str, loc)) or "<top>"


def _format_validation_error(path: Path, err: ValidationError, key: Callable[[tuple[Any, ...]], str] = _dotted) -> str:
    lines = []
    for e in err.errors():
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif e["type"] == "value_error" and "error" in e.get("ctx", {}):
            msg = str(e["ctx"]["error"])  # our own message, without pydantic's "Value error, " prefix
        lines.append(f"{path}: {key(e['loc'])}: {msg}")
    return "; ".join(lines)


def _validate_task(path: Path, data: dict[str, Any], variant: str | None = None, override: dict[str, Any] | None = None) -> TaskSpec:
    try:
        return TaskSpec.model_validate({**data, "source_file": str(path)})
    except ValidationError as e:
        key = partial(error_key, variant, override or {}) if variant else _dotted
        raise SpecError(_format_validation_error(path, e, key)) from None


def load_task_family(path: str | Path) -> list[TaskSpec]:
    """Every task a YAML file defines: its variants in file order, or the one task of a plain file."""
    path = Path(path)
    data = read_yaml_mapping(path)
    if not is_family(data):
        return [_validate_task(path, data)]
    return [_validate_task(path, variant_data(data, o, name), name, o) for name, o in variant_overrides(data, path).items()]


def family_task_names(path: str | Path, shipped: bool = False) -> list[str]:
    """The task names a YAML file defines, without validating the tasks (for the catalogue's index); ``shipped``: a
    file of omnieval's own catalogue, read by libyaml (``read_shipped_yaml_mapping``)."""
    path = Path(path)
    data = read_shipped_yaml_mapping(path) if shipped else read_yaml_mapping(path)
    if not is_family(data):
        return [str(data.get("name", path.stem))]
    return list(variant_overrides(data, path))


def load_task_file(path: str | Path, variant: str | None = None, shipped: bool = False) -> TaskSpec:
    """Load and validate one task YAML; errors name the file and the key path.

    A family file (``variants:``) with several variants needs ``variant``; with
    one it is optional. A plain file accepts its own name as ``variant``. ``shipped``: a file of omnieval's own
    catalogue, parsed by libyaml (``read_shipped_yaml_mapping``); anyone else's goes through the bounded reader.
    """
    path = Path(path)
    data = read_shipped_yaml_mapping(path) if shipped else read_yaml_mapping(path)
    if not is_family(data):
        if variant is not None and variant != data.get("name"):
            raise SpecError(f"{path}: has no variants; it defines task {data.get('name')!r}, not {variant!r}")
        return _validate_task(path, data)
    overrides = variant_overrides(data, path)
    if variant is None and len(overrides) == 1:
        variant = next(iter(overrides))
    if variant is None:
        raise SpecError(f"{path}: defines several tasks ({', '.join(overrides)}); choose one by name or as {path}:<variant>")
    if variant not in overrides:
        raise SpecError(f"{path}: no variant {variant!r}; its variants are {', '.join(overrides)}")
    return _validate_task(path, variant_data(data, overrides[variant], variant), variant, overrides[variant])


def load_suite_file(path: str | Path) -> SuiteSpec:
    """Load and validate one suite YAML; errors name the file and the key path."""
    path = Path(path)
    data = read_yaml_mapping(path)
    try:
        return SuiteSpec.model_validate({**data, "source_file": str(path)})
    except ValidationError as e:
        raise SpecError(_format_validation_error(path, e)) from None
