"""From a task's rows to ``Request``s: field mapping, prompt rendering, media parts.

The template is compiled once per task; each row costs a field lookup, one
render and a hash of its media bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

import jinja2

from evals.errors import DataError, SpecError
from evals.data.media import LoaderFile, MediaError, audio_part, image_part, video_part
from evals.scoring.task import LABEL_SEPARATOR, is_multi_label
from evals.spec.preprocess import get_preprocessor, option_letters
from evals.requests import MEDIA_KINDS, GenerationSettings, MediaPart, Message, Part, Request, TextPart, VideoSampling, describe_messages
from evals.run.transforms import Fields, Transform, Variant
from evals.spec.task import TaskSpec
from evals.spec.templates import compile_prompt

_PLACEHOLDER = re.compile(r"<(image|audio|video)(?:[ _](\d+))?>")
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
    cluster: str | None = None
    """The declared ``fields.cluster`` value; None lets the runner cluster by the sample's media."""
    variant: str | None = None
    """The transform variant (``circular2``); None for an untransformed sample."""
    group: str | None = None
    """The id of the sample this is a variant of; with ``group_size``, how scoring combines variants."""
    group_size: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    """The declared ``fields.metadata`` values: what the task's scorer reads besides the answer (MathVista's answer type)."""

    def describe(self) -> list[dict[str, Any]] | None:
        if self.prompt is not None:
            return self.prompt
        return describe_messages(self.request.messages) if self.request is not None else None

    def to_json(self) -> str:
        """Everything a re-run needs except media: the plan of one sample."""
        key = self.request.key if self.request is not None else None
        return json.dumps([self.index, self.id, key, self.references, self.choices, self.subgroups, self.describe(), self.error,
                           self.cluster, self.variant, self.group, self.group_size, self.metadata])

    @classmethod
    def from_json(cls, text: str, generation: GenerationSettings) -> "Sample":
        index, sid, key, refs, choices, subgroups, prompt, error, cluster, variant, group, group_size, *rest = json.loads(text)
        request = Request(id=sid, messages=[], generation=generation, key=key) if key else None
        # Plans stored before samples had metadata end at group_size.
        return cls(index, sid, request, refs, choices, subgroups, error, prompt, cluster, variant, group, group_size, rest[0] if rest else {})


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

    def _sampling(self, row: dict[str, Any]) -> VideoSampling:
        """The task's frame sampling, within the row's segment when the task names its columns."""
        v, f = self.spec.video, self.spec.fields
        assert v is not None
        start = float(get_path(row, f.video_start)) if f.video_start else None
        end = float(get_path(row, f.video_end)) if f.video_end else None
        sound = None
        if f.video_audio and v.audio:
            cell = get_path(row, f.video_audio)
            # A loader's file as it is; a row's path only inside the dataset's root; a loader's "missing" says why.
            sound = str(cell) if isinstance(cell, LoaderFile) else audio_part(cell, self._media_root()).path
        return VideoSampling(frames=v.frames, fps=v.fps, max_frames=v.max_frames, start_s=start, end_s=end, audio=v.audio, audio_file=sound)

    def _media_root(self) -> Path:
        """Media files of rows are read only inside the dataset's root: its data_dir, else the task file's folder."""
        spec = self.spec
        return self._base_dir / spec.dataset.data_dir if spec.dataset.data_dir else self._base_dir

    def _field_paths(self) -> dict[str, str]:
        f = self.spec.fields
        paths: dict[str, str] = {}
        for role in ("id", "audio", "video", "video_start", "video_end", "video_audio", "question", "choices", "references", "cluster", "group"):
            if getattr(f, role):
                paths[f"fields.{role}"] = getattr(f, role)
        images = [f.image] if isinstance(f.image, str) else (f.image or [])
        for i, p in enumerate(images):
            paths[f"fields.image[{i}]" if len(images) > 1 else "fields.image"] = p
        for i, p in enumerate(f.subgroups):
            paths[f"fields.subgroups[{i}]"] = p
        for name, p in f.extra.items():
            paths[f"fields.extra.{name}"] = p
        for name, p in f.metadata.items():
            paths[f"fields.metadata.{name}"] = p
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

    def _render(self, variables: dict[str, Any], media: dict[str, list[MediaPart]]) -> list[Message]:
        """The messages: ``<image>``, ``<audio>`` and ``<video>`` in the rendered prompt become that kind's
        next part (``<image 2>``: its second); parts no placeholder names go first."""
        messages: list[Message] = []
        if self._system is not None:
            messages.append(Message("system", [TextPart(self._system.render(**variables))]))
        text = self._user.render(**variables)
        parts: list[Part] = []
        used: dict[str, set[int]] = {kind: set() for kind in MEDIA_KINDS}
        following = dict.fromkeys(MEDIA_KINDS, 0)
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            before = text[pos:m.start()]
            if before.strip():
                parts.append(TextPart(before.strip("\n") if parts else before.lstrip("\n").rstrip("\n")))
            pos = m.end()
            kind = m.group(1)
            items = media.get(kind, [])
            idx = int(m.group(2)) - 1 if m.group(2) else following[kind]
            if 0 <= idx < len(items):
                parts.append(items[idx])
                used[kind].add(idx)
            following[kind] = idx + 1
        tail = text[pos:]
        if tail.strip():
            parts.append(TextPart(tail.strip("\n")))
        # Media the template does not place go first, the common convention of chat templates.
        leading: list[Part] = [p for kind in MEDIA_KINDS for i, p in enumerate(media.get(kind, [])) if i not in used[kind]]
        messages.append(Message("user", leading + parts))
        return messages

    def plan(self, index: int, row: dict[str, Any]) -> Sample:
        """The sample of one row, untransformed."""
        return self.plan_variants(index, row)[0]

    def plan_variants(self, index: int, row: dict[str, Any], transforms: Sequence[Transform] = ()) -> list[Sample]:
        """The samples of one row: one, or one per variant when the task declares a transform."""
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
            joiner = LABEL_SEPARATOR if is_multi_label(path) else ", "  # labels of a path[*] field, else one combined value
            subgroups[path] = joiner.join(map(str, value)) if isinstance(value, list) else str(value)
        sample = Sample(index, sample_id, None, references, choices, subgroups)
        if f.cluster:
            sample.cluster = str(get_path(row, f.cluster))
        if f.group:
            sample.group = str(get_path(row, f.group))  # its size is counted over the planned samples
        sample.metadata = {name: get_path(row, p) for name, p in f.metadata.items()}
        root = self._media_root()
        try:
            image_paths = [f.image] if isinstance(f.image, str) else (f.image or [])
            media: dict[str, list[MediaPart]] = {
                "image": [image_part(v, root) for v in (get_path(row, p) for p in image_paths) if v is not None],
                "audio": [audio_part(get_path(row, f.audio), root)] if f.audio else [],
                "video": [replace(video_part(get_path(row, f.video), root), sampling=self._sampling(row))] if f.video else [],
            }
        except MediaError as e:
            sample.error = f"media: {e}"
            return [sample]
        if spec.condition is not None:  # the robustness condition travels with each medium (its key, its decoding)
            media = {kind: [replace(p, condition=spec.condition) for p in parts] for kind, parts in media.items()}
        variables: dict[str, Any] = {name: get_path(row, p) for name, p in f.extra.items()}
        variables["question"] = str(get_path(row, f.question)) if f.question else ""
        variables["choices"] = choices or []
        variables["options"] = format_options(choices or [])
        variables["letters"] = option_letters(len(choices or []))
        variables["id"] = sample_id
        variants = [Variant("")]
        for transform in transforms:
            variants = [v for base in variants for v in transform.expand(sample_id, base.fields or Fields(choices, references))]
        out = []
        for v in variants:
            s = sample if len(variants) == 1 else replace(sample, id=f"{sample_id}#{v.name}", variant=v.name, group=sample_id, group_size=len(variants))
            if v.fields is not None:
                s.choices, s.references = v.fields.choices, v.fields.references
                variables.update(choices=s.choices or [], options=format_options(s.choices or []), letters=option_letters(len(s.choices or [])))
            try:
                messages = self._render(variables, media)
            except jinja2.UndefinedError as e:
                raise SpecError(f"{spec.source_file or spec.name}: prompt: {e.message}") from None
            s.request = Request(id=s.id, messages=messages, generation=spec.generation, variant=v.params or None)
            out.append(s)
        return out

    def plan_rows(self, rows: Iterator[tuple[int, dict[str, Any]]], transforms: Sequence[Transform] = ()) -> Iterator[Sample]:
        for index, row in rows:
            yield from self.plan_variants(index, row, transforms)
