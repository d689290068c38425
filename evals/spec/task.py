"""Task and suite specifications: frozen pydantic models loaded from YAML.

A task is data: where its dataset lives, which columns mean what, the
model-neutral prompt, generation settings and scorers. Python enters only by
name (``preprocess: gqa_join``, ``scorers: [{name: vqa_accuracy}]``).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evals.errors import SpecError
from evals.hashing import stable_hash
from evals.requests import GenerationSettings

Modality = Literal["image", "audio"]
Kind = Literal["vqa", "caption", "asr", "audio_qa", "classification", "mcq"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    image: str | list[str] | None = None
    audio: str | None = None
    question: str | None = None
    choices: str | None = None
    references: str | None = None
    subgroups: list[str] = []
    extra: dict[str, str] = Field({}, description="more template variables: name -> column path")


class PromptSpec(_Frozen):
    """A chat user turn (Jinja2) with ``<image>``/``<image N>``/``<audio>`` placeholders."""

    system: str | None = None
    user: str


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
    scorers: list[ScorerSpec]
    source_file: str | None = Field(None, exclude=True)

    @field_validator("scorers", mode="before")
    @classmethod
    def _scorer_shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _media_matches_modality(self) -> "TaskSpec":
        if self.modality == "image" and not self.fields.image:
            raise ValueError("fields.image is required for an image task")
        if self.modality == "audio" and not self.fields.audio:
            raise ValueError("fields.audio is required for an audio task")
        if self.preprocess:
            from evals.spec.preprocess import preprocessor_names

            if self.preprocess not in preprocessor_names():
                raise ValueError(f"unknown preprocess {self.preprocess!r}; known: {', '.join(preprocessor_names())}")
        return self

    @cached_property
    def spec_hash(self) -> str:
        """Hash of everything that defines the task's numbers (not its description)."""
        return stable_hash(self.model_dump(exclude={"description", "source_file"}))

    @property
    def base_dir(self) -> Path:
        return Path(self.source_file).parent if self.source_file else Path.cwd()

    @property
    def primary_metric(self) -> str:
        from evals.scoring.registry import get_scorer

        scorer = get_scorer(self.scorers[0].name)
        return scorer.primary or scorer.name


class SuiteModel(_Frozen):
    model: str
    args: dict[str, Any] = {}
    tasks: list[str] | None = None


class SuiteSpec(_Frozen):
    name: str
    description: str = ""
    tasks: list[str]
    models: list[SuiteModel] = Field([], description="models `omnieval run --suite` uses when no --model is given")
    source_file: str | None = Field(None, exclude=True)


def _format_validation_error(path: Path, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "<top>"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{path}: {loc}: {msg}")
    return "; ".join(lines)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{path}: file not found") from None
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: invalid YAML: {e}".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def load_task_file(path: str | Path) -> TaskSpec:
    """Load and validate one task YAML; errors name the file and the key path."""
    path = Path(path)
    data = _read_yaml(path)
    try:
        return TaskSpec.model_validate({**data, "source_file": str(path)})
    except ValidationError as e:
        raise SpecError(_format_validation_error(path, e)) from None


def load_suite_file(path: str | Path) -> SuiteSpec:
    path = Path(path)
    data = _read_yaml(path)
    try:
        return SuiteSpec.model_validate({**data, "source_file": str(path)})
    except ValidationError as e:
        raise SpecError(_format_validation_error(path, e)) from None
