"""The grammar of column paths in a task's field map, checked when the spec loads.

A path is names joined by ``.``, each optionally followed by ``[*]`` (every
element of a list) or ``[N]`` (one element): ``answers[*].answer``,
``types.structural``, ``choices[0]``. The planner (``evals.run.plan.get_path``)
reads rows with the same grammar; checking it here turns a typo into an error
at load instead of a wrong lookup in the middle of a run.
"""

from __future__ import annotations

import re

_SEGMENT = r"[^.\[\]]+(?:\[\*\]|\[\d+\])?"
_PATH = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")


def column_path_problem(path: str) -> str | None:
    """Why ``path`` is not a column path, or None."""
    if _PATH.fullmatch(path):
        return None
    return (f"bad column path {path!r}: expected names joined by '.', each optionally followed by "
            f"[*] or [N] (e.g. answers[*].answer)")
