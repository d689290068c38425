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
from evals.data.source import ROW_ERROR
from evals.scoring.task import LABEL_SEPARATOR, is_multi_label
from evals.spec.preprocess import get_preprocessor, option_letters
from evals.requests import MEDIA_KINDS, GenerationSettings, MediaPart, Message, Part, Request, TextPart, VideoSampling, describe_messages
from evals.run.transforms import Fields, Transform, Variant
from evals.spec.conditions import BABBLE_TALKERS, CONDITIONS, parse_condition
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


class RowFault(Exception):
    """One row cannot be planned; the message (``fields.references (answer): ...``) becomes that sample's error."""


def _fault(e: BaseException) -> str:
    if isinstance(e, KeyError):
        return f"column {e.args[0]!r} is missing" if e.args else "a column is missing"
    return f"{type(e).__name__}: {e}".splitlines()[0][:300]


_ROW_FAULTS = (KeyError, IndexError, TypeError, ValueError, AttributeError)
"""What a malformed value (a missing or null column, text where a number belongs) raises while a row is read."""


def read_field(row: Any, role: str, path: str) -> Any:
    """``get_path`` for the field ``role``; a value the row lacks is a ``RowFault`` naming the field and its column."""
    try:
        return get_path(row, path)
    except _ROW_FAULTS as e:
        raise RowFault(f"fields.{role} ({path}): {_fault(e)}") from None


def _seconds(value: Any, role: str, path: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RowFault(f"fields.{role} ({path}): {value!r} is not a number of seconds") from None


def _as_text_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _history(value: Any, path: str) -> list[Message]:
    """``fields.history``'s earlier turns as messages: a list of ``{role: user | assistant, content: text}``."""
    if not isinstance(value, (list, tuple)):
        raise RowFault(f"fields.history ({path}): {type(value).__name__} is not a list of turns")
    out = []
    for turn in value:
        role, content = (turn.get("role"), turn.get("content")) if isinstance(turn, dict) else (None, None)
        if role not in ("user", "assistant") or not isinstance(content, str):
            raise RowFault(f"fields.history ({path}): {str(turn)[:80]!r} is not {{role: user | assistant, content: text}}")
        out.append(Message(role, [TextPart(content)]))
    return out


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
        self.mix: tuple[MediaPart, ...] = ()
        """For a condition that mixes (babble): the task's clips it draws from (``mix_pool``)."""
        # What the data lacks that a run can do without: the id column (the row index stands in) and subgroup
        # columns (left out of the report); each is a note in the results, never a failure.
        # Known before any row only when rows reach the field map as the source lists them (no preprocessor adds any).
        self.absent: set[str] = set(self._absent_optional(self._columns)) if self._columns and not spec.preprocess else set()
        self._seen_ids: set[str] = set()
        self.n_repeated_ids = 0
        self.n_null_ids = 0

    def _sampling(self, row: dict[str, Any]) -> VideoSampling:
        """The task's frame sampling, within the row's segment when the task names its columns."""
        v, f = self.spec.video, self.spec.fields
        assert v is not None
        start = _seconds(read_field(row, "video_start", f.video_start), "video_start", f.video_start) if f.video_start else None
        end = _seconds(read_field(row, "video_end", f.video_end), "video_end", f.video_end) if f.video_end else None
        sound = None
        if f.video_audio and v.audio:
            cell = get_path(row, f.video_audio)
            # A loader's file as it is; a row's path only inside the dataset's root; a loader's "missing" says why.
            sound = str(cell) if isinstance(cell, LoaderFile) else audio_part(cell, self._media_root()).path
        duration = _seconds(read_field(row, "video_duration", f.video_duration), "video_duration", f.video_duration) if f.video_duration else None
        return VideoSampling(frames=v.frames, fps=v.fps, max_frames=v.max_frames, start_s=start, end_s=end, audio=v.audio, audio_file=sound,
                             duration_s=duration)

    @staticmethod
    def _frame_parts(video: MediaPart) -> list[MediaPart]:
        """``video.frames_as_images``: each frame the video's sampling picks, an image part (its position among the
        sampled frames in its key) for the prompt's ``<image>`` placeholders to place."""
        sampling = video.sampling
        count = sampling.stepped_count() if sampling.duration_s is not None else sampling.frames  # type: ignore[union-attr]
        return [replace(video, kind="image", frame=k) for k in range(max(count or 0, 0))]  # none under 1 s, as lmms-eval sends

    def _media_root(self) -> Path:
        """Media files of rows are read only inside the dataset's root: its data_dir, else the task file's folder."""
        spec = self.spec
        return self._base_dir / spec.dataset.data_dir if spec.dataset.data_dir else self._base_dir

    def _field_paths(self) -> dict[str, str]:
        f = self.spec.fields
        paths: dict[str, str] = {}
        for role in ("id", "audio", "video", "video_start", "video_end", "video_audio", "video_duration", "question", "choices", "references", "cluster", "group", "history"):
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

    def _absent_optional(self, columns: Sequence[str]) -> list[str]:
        """The id and subgroup paths whose column is not among ``columns``."""
        f = self.spec.fields
        optional = ([f.id] if f.id else []) + list(f.subgroups)
        return [p for p in optional if _PATH_TOKEN.match(p).group(1) not in columns]  # type: ignore[union-attr]

    def column_notes(self) -> list[str]:
        """What the results say about columns the data lacks and ids it repeats or leaves empty."""
        f, notes = self.spec.fields, []
        if f.id and f.id in self.absent:
            notes.append(f"fields.id: column {f.id!r} is not in the data: each sample's id is its row index")
        notes.extend(f"fields.subgroups: column {p!r} is not in the data: no {p} breakdown" for p in f.subgroups if p in self.absent)
        if self.n_null_ids:
            notes.append(f"fields.id: {self.n_null_ids} row(s) have no {f.id!r}: their id is their row index")
        if self.n_repeated_ids:
            notes.append(f"fields.id: {self.n_repeated_ids} row(s) repeat an earlier {f.id!r}: their id is <id>#<row index> "
                         f"(a task whose ids repeat by design declares fields.id_with_index)")
        return notes

    def _check_columns(self, row: dict[str, Any]) -> None:
        where = self.spec.source_file or self.spec.name
        # The source's columns count too: a JSON-lines row may lack a key other rows have (that row's error, below).
        known = {*row, *self._columns}
        self.absent |= set(self._absent_optional(sorted(known)))
        for key, path in self._field_paths().items():
            root = _PATH_TOKEN.match(path).group(1)  # type: ignore[union-attr]
            if root not in known and path not in self.absent:
                raise DataError(
                    f"{where}: {key}: column {root!r} is not in dataset {self.spec.dataset.path} "
                    f"(columns: {', '.join(sorted(row))})"
                )
        self._checked = True

    def _sample_id(self, index: int, row: dict[str, Any]) -> str:
        """The id column's value, unique within the run: ``<id>#<index>`` when the task says its ids repeat, or for a
        repeat nobody declared (every join by id, from paired tests to resume, needs one sample per id); the row
        index when the column is absent or the row's value is null."""
        f = self.spec.fields
        if not f.id or f.id in self.absent:
            return str(index)
        try:
            value = get_path(row, f.id)
        except _ROW_FAULTS:
            value = None
        if value is None or str(value) == "":
            self.n_null_ids += 1
            return str(index)
        sid = f"{value}#{index}" if f.id_with_index else str(value)
        if sid in self._seen_ids:
            self.n_repeated_ids += 1
            sid = f"{value}#{index}"
        self._seen_ids.add(sid)
        return sid

    def _render(self, variables: dict[str, Any], media: dict[str, list[MediaPart]], history: Sequence[Message] = ()) -> list[Message]:
        """The messages: ``<image>``, ``<audio>`` and ``<video>`` in the rendered prompt become that kind's
        next part (``<image 2>``: its second); parts no placeholder names go first, in the first user turn (the
        conversation's first, when ``history`` holds earlier turns)."""
        messages: list[Message] = []
        if self._system is not None:
            messages.append(Message("system", [TextPart(self._system.render(**variables))]))
        messages.extend(history)
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
        first_user = next((k for k, m in enumerate(messages) if m.role == "user"), None)
        if leading and first_user is not None:
            messages[first_user] = Message("user", leading + list(messages[first_user].content))
            leading = []
        messages.append(Message("user", leading + parts))
        return messages

    def plan(self, index: int, row: dict[str, Any]) -> Sample:
        """The sample of one row, untransformed."""
        return self.plan_variants(index, row)[0]

    def plan_variants(self, index: int, row: dict[str, Any], transforms: Sequence[Transform] = ()) -> list[Sample]:
        """The samples of one row: one, or one per variant when the task declares a transform.

        A malformed row (a missing or null column, an answer not among its choices, no references, a loader's
        unreadable line) is that row's sample error, naming the field and column; the task goes on.
        """
        if ROW_ERROR in row:
            return [Sample(index, str(index), None, [], error=f"row: {row[ROW_ERROR]}")]
        if self._preprocess is not None:
            try:
                row = self._preprocess(row)
            except _ROW_FAULTS as e:
                return [Sample(index, self._sample_id(index, row), None, [], error=f"row: preprocess {self.spec.preprocess}: {_fault(e)}")]
        if not self._checked:
            self._check_columns(row)
        sample_id = self._sample_id(index, row)
        try:
            return self._plan_row(index, sample_id, row, transforms)
        except RowFault as e:
            return [Sample(index, sample_id, None, [], error=f"row: {e}")]

    def _plan_row(self, index: int, sample_id: str, row: dict[str, Any], transforms: Sequence[Transform]) -> list[Sample]:
        spec, f = self.spec, self.spec.fields
        references = _as_text_list(read_field(row, "references", f.references)) if f.references else []
        if f.references and not any(r.strip() for r in references):
            raise RowFault(f"fields.references ({f.references}): no reference (empty or null)")
        choices = _as_text_list(read_field(row, "choices", f.choices)) if f.choices else None
        if choices and all(len(r.strip()) == 1 and r.strip().isupper() for r in references):
            # A letter answer names an option: one past the last option is an answer not among the choices.
            outside = [r for r in references if r.strip() not in option_letters(len(choices))]
            if outside:
                raise RowFault(f"fields.references ({f.references}): {outside[0]!r} is not among the {len(choices)} choices "
                               f"(fields.choices: {f.choices})")
        subgroups = {}
        for path in f.subgroups:
            if path in self.absent:
                continue
            try:
                value = get_path(row, path)
            except _ROW_FAULTS:
                value = None  # a row without the value is in the "None" group, as a null cell is
            joiner = LABEL_SEPARATOR if is_multi_label(path) else ", "  # labels of a path[*] field, else one combined value
            subgroups[path] = joiner.join(map(str, value)) if isinstance(value, list) else str(value)
        sample = Sample(index, sample_id, None, references, choices, subgroups)
        if f.cluster:
            sample.cluster = str(read_field(row, "cluster", f.cluster))
        if f.group:
            sample.group = str(read_field(row, "group", f.group))  # its size is counted over the planned samples
        sample.metadata = {name: read_field(row, f"metadata.{name}", p) for name, p in f.metadata.items()}
        root = self._media_root()
        image_paths = [f.image] if isinstance(f.image, str) else (f.image or [])
        try:
            media: dict[str, list[MediaPart]] = {
                "image": [image_part(v, root) for v in (read_field(row, "image", p) for p in image_paths) if v is not None],
                "audio": [audio_part(read_field(row, "audio", f.audio), root)] if f.audio else [],
                "video": [replace(video_part(read_field(row, "video", f.video), root), sampling=self._sampling(row))] if f.video else [],
            }
            if media["video"] and spec.video is not None and spec.video.frames_as_images:
                media["image"] += self._frame_parts(media["video"].pop())
        except MediaError as e:
            sample.error = f"media: {e}"
            return [sample]
        except _ROW_FAULTS as e:  # a segment bound that is no number, a cell that is no medium
            raise RowFault(f"media: {_fault(e)}") from None
        if spec.condition is not None:  # the robustness condition travels with each medium (its key, its decoding)
            media = {kind: [replace(p, condition=spec.condition, mix=self._mix_for(p)) for p in parts] for kind, parts in media.items()}
        history = _history(read_field(row, "history", f.history), f.history) if f.history else []
        variables: dict[str, Any] = {name: read_field(row, f"extra.{name}", p) for name, p in f.extra.items()}
        variables["question"] = str(read_field(row, "question", f.question)) if f.question else ""
        variables["choices"] = choices or []
        variables["options"] = format_options(choices or [])
        variables["letters"] = option_letters(len(choices or []))
        variables["id"] = sample_id
        variants = [Variant("")]
        try:
            for transform in transforms:
                variants = [v for base in variants for v in transform.expand(sample_id, base.fields or Fields(choices, references))]
        except _ROW_FAULTS as e:
            raise RowFault(f"transform: {_fault(e)}") from None
        out = []
        for v in variants:
            s = sample if len(variants) == 1 else replace(sample, id=f"{sample_id}#{v.name}", variant=v.name, group=sample_id, group_size=len(variants))
            if v.fields is not None:
                s.choices, s.references = v.fields.choices, v.fields.references
                variables.update(choices=s.choices or [], options=format_options(s.choices or []), letters=option_letters(len(s.choices or [])))
            try:
                messages = self._render(variables, media, history)
            except jinja2.UndefinedError as e:
                raise SpecError(f"{spec.source_file or spec.name}: prompt: {e.message}") from None
            except jinja2.TemplateError:
                raise
            except _ROW_FAULTS as e:  # a filter given a value of the wrong shape by this row
                raise RowFault(f"prompt: {_fault(e)}") from None
            s.request = Request(id=s.id, messages=messages, generation=spec.generation, variant=v.params or None)
            out.append(s)
        return out

    def _mix_for(self, part: MediaPart) -> tuple[MediaPart, ...]:
        """The pool's media of ``part``'s kind other than ``part`` itself, at most ``BABBLE_TALKERS``."""
        return tuple(q for q in self.mix if q.kind == part.kind and q.sha != part.sha)[:BABBLE_TALKERS]

    def plan_rows(self, rows: Iterator[tuple[int, dict[str, Any]]], transforms: Sequence[Transform] = ()) -> Iterator[Sample]:
        for index, row in rows:
            yield from self.plan_variants(index, row, transforms)


def mix_pool(spec: TaskSpec, data_dir: str | None) -> tuple[MediaPart, ...]:
    """What a mixing condition (babble) draws from: the media of the split's first rows, ``BABBLE_TALKERS`` + 1 distinct
    ones (a clip among them is mixed with the others). Read from the start of the split whatever ``--limit`` picks,
    so a sample's babble is the same in every run; empty when the task's condition does not mix."""
    if spec.condition is None or not CONDITIONS[parse_condition(spec.condition)[0]].mixes:
        return ()
    from evals.data.open import open_dataset

    clean = spec.model_copy(update={"condition": None})
    source = open_dataset(clean, data_dir)
    planner = RequestPlanner(clean, source.columns)
    pool: dict[str, MediaPart] = {}
    for index, row in source.rows:
        sample = planner.plan_variants(index, row)[0]
        for part in sample.request.media_parts if sample.error is None and sample.request is not None else []:
            if part.kind == spec.modality:
                pool.setdefault(part.sha, part)
        if len(pool) > BABBLE_TALKERS:
            break
    if len(pool) < 2:
        raise DataError(f"task {spec.name}: condition {spec.condition} mixes in other clips of the task, and it has fewer than two")
    return tuple(pool.values())
