"""Tables and text that fit the terminal: words are never cut, and a name too long for its column breaks only after
one of its separators (``harvard_asr.`` / ``white_noise_20``).

Rich wraps text at spaces only and, in a table cell, cuts a longer word with an ellipsis; ``Wrapped`` wraps at
spaces and, inside a word wider than the line, after the characters it is given. ``FitTable`` lays out columns for
the width it is printed at: optional columns that would leave too little room are left out (and said so), the
columns give way where that adds the fewest lines, and none is made narrower than its longest unbreakable piece.

Only rich is imported here: the listing commands load it and nothing heavier.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import IO, Iterable, Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import StyleType
from rich.table import Table
from rich.text import Text

NAME_BREAKS = "_."
"""Where a task or metric name may break: after ``_`` or ``.`` (``harvard_asr.`` / ``white_noise_20``)."""
PATH_BREAKS = "_./-:,"
"""Where a dataset, model or file name may break: after a separator (``hf-audio/`` / ``open-asr-leaderboard``)."""

_WORD = re.compile(r"\S+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(value: object) -> Text:
    """``value`` as text to print as it is: rich markup (``[/bold]``) is not read, and control characters (a terminal
    escape sequence in a model name read from someone's run) are shown escaped (``\\x1b``), never sent to the terminal."""
    return Text(_CONTROL.sub(lambda m: repr(m.group())[1:-1], "" if value is None else str(value)))


_PIPE_WIDTH = 80


def pipe_width(stream: IO[str] | None = None) -> int | None:
    """The width to lay out for: ``$COLUMNS`` when set, else the terminal's own (None: rich asks it each time), else 80.

    Rich would otherwise take a terminal's width from stdin even when the output goes to a file or a pipe.
    """
    from evals.settings import terminal_columns

    columns = terminal_columns()
    if columns is not None:
        return columns
    stream = stream or sys.stdout
    try:
        if stream.isatty():
            return None
    except (AttributeError, ValueError):
        pass
    return _PIPE_WIDTH


def stdout_console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr) for listings: ``$COLUMNS`` wide when set, else the terminal's width, else 80."""
    return Console(width=pipe_width(sys.stderr if stderr else sys.stdout), stderr=stderr)


def _pieces(word: str, breaks: str) -> list[str]:
    """``word`` split after each run of break characters: ``harvard_asr.white`` -> ``harvard_``, ``asr.``, ``white``.

    A piece is never only break characters (``.hidden`` stays whole)."""
    out: list[str] = []
    start = 0
    for i, ch in enumerate(word):
        if ch in breaks and (i + 1 == len(word) or word[i + 1] not in breaks) and word[start:i + 1].strip(breaks):
            out.append(word[start:i + 1])
            start = i + 1
    if start < len(word):
        out.append(word[start:])
    return out


def _fold_at(s: str, start: int, end: int, width: int) -> int:
    """The end of the longest run from ``start`` that fits ``width`` cells (at least one character)."""
    cut = start + 1
    while cut < end and cell_len(s[start:cut + 1]) <= width:
        cut += 1
    return cut


def wrap_spans(s: str, width: int, breaks: str) -> list[tuple[int, int]]:
    """(start, end) of each line of the one-line string ``s`` wrapped to ``width`` cells: at spaces; a word wider than
    ``width`` after its break characters; a piece still wider is folded (it is never cut)."""
    width = max(width, 1)
    lines: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for m in _WORD.finditer(s):
        ws, we = m.span()
        if start is not None and cell_len(s[start:we]) <= width:
            end = we
            continue
        if cell_len(m.group()) <= width:
            if start is not None:
                lines.append((start, end))
            start, end = ws, we
            continue
        pos = ws
        for piece in _pieces(m.group(), breaks):
            pe = pos + len(piece)
            if start is not None and cell_len(s[start:pe]) <= width:
                end = pe
            else:
                if start is not None:
                    lines.append((start, end))
                while cell_len(s[pos:pe]) > width:
                    cut = _fold_at(s, pos, pe, width)
                    lines.append((pos, cut))
                    pos = cut
                start, end = pos, pe
            pos = pe
    if start is not None:
        lines.append((start, end))
    return lines or [(0, 0)]


class Wrapped:
    """Text that wraps at spaces and breaks a word too long for the line only after one of ``breaks``; never cut."""

    def __init__(self, text: str | Text, breaks: str = NAME_BREAKS, style: StyleType = "") -> None:
        self.text = text.copy() if isinstance(text, Text) else Text(text, style=style)
        if isinstance(text, Text) and style:
            self.text.stylize(style)
        self.breaks = breaks

    def __str__(self) -> str:
        return self.text.plain

    def bounds(self) -> tuple[int, int]:
        """(the widest unbreakable piece, the widest line unwrapped) in cells."""
        pieces = [p for line in self.text.plain.split("\n") for w in line.split() for p in _pieces(w, self.breaks)]
        widest = max((cell_len(line.rstrip()) for line in self.text.plain.split("\n")), default=0)
        return max((cell_len(p) for p in pieces), default=0), widest

    def lines(self, width: int) -> list[Text]:
        out: list[Text] = []
        for paragraph in self.text.split("\n", allow_blank=True):
            for start, end in wrap_spans(paragraph.plain, width, self.breaks):
                out.append(paragraph[start:end])
        return out

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        low, high = self.bounds()
        return Measurement(min(low, options.max_width), min(max(high, low), options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = Text("\n", end="").join(self.lines(options.max_width))
        text.end = "\n"
        text.no_wrap = True
        text.overflow = "fold"
        yield text


@dataclass
class Col:
    """A column of a ``FitTable``: ``breaks`` None keeps cells on one line (numbers); ``optional`` columns are left
    out, lowest first, when the table would otherwise leave the others too little room."""

    header: str
    justify: str = "left"
    breaks: str | None = NAME_BREAKS
    optional: int = 0
    style: StyleType = ""
    want: float = 0.9
    """An optional column is left out while the columns shown cannot give this share of their cells a line each."""
    key: bool = False
    """Names (tasks, metrics, conditions): the layout breaks one only when that saves several lines elsewhere."""


GAP = 2
"""Cells between two columns."""


def _percentile(values: list[int], q: float) -> int:
    """The smallest value at least a share ``q`` of ``values`` do not exceed."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def fit_widths(cells: Sequence[Sequence[int]], lows: Sequence[int], room: int, folds: Sequence[bool] | None = None,
               words: Sequence[Sequence[int]] | None = None, keys: Sequence[bool] | None = None) -> list[int]:
    """Column widths summing to at most ``room`` for a table whose column ``k`` holds cells ``cells[k]`` wide (one per
    row, unwrapped).

    From each column's widest cell, one cell at a time comes off the column where that adds the fewest lines to the
    table (a row is as tall as its tallest cell; a word broken, ``words[k]`` being the widths of the longest word of
    each cell, counts as two more lines, four in a column of names, ``keys``; then the column that wraps fewest cells,
    then the widest), never below a column's longest unbreakable piece (``lows``); a terminal too narrow even for
    that folds the columns that may (``folds``).
    """
    n = len(cells)
    rows = list(zip(*cells)) if cells else []
    widths = [max([lo, *c]) for lo, c in zip(lows, cells)]
    last = [1 if f else w for f, w in zip(folds or [True] * n, widths)]
    words = list(words or [[] for _ in range(n)])
    weights = [4 if k else 2 for k in keys or [False] * n]

    def lines(width: int, w: int) -> int:
        return max(1, -(-width // max(w, 1)))

    for floor in (lows, last):
        while sum(widths) > room:
            able = [k for k in range(n) if widths[k] > floor[k]]
            if not able:
                break
            heights = [max(lines(c, w) for c, w in zip(row, widths)) for row in rows]

            def cost(k: int) -> tuple[int, int, int]:
                taller = sum(max(0, lines(row[k], widths[k] - 1) - h) for row, h in zip(rows, heights))
                wrapped = sum(1 for c in cells[k] if c >= widths[k])
                broken = weights[k] * sum(1 for w in words[k] if w == widths[k])
                return taller + broken, wrapped, -widths[k]

            widths[min(able, key=cost)] -= 1
    return widths


class FitTable:
    """A table laid out for the width it is printed at; see the module's docstring.

    ``left_out`` is a line said under the table when columns were left out, with ``{columns}`` for their names.
    """

    def __init__(self, columns: Sequence[Col], rows: Iterable[Sequence[str | Text | Wrapped]], title: str | Text | None = None,
                 left_out: str = "{columns} left out to fit the terminal; a wider one shows them") -> None:
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        self.title = title
        self.left_out = left_out

    def _cell(self, col: Col, value: str | Text | Wrapped) -> Wrapped | Text:
        if isinstance(value, Wrapped):
            return value
        if col.breaks is None:
            return Text(value) if isinstance(value, str) else value
        return Wrapped(value, col.breaks)

    def layout(self, width: int) -> tuple[list[int], list[int]]:
        """(the indices of the columns shown, their widths) at ``width`` cells."""
        lows, wants, widths, words = [], [], [], []
        for i, col in enumerate(self.columns):
            cells = [self._cell(col, r[i]) for r in self.rows]
            words.append([max((cell_len(w) for w in str(c).split()), default=0) for c in cells])
            spans = [c.bounds() if isinstance(c, Wrapped) else (c.cell_len, c.cell_len) for c in cells]
            head_low, head_high = Wrapped(col.header, " -").bounds()
            highs = [head_high, *(hi for _, hi in spans)]
            low = max([head_low, *(lo for lo, _ in spans)])
            if col.breaks is None:  # never wrapped: as wide as its widest cell; the header may wrap above it
                low = max([head_low, *(hi for _, hi in spans)])
            lows.append(low)
            widths.append(highs)
            wants.append(max(low, _percentile(highs, col.want)))
        shown = list(range(len(self.columns)))
        droppable = sorted((i for i, c in enumerate(self.columns) if c.optional), key=lambda i: self.columns[i].optional)
        while droppable and sum(wants[i] for i in shown) + GAP * (len(shown) - 1) > width:
            shown.remove(droppable.pop(0))
        room = width - GAP * (len(shown) - 1)
        return shown, fit_widths([widths[i] for i in shown], [lows[i] for i in shown], room,
                                 [self.columns[i].breaks is not None for i in shown], [words[i] for i in shown],
                                 [self.columns[i].key for i in shown])

    def table(self, width: int) -> tuple[Table, list[str]]:
        """The rich table for ``width`` cells and the headers of the columns left out."""
        shown, widths = self.layout(width)
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, GAP - 1, 0, 0), expand=False,
                      header_style="bold")
        for i, w in zip(shown, widths):
            col = self.columns[i]
            table.add_column(Wrapped(col.header, " -"), justify=col.justify, width=w, no_wrap=col.breaks is None,  # type: ignore[arg-type]
                             overflow="fold", style=col.style)
        for row in self.rows:
            table.add_row(*(self._cell(self.columns[i], row[i]) for i in shown))
        return table, [self.columns[i].header for i in range(len(self.columns)) if i not in shown]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        shown, widths = self.layout(options.max_width)
        total = sum(widths) + GAP * (len(shown) - 1)
        return Measurement(min(total, options.max_width), min(total, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.title is not None:
            yield Wrapped(self.title if isinstance(self.title, Text) else Text(self.title, style="bold"), PATH_BREAKS + "[]=")
        table, dropped = self.table(width)
        yield table
        if dropped:
            yield Wrapped(Text(self.left_out.format(columns=" and ".join(dropped) if len(dropped) < 3
                                                     else ", ".join(dropped[:-1]) + " and " + dropped[-1]), style="dim"), PATH_BREAKS)


HELP_BREAKS = "/,:=_.-"
"""Where a long word in help text may break: ``$OMNIEVAL_CACHE_DIR/`` / ``responses.sqlite``."""


def wrap_help_text_when_loaded() -> None:
    """``wrap_help_text`` as soon as typer imports its rich help module, which it does only to print help or an error:
    a run that prints neither never loads it (0.12 s of every start)."""
    if "typer.rich_utils" in sys.modules:
        wrap_help_text()
        return
    import importlib.abc
    import importlib.util

    class WrapOnImport(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201 - the import system's signature
            if name != "typer.rich_utils":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return spec
            load = spec.loader.exec_module

            def exec_module(module):  # noqa: ANN001, ANN202
                load(module)
                wrap_help_text()  # the module is in sys.modules while it loads: this patches it, never imports it again

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]  # this spec's own loader
            return spec

    sys.meta_path.insert(0, WrapOnImport())


def wrap_help_text() -> None:
    """Make typer's rich help cut nothing at any width.

    Typer puts an option's help (with its env var and default) in a table cell, where rich cuts a word wider than the
    column with an ellipsis (``$OMNIEVAL_CACHE_DIR/res…``, ``(clean,white_noise:20,w…``). Here the help, env var and
    default become one paragraph that wraps at spaces and, inside a word wider than the column, after a separator.
    A command's one-line help in a commands panel is wrapped the same way. Idempotent; a typer without these hooks is
    left as it is.
    """
    try:
        from typer import rich_utils
    except ImportError:  # typer without rich: click's plain help wraps and cuts nothing
        return
    parameter_help = getattr(rich_utils, "_get_parameter_help", None)
    command_help = getattr(rich_utils, "_make_command_help", None)
    if parameter_help is not None and not getattr(parameter_help, "wraps_help", False):
        def wrapped_parameter_help(*args, **kwargs):
            columns = parameter_help(*args, **kwargs)
            items = list(getattr(columns, "renderables", None) or [])
            if not items or not all(isinstance(i, Text) for i in items):
                return columns
            return Wrapped(Text(" ").join(items), HELP_BREAKS)

        wrapped_parameter_help.wraps_help = True  # type: ignore[attr-defined]
        rich_utils._get_parameter_help = wrapped_parameter_help
    for name in ("highlighter", "negative_highlighter"):  # option names: folded on a very narrow terminal, not cut
        highlight = getattr(rich_utils, name, None)
        if highlight is not None and not getattr(highlight, "wraps_help", False):
            class Folding(type(highlight)):  # type: ignore[misc]
                wraps_help = True

                def __call__(self, text):
                    out = super().__call__(text)
                    out.overflow = "fold"
                    return out

            setattr(rich_utils, name, Folding())
    if command_help is not None and not getattr(command_help, "wraps_help", False):
        def wrapped_command_help(*args, **kwargs):
            text = command_help(*args, **kwargs)
            return Wrapped(text, HELP_BREAKS) if isinstance(text, Text) else text

        wrapped_command_help.wraps_help = True  # type: ignore[attr-defined]
        rich_utils._make_command_help = wrapped_command_help
