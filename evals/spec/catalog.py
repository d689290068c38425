"""Finding tasks and suites by name, in the installed wheel or a source checkout.

Task files are located by file name (``<name>.yaml`` anywhere under the task
root) and parsed only when asked for: nothing is scanned at import.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from evals.errors import SpecError
from evals.spec.task import SuiteSpec, TaskSpec, load_suite_file, load_task_file


def tasks_root() -> Path:
    """``evals/tasks`` inside a wheel, else the top-level ``tasks/`` of a source checkout."""
    here = Path(__file__).resolve().parent.parent  # the evals package
    for candidate in (here / "tasks", here.parent / "tasks"):
        if candidate.is_dir():
            return candidate
    raise SpecError(f"no task directory found next to {here}")


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, Path], dict[str, Path]]:
    root = tasks_root()
    tasks: dict[str, Path] = {}
    suites: dict[str, Path] = {}
    for path in sorted(root.rglob("*.yaml")):
        if "data" in path.relative_to(root).parts:
            continue
        target = suites if path.parent.name == "suites" else tasks
        if path.stem in target:
            raise SpecError(f"{path}: name {path.stem!r} is also defined by {target[path.stem]}")
        target[path.stem] = path
    return tasks, suites


def task_names() -> list[str]:
    return sorted(_index()[0])


def suite_names() -> list[str]:
    return sorted(_index()[1])


def _closest(name: str, known: list[str]) -> str:
    import difflib

    near = difflib.get_close_matches(name, known, n=3)
    return f" (did you mean {', '.join(near)}?)" if near else ""


def load_task(name_or_path: str) -> TaskSpec:
    """A task by name, or by the path of a YAML file."""
    if name_or_path.endswith((".yaml", ".yml")):
        return load_task_file(name_or_path)
    tasks = _index()[0]
    if name_or_path not in tasks:
        raise SpecError(f"unknown task {name_or_path!r}{_closest(name_or_path, list(tasks))}; `omnieval tasks` lists them")
    spec = load_task_file(tasks[name_or_path])
    if spec.name != name_or_path:
        raise SpecError(f"{tasks[name_or_path]}: name: {spec.name!r} does not match the file name {name_or_path!r}")
    return spec


def load_suite(name_or_path: str) -> SuiteSpec:
    if name_or_path.endswith((".yaml", ".yml")):
        return load_suite_file(name_or_path)
    suites = _index()[1]
    if name_or_path not in suites:
        raise SpecError(f"unknown suite {name_or_path!r}{_closest(name_or_path, list(suites))}; known: {', '.join(suites)}")
    return load_suite_file(suites[name_or_path])
