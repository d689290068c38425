"""Reading task and suite YAML safely: bounded in size, depth and alias expansion, strict about duplicate keys.

Task files come from anyone who sends a pull request or a path on the command
line, so reading one must never hang, eat memory or silently drop a key:

- a file over ``MAX_BYTES`` is refused before it is parsed;
- bytes that are not UTF-8 are reported with their line and offset;
- a key repeated in one mapping is an error with its line (YAML would keep the
  last one and drop the first without a word);
- nesting deeper than ``MAX_DEPTH`` is refused while composing;
- aliases are counted as if expanded: a "billion laughs" document is a small
  graph for PyYAML but a billion nodes for everything that walks it after
  (pydantic, the spec hash), so the expanded size is bounded by ``MAX_NODES``.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from evals.errors import SpecError

MAX_BYTES = 1 << 20
"""A task or suite file is a page of text; anything larger is a mistake or an attack."""
MAX_DEPTH = 64
MAX_NODES = 100_000
"""Nodes after expanding aliases; the largest shipped task has a few hundred."""


class _Refused(yaml.MarkedYAMLError):
    """A document PyYAML could read but we will not (duplicate key, too deep, too large)."""


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that measures what it composes and refuses duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> node count with aliases expanded

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        mark = self.peek_event().start_mark
        is_alias = self.check_event(yaml.AliasEvent)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if not is_alias:  # an alias's node is measured where it was anchored (or is still being composed)
            self._sizes[id(node)] = self._expanded_size(node, mark)
        return node

    def _expanded_size(self, node: Node, mark: yaml.Mark) -> int:
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            return 1
        size = 1
        for child in children:
            if id(child) not in self._sizes:  # an alias to a node still being composed: it contains itself
                raise _Refused(problem="an alias refers to a node that contains it (recursive YAML)", problem_mark=mark)
            size += self._sizes[id(child)]
        if size > MAX_NODES:
            raise _Refused(problem=f"more than {MAX_NODES} nodes once aliases are expanded", problem_mark=mark)
        return size

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base` may legitimately repeat keys it merges
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the base constructor reports it
                continue
            if duplicate:
                raise _Refused(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SpecError(f"{path}:{line}: not UTF-8 text: byte 0x{data[e.start]:02x} at offset {e.start} (column {column})") from None


@functools.lru_cache(maxsize=512)
def _parse(text: str) -> Any:
    """The document ``text`` holds, parsed once per process: a family file's variants are loaded one by one (each reads
    the whole file), and the catalogue's index, ``omnieval tasks`` and the runner read the same files again. Keyed by
    the text itself, so an edited file is parsed afresh; a document that fails is not kept (the caller names its file)."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """Parse a task or suite file into a mapping; every problem is a ``SpecError`` naming the file (and line)."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)  # read no more than the limit, whatever the file claims to be
    except FileNotFoundError:
        raise SpecError(f"{path}: file not found") from None
    except OSError as e:
        raise SpecError(f"{path}: cannot read: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:
        raise SpecError(f"{path}: larger than {MAX_BYTES} bytes; a task or suite file is a page of YAML")
    text = _decode(path, data)
    try:
        value = copy.deepcopy(_parse(text))  # a copy: callers may change what they are given
    except _Refused as e:
        raise SpecError(f"{path}:{e.problem_mark.line + 1}: {e.problem}") from None
    except yaml.MarkedYAMLError as e:
        line = f":{e.problem_mark.line + 1}" if e.problem_mark else ""
        raise SpecError(f"{path}{line}: invalid YAML: {e}".replace("\n", " ")) from None
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: invalid YAML: {e}".replace("\n", " ")) from None
    if not isinstance(value, dict):
        raise SpecError(f"{path}: expected a mapping at the top level, got {type(value).__name__}")
    return value


def read_shipped_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """A file that ships with omnieval (the catalogue's own task files), parsed by libyaml when PyYAML has it.

    The catalogue's index reads every family file in each process that names a task, and the bounded reader takes
    about 1.4 s for them where libyaml takes 0.08 s; ``load_task`` of a catalogue name reads its file this way too.
    The bounds guard against files from anyone; these files are part of the package (whoever can change them can
    change the code), and the test suite checks that both readers give the same mapping for every one of them.
    Anything libyaml cannot read, or reads as something other than a mapping, is read again by
    ``read_yaml_mapping``, whose error names the line.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            data = yaml.load(Path(path).read_bytes().decode("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            data = None
        if isinstance(data, dict):
            return data
    return read_yaml_mapping(path)

