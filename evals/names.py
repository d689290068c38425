"""Names that become paths: task names are validated, anything else from a run is made safe before it touches the filesystem."""

from __future__ import annotations

import re

_TASK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def task_name_problem(name: str, what: str = "task name") -> str | None:
    """Why ``name`` cannot be a task name (it names files in run directories and reports), or None.

    Run ids are held to the same rule (``what="run id"``): both become file and folder names."""
    if not isinstance(name, str) or not _TASK_NAME.match(name) or ".." in name:
        return f"{what} {name!r} must be 1-128 letters, digits, '.', '_' or '-', start with a letter or digit and contain no '..'"
    return None


def safe_name(name: str) -> str:
    """A file name from any string out of a run (a task or model name read from disk may hold anything)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "task"


def did_you_mean(name: str, known: "list[str] | tuple[str, ...]") -> str:
    """`` (did you mean beam_size?)`` for the known names closest to a misspelled ``name``; empty when none is close."""
    import difflib

    near = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(near)}?)" if near else ""
