"""From a task's rows to ``Request``s: field mapping, prompt rendering, media parts.

The template is compiled once per task; each row costs a field lookup, one
render and a hash of its media bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

import jinja2

from evals.errors import DataError, SpecError
from evals.data.media import MediaError, audio_part, image_part
from evals.spec.preprocess import get_preprocessor, option_letters
from evals.requests import AudioPart, GenerationSettings, ImagePart, Message, Part, Request, TextPart, describe_messages
from evals.spec.task import TaskSpec
from evals.spec.templates import compile_prompt

_PLACEHOLDER = re.compile(r"<(image|audio)(?:[ _](\d+))?>")
_PATH_TOKEN = re.compile(r"([^.\[\]]+)(\[\*\]|\[\d+\])?")


@dataclass
class Sample:
    """One planned evaluation item: the request and what scoring needs."""

    index: int
    id: str
    request: Request | None
    references: list[str]
    choices: list[str] | None = None
    subgroups: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    prompt: list[dict[str, Any]] | None = None
    """The request's messages with media as hashes; set when the sample comes from a stored plan."""

    def describe(self) -> list[dict[str, Any]] | None:
        if self.prompt is not None:
            return self.prompt
        return describe_messages(self.request.messages) if self.request is not None else None

    def to_json(self) -> str:
        """Everything a re-run needs except media: the plan of one sample."""
        key = self.request.key if self.request is not None else None
        return json.dumps([self.index, self.id, key, self.references, self.choices, self.subgroups, self.describe(), self.error])

    @classmethod
    def from_json(cls, text: str, generation: GenerationSettings) -> "Sample":
        index, sid, key, refs, choices, subgroups, prompt, error = json.loads(text)
        request = Request(id=sid, messages=[], generation=generation, key=key) if key else None
        return cls(index, sid, request, refs, choices, subgroups, error, prompt)


def get_path(row: Any, path: str) -> Any:
    """``answers[*].answer`` -> list of answers; ``types.structural`` -> nested value; ``[0]`` indexes."""
    value = row
    for match in _PATH_TOKEN.finditer(path):
        key, index = match.group(1), match.group(2)
        if isinstance(value, list):
            value = [v[key] if isinstance(v, dict) else None for v in value]
        elif isinstance(value, dict):
            value = value[key]
        else:
            raise KeyError(key)
        if index and index != "[*]":
            value = value[int(index[1:-1])]
    return value


def _as_text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def format_options(choices: list[str]) -> str:
    return "\n".join(f"{letter}. {choice}" for letter, choice in zip(option_letters(len(choices)), choices))


class RequestPlanner:
    """Turns rows of one task into ``Sample``s with ready ``Request``s."""

    def __init__(self, spec: TaskSpec, columns: list[str] | None = None) -> None:
        self.spec = spec
        # Sandboxed: render errors (undefined variables, sandbox violations) are SpecErrors naming the file.
        self._user, self._system = compile_prompt(spec)
        self._preprocess = get_preprocessor(spec.preprocess) if spec.preprocess else None
        self._checked = False
        self._columns = columns or []
        self._base_dir = spec.base_dir

    def _field_paths(self) -> dict[str, str]:
        f = self.spec.fields
        paths: dict[str, str] = {}
        for role in ("id", "audio", "question", "choices", "references"):
            if getattr(f, role):
                paths[f"fields.{role}"] = getattr(f, role)
        images = [f.image] if isinstance(f.image, str) else (f.image or [])
        for i, p in enumerate(images):
            paths[f"fields.image[{i}]" if len(images) > 1 else "fields.image"] = p
        for i, p in enumerate(f.subgroups):
            paths[f"fields.subgroups[{i}]"] = p
        for name, p in f.extra.items():
            paths[f"fields.extra.{name}"] = p
        return paths

    def _check_columns(self, row: dict[str, Any]) -> None:
        where = self.spec.source_file or self.spec.name
        for key, path in self._field_paths().items():
            root = _PATH_TOKEN.match(path).group(1)  # type: ignore[union-attr]
            if root not in row:
                raise DataError(
                    f"{where}: {key}: column {root!r} is not in dataset {self.spec.dataset.path} "
                    f"(columns: {', '.join(sorted(row))})"
                )
        self._checked = True

    def _render(self, variables: dict[str, Any], images: list[ImagePart], audios: list[AudioPart]) -> list[Message]:
        messages: list[Message] = []
        if self._system is not None:
            messages.append(Message("system", [TextPart(self._system.render(**variables))]))
        text = self._user.render(**variables)
        parts: list[Part] = []
        used_images: set[int] = set()
        next_image, next_audio = 0, 0
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            before = text[pos:m.start()]
            if before.strip():
                parts.append(TextPart(before.strip("\n") if parts else before.lstrip("\n").rstrip("\n")))
            pos = m.end()
            if m.group(1) == "image":
                idx = int(m.group(2)) - 1 if m.group(2) else next_image
                if 0 <= idx < len(images):
                    parts.append(images[idx])
                    used_images.add(idx)
                next_image = idx + 1
            else:
                if next_audio < len(audios):
                    parts.append(audios[next_audio])
                next_audio += 1
        tail = text[pos:]
        if tail.strip():
            parts.append(TextPart(tail.strip("\n")))
        # Media the template does not place go first, the common convention of chat templates.
        leading: list[Part] = [img for i, img in enumerate(images) if i not in used_images]
        leading += audios[next_audio:]
        messages.append(Message("user", leading + parts))
        return messages

    def plan(self, index: int, row: dict[str, Any]) -> Sample:
        spec, f = self.spec, self.spec.fields
        if self._preprocess is not None:
            row = self._preprocess(row)
        if not self._checked:
            self._check_columns(row)
        sample_id = str(get_path(row, f.id)) if f.id else str(index)
        references = _as_text_list(get_path(row, f.references)) if f.references else []
        choices = _as_text_list(get_path(row, f.choices)) if f.choices else None
        subgroups = {}
        for path in f.subgroups:
            value = get_path(row, path)
            subgroups[path] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        sample = Sample(index, sample_id, None, references, choices, subgroups)
        try:
            image_paths = [f.image] if isinstance(f.image, str) else (f.image or [])
            images = [image_part(v, self._base_dir) for v in (get_path(row, p) for p in image_paths) if v is not None]
            audios = [audio_part(get_path(row, f.audio), self._base_dir)] if f.audio else []
        except MediaError as e:
            sample.error = f"media: {e}"
            return sample
        variables: dict[str, Any] = {name: get_path(row, p) for name, p in f.extra.items()}
        variables["question"] = str(get_path(row, f.question)) if f.question else ""
        variables["choices"] = choices or []
        variables["options"] = format_options(choices or [])
        variables["letters"] = option_letters(len(choices or []))
        variables["id"] = sample_id
        try:
            messages = self._render(variables, images, audios)
        except jinja2.UndefinedError as e:
            raise SpecError(f"{spec.source_file or spec.name}: prompt: {e.message}") from None
        sample.request = Request(id=sample_id, messages=messages, generation=spec.generation)
        return sample

    def plan_rows(self, rows: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[Sample]:
        for index, row in rows:
            yield self.plan(index, row)
