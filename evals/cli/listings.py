"""``omnieval tasks`` (with its filters), ``omnieval models`` and ``omnieval conditions``: tables that fit the terminal.

Only rich and the catalogue are imported: listing loads no model backend.
"""

from __future__ import annotations

import typing
from typing import Iterable

import typer
from rich.text import Text
from typer.core import TyperGroup

from evals.cli.tables import PATH_BREAKS, Col, FitTable, Wrapped, stdout_console

NAME_BREAKS_COMMA = "_.,"
"""Lists of names (metrics, model types): break after ``_``, ``.`` or ``,``."""


class TasksGroup(TyperGroup):
    """``omnieval tasks [WORD]... [--modality ...]`` lists (the group's own callback); ``omnieval tasks show NAME`` is
    its command. A first word naming a command goes to that command, any other word is a search word, and options may
    come before or after the words."""

    def _command_at(self, args: list[str]) -> int | None:
        takes_value = {o for p in self.params if getattr(p, "param_type_name", "") == "option" and not getattr(p, "is_flag", False)
                       for o in [*p.opts, *p.secondary_opts]}
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                return None
            if arg.startswith("-") and arg != "-":
                i += 2 if arg in takes_value else 1
                continue
            return i if arg in self.commands else None
        return None

    def get_params(self, ctx):
        params = super().get_params(ctx)
        if ctx.command is not self:  # a command's usage line: `omnieval tasks show NAME`, not `tasks [WORD]... show`
            params = [p for p in params if getattr(p, "param_type_name", "") != "argument"]
        return params

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        at = self._command_at(args)
        if at is None:
            ctx.allow_interspersed_args = True  # `tasks asr --modality audio`
            return super().parse_args(ctx, args)
        super().parse_args(ctx, args[:at])
        ctx._protected_args, ctx.args = [args[at]], list(args[at + 1:])
        return ctx.args


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _known(what: str, given: list[str], known: tuple[str, ...]) -> set[str]:
    from evals.names import did_you_mean

    for value in given:
        if value.startswith("-"):  # `tasks --modality --kind asr`: click took the option for the value
            _fail(f"option --{what} needs a value (it was followed by the option {value})")
        if value not in known:
            _fail(f"unknown {what} {value!r}{did_you_mean(value, known)}; known: {', '.join(known)}")
    return set(given)


def _kind_text(t) -> str:
    judged = "" if t.judge is None else " (judged, optional)" if t.judge.optional else " (judged)"
    return t.kind + "".join(f" ({tr.name})" for tr in t.transforms) + (" (grouped)" if t.fields.group else "") + judged


def _dataset_text(t) -> str:
    return t.dataset.path + (f" ({t.dataset.name})" if t.dataset.name else "")


def _matches(t, words: list[str]) -> bool:
    haystack = " ".join([t.name, _dataset_text(t), t.description]).lower()
    return all(w.lower() in haystack for w in words)


def _said(words: list[str], modalities: list[str], kinds: list[str], suite: str | None) -> str:
    parts = [f"{w!r}" for w in words]
    parts += [f"--modality {','.join(modalities)}"] if modalities else []
    parts += [f"--kind {','.join(kinds)}"] if kinds else []
    parts += [f"--suite {suite}"] if suite else []
    return " ".join(parts)


def list_tasks(words: list[str], modalities: list[str], kinds: list[str], suite: str | None, list_commands: Iterable[str] = ()) -> None:
    """The tasks table, narrowed by search words (name, dataset, description), modality, kind and suite; nothing
    matching exits 1, naming close task names (or the group's ``list_commands``) for a single word."""
    from evals.errors import SpecError
    from evals.spec.catalog import load_suite, load_task, submission_text, suite_names, task_names
    from evals.spec.task import Kind, Modality

    want_modality = _known("modality", modalities, typing.get_args(Modality))
    want_kind = _known("kind", kinds, typing.get_args(Kind))
    in_suite: set[str] | None = None
    if suite:
        try:
            entries = load_suite(suite).tasks
            in_suite = {load_task(e).name if e.endswith((".yaml", ".yml")) else e for e in entries}
        except SpecError as e:
            _fail(str(e).splitlines()[0])
    names = task_names()
    shown = []
    for name in names:
        if in_suite is not None and name not in in_suite:
            continue
        t = load_task(name)
        if (want_modality and t.modality not in want_modality) or (want_kind and t.kind not in want_kind) or not _matches(t, words):
            continue
        shown.append(t)
    filtered = bool(words or modalities or kinds or suite)
    if not shown:
        from evals.names import did_you_mean

        alone = len(words) == 1 and not (modalities or kinds or suite)
        near = did_you_mean(words[0], [*names, *sorted(list_commands)]) if alone else ""
        typer.echo(f"no task matches {_said(words, modalities, kinds, suite)}{near}; `omnieval tasks` lists all {len(names)}",
                   err=True)
        raise typer.Exit(1)
    columns = [Col("task", key=True), Col("modality", breaks=None), Col("kind", breaks=""),
               Col("dataset", breaks=PATH_BREAKS, want=0.75, optional=2), Col("split", optional=1), Col("metrics", breaks=NAME_BREAKS_COMMA)]
    rows = [[t.name, t.modality, _kind_text(t), _dataset_text(t), t.dataset.split, ", ".join(s.name for s in t.scorers) or submission_text(t)] for t in shown]
    out = stdout_console()
    out.print(FitTable(columns, rows, left_out="{columns} left out at this width: see `omnieval tasks show NAME`, or "
                                              "COLUMNS=160 omnieval tasks"))
    count = f"{len(shown)} of {len(names)} tasks" if filtered else f"{len(names)} tasks"
    out.print(Wrapped(f"{count}; suites: {', '.join(suite_names())}", ""))


def list_models() -> None:
    """The model kinds with what each supports, then the hf: families tested."""
    from evals.adapters.base import adapter_class, adapter_kinds
    from evals.adapters.hf_families import FAMILIES

    rows = []
    mark = (lambda b: "yes" if b else "no")  # noqa: E731
    for kind in sorted(adapter_kinds()):
        try:
            cls = adapter_class(kind)
        except ImportError as e:
            rows.append([kind, "?", "?", "?", "?", f"unavailable: {e}"])
            continue
        caps = getattr(cls, "declared_capabilities", None)
        if caps is None:
            rows.append([kind, "", "", "", "", cls.description])
        else:
            rows.append([kind, mark(caps.image), mark(caps.multi_image), mark(caps.audio), mark(caps.batch), cls.description])
    out = stdout_console()
    yes_no = dict(justify="left", breaks=None)
    out.print(FitTable([Col("kind", breaks=PATH_BREAKS, key=True), Col("image", **yes_no), Col("multi-image", **yes_no), Col("audio", **yes_no),
                        Col("batching", **yes_no), Col("description", breaks=PATH_BREAKS)], rows,
                       title="model kinds (use as kind:model)"))
    out.print()
    family_rows = [[f.name, ", ".join(f.model_types), f.media, f.batching,
                    "; ".join(x for x in (f"needs {', '.join(f.needs)}" if f.needs else "", f.note) if x) or "-"] for f in FAMILIES]
    out.print(FitTable([Col("family", breaks=PATH_BREAKS), Col("model_type", breaks=NAME_BREAKS_COMMA, optional=1), Col("media", breaks=""),
                        Col("batching"), Col("needs, notes", breaks=PATH_BREAKS)], family_rows,
                       title="hf: families tested (tiny random checkpoints of the real architectures; batch size 8 = batch size 1)",
                       left_out="{columns} left out at this width: see COLUMNS=160 omnieval models"))
    out.print(Wrapped("Any other checkpoint with a chat template and a processor may work too: it is simply not tested here.", ""))


def list_conditions() -> None:
    """The robustness conditions ``omnieval run --conditions`` takes."""
    from evals.spec.conditions import CONDITIONS

    rows = [["clean", "any", "-", "-", "nothing: the reference the others are compared with"]]
    rows += [[name, c.kind, f"{c.default:g}", c.valid.text, c.doc] for name, c in sorted(CONDITIONS.items())]
    stdout_console().print(FitTable([Col("condition", key=True), Col("medium", breaks=None), Col("default value", "right", None),
                                     Col("valid values", breaks=None), Col("what it does", breaks=PATH_BREAKS)], rows,
                                    title=Text("robustness conditions (--conditions clean,NAME:VALUE,...)", style="bold")))


def list_model_cards() -> None:
    """Each model card's pairs covered by catalogue tasks, the overall figure, and the pairs not covered with why."""
    from evals.spec.model_cards import card_coverage

    cov = card_coverage()
    rows = [[c.card, c.read, str(c.covered), str(c.pairs), f"{c.percent:.1f}%" if c.percent is not None else "-",
             "; ".join(f"{b}: {r}" for b, r in c.missing) or "-"] for c in cov.cards]
    out = stdout_console()
    out.print(FitTable([Col("card", key=True), Col("read", breaks=None, optional=1), Col("covered", "right", None),
                        Col("pairs", "right", None), Col("%", "right", None), Col("not covered (why)", breaks=PATH_BREAKS)], rows,
                       title="2026 model cards: (card, benchmark) pairs the catalogue runs in the card's split and protocol",
                       left_out="{columns} left out at this width: COLUMNS=160 omnieval tasks cards"))
    out.print(Wrapped(f"{cov.covered} of {cov.pairs} pairs covered ({cov.percent:.1f}%); rows on text-only inputs and speech "
                      "output are left out of the figure; data: tasks/data/model_cards.yaml", ""))
