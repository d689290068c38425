"""The 2026 model cards' benchmarks and the catalogue tasks that run them: data decided once, a coverage figure.

``tasks/data/model_cards.yaml`` lists, for each card, the benchmarks its tables report and, for each (card, benchmark)
pair, the tasks (or suites) that run it in the card's split, version and protocol, or ``null`` with a one-line reason.
This module reads that file, checks every name it gives against the live catalogue, and works out the coverage:
pairs covered / pairs. ``omnieval tasks cards`` prints it; the "Model cards" section of docs/benchmarks.md is
``coverage_markdown()`` (``python -m evals.spec.model_cards --write`` rewrites it; a test checks they agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from evals.errors import SpecError
from evals.spec.catalog import suite_names, task_names, tasks_root
from evals.spec.task import _format_validation_error
from evals.spec.yaml_io import read_yaml_mapping

DOCS_START = "<!-- model-cards:start (python -m evals.spec.model_cards --write) -->"
DOCS_END = "<!-- model-cards:end -->"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CardBenchmark(_Frozen):
    """One (card, benchmark) pair: the tasks that run it as the card reports it, or why none does."""

    benchmark: str
    tasks: list[str] | None
    reason: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _tasks_or_reason(self) -> "CardBenchmark":
        if self.tasks is None and not self.reason:
            raise ValueError(f"{self.benchmark!r}: tasks is null, so a reason is needed")
        if self.tasks is not None and (not self.tasks or self.reason):
            raise ValueError(f"{self.benchmark!r}: give a non-empty task list and no reason, or tasks: null and a reason")
        return self


class ModelCard(_Frozen):
    """A card: where its tables were read, how (``text``, ``transcription`` or ``memory``), its in-scope benchmarks
    and, by name only, the rows left out of the figure (text-only inputs, speech output)."""

    card: str
    model: str
    source: str
    read: Literal["text", "transcription", "memory"]
    benchmarks: list[CardBenchmark]
    out_of_scope: list[str] = []


class ModelCards(_Frozen):
    version: Literal[1]
    cards: list[ModelCard]


def model_cards_path() -> Path:
    """``tasks/data/model_cards.yaml`` (``evals/tasks/data/`` in a wheel): beside the tasks, out of the task index."""
    return tasks_root() / "data" / "model_cards.yaml"


def load_model_cards(path: str | Path | None = None) -> ModelCards:
    """The cards file, validated; a bad file is a ``SpecError`` naming the file and the key."""
    path = Path(path) if path is not None else model_cards_path()
    try:
        return ModelCards.model_validate(read_yaml_mapping(path))
    except ValidationError as e:
        raise SpecError(_format_validation_error(path, e)) from None


def expand_task_names(entry: str, tasks: list[str], suites: list[str]) -> list[str]:
    """The catalogue names one entry stands for: a task or a suite as it is, ``prefix_*`` every task with that prefix.
    Nothing matching is an empty list."""
    if entry.endswith("*"):
        return [t for t in tasks if t.startswith(entry[:-1])]
    return [entry] if entry in tasks or entry in suites else []


def unknown_task_names(cards: ModelCards) -> list[str]:
    """``card: benchmark: entry`` for each task entry the catalogue does not have (nothing when the file is sound)."""
    tasks, suites = task_names(), suite_names()
    return [f"{c.card}: {b.benchmark}: {name}" for c in cards.cards for b in c.benchmarks for name in (b.tasks or [])
            if not expand_task_names(name, tasks, suites)]


@dataclass(frozen=True)
class CardCoverage:
    card: str
    model: str
    read: str
    covered: int
    pairs: int
    missing: list[tuple[str, str]]  # (benchmark, reason)
    out_of_scope: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.covered / self.pairs if self.pairs else None


@dataclass(frozen=True)
class Coverage:
    cards: list[CardCoverage]

    @property
    def covered(self) -> int:
        return sum(c.covered for c in self.cards)

    @property
    def pairs(self) -> int:
        return sum(c.pairs for c in self.cards)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.pairs


def card_coverage(path: str | Path | None = None) -> Coverage:
    """Pairs covered / pairs, per card and overall, from the cards file at ``path`` (default ``model_cards_path()``).
    A pair is covered when it names tasks; every name must be in the live catalogue (a ``SpecError`` names the file
    and lists those that are not, so the file cannot drift from the tasks)."""
    path = Path(path) if path is not None else model_cards_path()
    cards = load_model_cards(path)
    unknown = unknown_task_names(cards)
    if unknown:
        raise SpecError(f"{path}: not in the catalogue: " + "; ".join(unknown))
    return Coverage([CardCoverage(c.card, c.model, c.read, sum(b.tasks is not None for b in c.benchmarks), len(c.benchmarks),
                                  [(b.benchmark, b.reason or "") for b in c.benchmarks if b.tasks is None], len(c.out_of_scope))
                     for c in cards.cards])


def _percent(covered: int, pairs: int) -> str:
    return f"{100.0 * covered / pairs:.1f}%" if pairs else "—"


def coverage_markdown(coverage: Coverage | None = None) -> list[str]:
    """The "Model cards" block of docs/benchmarks.md: the overall figure, the per-card table, the pairs not covered."""
    cov = coverage if coverage is not None else card_coverage()
    lines = [f"**{cov.covered} of {cov.pairs} (card, benchmark) pairs covered: {cov.percent:.1f}%** "
             f"(`omnieval tasks cards`; data: `tasks/data/model_cards.yaml`).", "",
             "| card | model | read from | covered | pairs | % | left out (text-only, speech output) |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {c.card} | `{c.model}` | {c.read} | {c.covered} | {c.pairs} | {_percent(c.covered, c.pairs)} | {c.out_of_scope} |"
              for c in cov.cards]
    lines += ["", "Pairs not covered, and why:", ""]
    lines += [f"- {c.card}: " + "; ".join(f"{b} ({r})" for b, r in c.missing) for c in cov.cards if c.missing]
    return lines


def write_docs(path: Path | None = None) -> Path:
    """Rewrite the block between the markers in docs/benchmarks.md from the data file."""
    path = path or tasks_root().parent / "docs" / "benchmarks.md"
    text = path.read_text()
    m = re.search(re.escape(DOCS_START) + r"\n.*?" + re.escape(DOCS_END), text, re.DOTALL)
    if m is None:
        raise SpecError(f"{path}: no {DOCS_START} ... {DOCS_END} block")
    block = "\n".join([DOCS_START, *coverage_markdown(), DOCS_END])
    path.write_text(text[:m.start()] + block + text[m.end():])
    return path


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m evals.spec.model_cards --write   (rewrites the Model cards block of docs/benchmarks.md)")
    print(f"wrote {write_docs()}")
