"""Finding tasks and suites by name, in the installed wheel or a source checkout.

Task files are located by file name (``<name>.yaml`` anywhere under the task
root) and parsed only when asked for: nothing is scanned at import. A family
file (``variants:``) is indexed by its variants' names; finding those parses
only the files that have a top-level ``variants:`` line, once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from evals.errors import SpecError
from evals.names import did_you_mean
from evals.spec.task import SuiteSpec, TaskSpec, family_task_names, load_suite_file, load_task_file

_VARIANTS_LINE = re.compile(rb"^variants[ \t]*:", re.MULTILINE)
_PATH_AND_VARIANT = re.compile(r"^(.+\.ya?ml):([^/\\:]+)$")
"""``tasks/vqa/pope.yaml:pope_popular``: one variant of a family file given by path."""


def tasks_root() -> Path:
    """``evals/tasks`` inside a wheel, else the top-level ``tasks/`` of a source checkout."""
    here = Path(__file__).resolve().parent.parent  # the evals package
    for candidate in (here / "tasks", here.parent / "tasks"):
        if candidate.is_dir():
            return candidate
    raise SpecError(f"no task directory found next to {here}")


def _names_in(path: Path) -> tuple[list[str], bool]:
    """The task names a file defines and whether it is a family; a plain file's name is its stem (checked at load)."""
    if not _VARIANTS_LINE.search(path.read_bytes()):
        return [path.stem], False
    return family_task_names(path, shipped=True), True


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, Path], dict[str, Path], dict[str, Path]]:
    """(task name -> file, suite name -> file, family name -> file), built on first use."""
    root = tasks_root()
    tasks: dict[str, Path] = {}
    suites: dict[str, Path] = {}
    families: dict[str, Path] = {}
    for path in sorted(root.rglob("*.yaml")):
        if "data" in path.relative_to(root).parts:
            continue
        if path.parent.name == "suites":
            names, target = [path.stem], suites
        else:
            names, family = _names_in(path)
            target = tasks
            if family:
                families[path.stem] = path
        for name in names:
            if name in target:
                raise SpecError(f"{path}: name {name!r} is also defined by {target[name]}")
            target[name] = path
    return tasks, suites, families


def task_names() -> list[str]:
    """Every task in the catalogue, variants of families included, sorted."""
    return sorted(_index()[0])


def suite_names() -> list[str]:
    """Every suite in the catalogue, sorted."""
    return sorted(_index()[1])


def is_gated(path: str) -> bool:
    """Whether any catalogue task marks the Hub dataset ``path`` as gated.

    Gating belongs to the repo, not to a task; a task that predates its repo's mark keeps its hash (``gated`` is
    part of it) and still gets the gated message through its siblings.
    """
    for name in task_names():
        try:
            spec = load_task(name)
        except SpecError:
            continue
        if spec.dataset.path == path and spec.dataset.gated:
            return True
    return False


def load_task(name_or_path: str) -> TaskSpec:
    """A task by name, by the path of a YAML file, or as ``path.yaml:variant`` for one task of a family file."""
    if name_or_path.endswith((".yaml", ".yml")):
        return load_task_file(name_or_path)
    m = _PATH_AND_VARIANT.match(name_or_path)
    if m:
        return load_task_file(m.group(1), variant=m.group(2))
    tasks, _, families = _index()
    if name_or_path not in tasks:
        if name_or_path in families:
            raise SpecError(f"{families[name_or_path]}: {name_or_path!r} is a family of tasks, not a task; "
                            f"its tasks are {', '.join(family_task_names(families[name_or_path]))}")
        raise SpecError(f"unknown task {name_or_path!r}{did_you_mean(name_or_path, list(tasks))}; `omnieval tasks` lists them")
    path = tasks[name_or_path]
    stat = path.stat()
    spec = _shipped_task(path, name_or_path if path in families.values() else None, (stat.st_mtime_ns, stat.st_size))
    if spec.name != name_or_path:
        raise SpecError(f"{path}: name: {spec.name!r} does not match the file name {name_or_path!r}")
    return spec


@lru_cache(maxsize=None)
def _shipped_task(path: Path, variant: str | None, stamp: tuple[int, int]) -> TaskSpec:
    """A catalogue task, validated once per process and file version (``stamp``: its mtime and size): specs are
    frozen, and listing, checking and running the catalogue each load every task (1 s for the 388)."""
    return load_task_file(path, variant=variant, shipped=True)


def load_suite(name_or_path: str) -> SuiteSpec:
    """A suite by name, or by the path of a YAML file."""
    if name_or_path.endswith((".yaml", ".yml")):
        return load_suite_file(name_or_path)
    suites = _index()[1]
    if name_or_path not in suites:
        raise SpecError(f"unknown suite {name_or_path!r}{did_you_mean(name_or_path, list(suites))}; known: {', '.join(suites)}")
    return load_suite_file(suites[name_or_path])


def spec_source(spec: TaskSpec) -> dict:
    """How to load ``spec`` again (a run's manifest records it; ``omnieval rescore`` and the leaderboard's viewer read
    it through ``recorded_spec``): the task it was made from, its file, and what the run changed: a robustness
    condition, generation settings (``--max-new-tokens``)."""
    base = spec.derived_from or spec.name
    out: dict = {"task": base, "file": spec.source_file}
    if spec.condition is not None:
        out["condition"] = spec.condition
    if spec.derived_from is not None:
        out["generation"] = spec.generation.identity()
    return out


_CONDITION_SUFFIX = re.compile(r"^(?P<base>.+)\.(?P<name>[a-z_]+)_(?P<value>-?[0-9][0-9.e+-]*)$")


def recorded_spec(task: str, entry: dict | None = None) -> TaskSpec:
    """The spec of ``task`` as a run recorded it (``entry``: its manifest entry, ``spec_source`` there): the task it
    was made from, by name from the catalogue as it is now (so edited scorers take effect), else from the file the run
    recorded, with the run's condition and generation settings applied again. The one reader of a task's spec source:
    rescore and the leaderboard's viewer both call it. A ``SpecError`` says what could not be found."""
    from evals.spec.conditions import CONDITIONS
    from evals.spec.task import load_task_family, under_condition, with_generation

    entry = entry or {}
    source = entry.get("spec_source")
    if source is None:  # runs made before the source was recorded: a condition task is named <task>.<condition>_<value>
        source = {"task": task, "file": entry.get("source_file")}
        m = _CONDITION_SUFFIX.match(task)
        if m and m["name"] in CONDITIONS:
            source.update(task=m["base"], condition=f"{m['name']}:{m['value']}")
    base_name, file = source["task"], source.get("file")
    try:
        spec = load_task(base_name)
    except SpecError:
        if not file or not Path(file).is_file():
            raise SpecError(f"task {task!r}: {base_name!r} is neither in the catalogue nor at its recorded file {file}; "
                            "pass --task FILE") from None
        found = [s for s in load_task_family(file) if s.name == base_name]
        if not found:
            raise SpecError(f"task {task!r}: its recorded file {file} no longer defines {base_name!r}") from None
        spec = found[0]
    if source.get("generation"):
        spec = with_generation(spec, **source["generation"])
    if source.get("condition"):
        spec = under_condition(spec, source["condition"])
    if spec.name != task:
        raise SpecError(f"task {task!r}: its recorded source makes a task named {spec.name!r}")
    return spec


def kind_text(spec: TaskSpec) -> str:
    """A task's kind as the catalogue and ``omnieval tasks`` show it: ``mcq (circular)``, ``mcq (grouped) (judged,
    optional)``: its transforms, grouped copies and judge."""
    judged = "" if spec.judge is None else " (judged, optional)" if spec.judge.optional else " (judged)"
    return spec.kind + "".join(f" ({t.name})" for t in spec.transforms) + (" (grouped)" if spec.fields.group else "") + judged


def catalogue_row(spec: TaskSpec) -> list[str]:
    """One row of tasks/CATALOGUE.md, worked out from the spec: task, modality, kind, dataset (config, loader,
    gated), split, primary scorer (its primary metric, and how it is averaged when a scorer option says), subgroups."""
    ds = spec.dataset
    dataset = f"`{ds.path}`" + (f" ({ds.name})" if ds.name else "") + (f" · loader `{ds.loader}`" if ds.loader else "") \
        + (" · gated" if ds.gated else "")
    if spec.submission is not None:  # answers withheld: the benchmark's server scores the file the run writes
        return [spec.name, spec.modality, kind_text(spec), dataset, ds.split, submission_text(spec), ", ".join(spec.fields.subgroups) or "—"]
    primary = spec.primary_metric
    scorer = next((s for s in spec.scorers if s.name == _primary_scorer(spec)), spec.scorers[0])
    over = (scorer.options or {}).get("macro_over")
    metric = f"{scorer.name} ({primary}{f': mean over {over}' if over else ''})"
    return [spec.name, spec.modality, kind_text(spec), dataset, ds.split, metric, ", ".join(spec.fields.subgroups) or "—"]


def submission_text(spec: TaskSpec) -> str:
    """What scores a task whose answers are withheld, as the catalogue and ``omnieval tasks`` say it."""
    return f"submitted: {spec.submission.format} file, scored by its server"


def _primary_scorer(spec: TaskSpec) -> str:
    from evals.scoring.registry import get_scorer

    return next((s.name for s in spec.scorers if spec.primary_metric in get_scorer(s.name).metrics), spec.scorers[0].name)


def catalogue_table() -> list[str]:
    """The Markdown table of every catalogue task (tasks/CATALOGUE.md holds it; a test checks they agree)."""
    head = ["| task | modality | kind | dataset (config) | split | metric (primary) | subgroups |", "|---|---|---|---|---|---|---|"]
    return head + ["| " + " | ".join(catalogue_row(load_task(name))) + " |" for name in sorted(task_names())]


def suite_lines() -> list[str]:
    """tasks/CATALOGUE.md's list of suites: each suite's tasks, conditions and how its figure is averaged."""
    out = []
    for name in suite_names():
        suite = load_suite(name)
        extra = [f"conditions: {', '.join(suite.conditions)}"] if suite.conditions else []
        agg = suite.aggregate
        if agg != type(agg)():
            extra.append("figure: " + ", ".join(f"{k} {v}" for k, v in agg.model_dump().items() if v != type(agg)().model_dump()[k]))
        out.append(f"- **{name}**: {', '.join(suite.tasks)}" + (f" ({'; '.join(extra)})" if extra else ""))
    return out


def _replace_block(lines: list[str], first: int, is_block, new: list[str]) -> None:
    end = first
    while end < len(lines) and is_block(lines[end]):
        end += 1
    lines[first:end] = new


def write_catalogue(path: Path | None = None) -> Path:
    """Rewrite the table and the suite list of tasks/CATALOGUE.md from the specs (``python -m evals.spec.catalog --write``)."""
    path = path or tasks_root() / "CATALOGUE.md"
    lines = path.read_text().splitlines()
    _replace_block(lines, next(i for i, line in enumerate(lines) if line.startswith("| task |")), lambda x: x.startswith("|"), catalogue_table())
    _replace_block(lines, next(i for i, line in enumerate(lines) if line.startswith("- **")), lambda x: x.startswith("- **"), suite_lines())
    path.write_text("\n".join(lines) + "\n")
    return path


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m evals.spec.catalog --write   (rewrites the table of tasks/CATALOGUE.md from the task files)")
    print(f"wrote {write_catalogue()}")
