"""``plots/*.png`` for papers: one bar chart with 95% CI whiskers per column, and a model x task heatmap.

Figures are laid out to fit what they hold: full model names (wrapped, never
cut), titles and axis labels inside the image (constrained layout on a
figure sized from its labels), fonts of at least 8 pt at 150 dpi. Heatmap
colours follow each metric's direction (lower WER is greener) and a column
with nothing to compare (one model, or equal values) is neutral grey, not
red. matplotlib is imported here only (lazily, Agg canvas, no pyplot state),
so the CLI stays light.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DPI = 150
FONT = 9  # points; the smallest text drawn is 8
GOOD = "#2f7d4f"
OTHER = "#8a96a3"
NEUTRAL = "#e3e6ea"
_BREAK_AFTER = re.compile(r"[^\s/:\-_\[\](),=]+[\s/:\-_\[\](),=]*|[\s/:\-_\[\](),=]+")


def wrap_label(text: str, width: int = 34) -> str:
    """``text`` in lines of at most ``width`` characters, broken after separators (space / : - _ [ ] , =) where possible.

    Nothing is dropped: joining the lines gives the text back (spaces at line ends aside).
    """
    text = str(text)
    if len(text) <= width:
        return text
    lines: list[str] = []
    line = ""
    for token in _BREAK_AFTER.findall(text):
        while len(token) > width:  # a token longer than a line: hard breaks
            room = width - len(line)
            lines.append(line + token[:room])
            token, line = token[room:], ""
        if len(line) + len(token.rstrip()) > width and line:
            lines.append(line)
            line = ""
        line += token
    if line:
        lines.append(line)
    return "\n".join(x.rstrip() or x for x in lines)


def _text_width_in(lines: list[str], points: float) -> float:
    """A generous estimate of the widest line's width in inches (DejaVu Sans averages ~0.6 em per character)."""
    longest = max((len(x) for x in lines), default=0)
    return longest * points * 0.62 / 72


def bar_figure(col: dict[str, Any], cells: list[dict[str, Any]]):
    """One column's horizontal bars, best first, with 95% CI whiskers and values; a ``matplotlib.figure.Figure``."""
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    labels = [wrap_label(c["model"]) for c in cells]
    lines = [line for lab in labels for line in lab.split("\n")]
    per_row = max(lab.count("\n") + 1 for lab in labels)
    title = wrap_label(col["key"], 60)
    xlabel = col["metric"] + (" (lower is better)" if col["lower_is_better"] else " (higher is better)")
    label_w = _text_width_in(lines, FONT)
    width = min(max(6.4, label_w + 4.6), 14.0)
    row_in = 0.17 * per_row + 0.16
    height = row_in * len(cells) + 1.25 + 0.2 * title.count("\n") + 0.3
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    values = np.array([c["value"] for c in cells], dtype=float)
    low = np.array([c["ci_low"] if c["ci_low"] is not None else c["value"] for c in cells], dtype=float)
    high = np.array([c["ci_high"] if c["ci_high"] is not None else c["value"] for c in cells], dtype=float)
    good = [bool(c["is_top"] or c["tied_with_top"]) for c in cells]
    y = np.arange(len(cells))
    ax.barh(y, values, height=0.62, color=[GOOD if g else OTHER for g in good],
            xerr=np.vstack([values - low, high - values]).clip(min=0), capsize=3, error_kw={"ecolor": "#222", "lw": 1})
    ax.set_yticks(y, labels, fontsize=FONT)
    ax.set_ylim(len(cells) - 0.5, -0.5)  # best at the top
    lo = min(0.0, float(np.nanmin(low)))
    hi = max(float(np.nanmax(high)), float(np.nanmax(values)), lo + 1e-9)
    span = hi - lo if hi > lo else 1.0
    ax.set_xlim(lo, hi + 0.22 * span)  # room for the value written after each whisker
    for yi, v, h in zip(y, values, high):
        ax.text(max(v, h) + 0.02 * span, yi, f"{v:.3f}", va="center", ha="left", fontsize=8)
    ax.set_xlabel(xlabel, fontsize=FONT)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(title, fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    tested = col.get("tested", True)
    handles = [Patch(color=GOOD, label="best" + (", or not significantly different" if tested else ""))]
    if not all(good):
        handles.append(Patch(color=OTHER, label="significantly worse than the best" if tested else "others (too few shared samples to test)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    return fig


def _heat_rgba(t: float | None, present: bool, cmap: Any):
    import matplotlib

    if not present:
        return (1.0, 1.0, 1.0, 1.0)
    if t is None:
        return matplotlib.colors.to_rgba(NEUTRAL)
    return cmap(0.12 + 0.76 * t)


def heatmap_figure(board: dict[str, Any]):
    """Models x columns, coloured worst to best within each column by the metric's direction; a Figure, or None."""
    import matplotlib
    import numpy as np
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure

    from evals.report.render_html import heat_position

    models = [m["model"] for m in board["models"]]
    cols = board["columns"]
    if not models or not cols:
        return None
    lookup = {(c["model"], c["column"]): c["value"] for c in board["cells"] if c["value"] is not None}
    rgba = np.ones((len(models), len(cols), 4))
    cmap = matplotlib.colormaps["RdYlGn"]
    for j, col in enumerate(cols):
        vals = [lookup[(m, col["key"])] for m in models if (m, col["key"]) in lookup]
        for i, m in enumerate(models):
            v = lookup.get((m, col["key"]))
            rgba[i, j] = _heat_rgba(heat_position(v, vals, col["lower_is_better"]), v is not None, cmap)
    ylabels = [wrap_label(m, 40) for m in models]
    xlabels = [wrap_label(c["key"] + (" ↓" if c["lower_is_better"] else ""), 18) for c in cols]
    per_row = max(lab.count("\n") + 1 for lab in ylabels)
    x_lines = max(lab.count("\n") + 1 for lab in xlabels)
    rotate = len(cols) > 4
    label_w = _text_width_in([x for lab in ylabels for x in lab.split("\n")], FONT)
    col_w = 1.0 if not rotate else 0.7
    width = min(max(6.4, label_w + col_w * len(cols) + 1.6), 24.0)
    x_label_h = (0.17 * x_lines + 0.1) if not rotate else 0.62 * _text_width_in([x for lab in xlabels for x in lab.split("\n")], FONT) + 0.2
    height = min((0.17 * per_row + 0.22) * len(models) + x_label_h + 1.3, 30.0)
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(np.round(rgba * 255).astype(np.uint8), aspect="auto", interpolation="nearest")  # bytes: no per-pixel conversion
    ax.set_xticks(range(len(cols)), xlabels, fontsize=FONT, rotation=30 if rotate else 0,
                  ha="right" if rotate else "center", rotation_mode="anchor" if rotate else "default")
    ax.set_yticks(range(len(models)), ylabels, fontsize=FONT)
    ax.set_xticks(np.arange(len(cols) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(models) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    if len(models) * len(cols) <= 300:  # numbers in the cells only while they stay legible
        for i, m in enumerate(models):
            for j, col in enumerate(cols):
                v = lookup.get((m, col["key"]))
                if v is not None:
                    r, g, b, _ = rgba[i, j]
                    dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                    ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_title(wrap_label("Primary metric per task: colour from worst (red) to best (green) within each column; "
                            "↓ lower is better; grey: nothing to compare", int(width * 11)), fontsize=10)
    bar = fig.colorbar(ScalarMappable(norm=matplotlib.colors.Normalize(0, 1),
                                      cmap=matplotlib.colors.LinearSegmentedColormap.from_list(
                                          "heat", [matplotlib.colormaps["RdYlGn"](0.12 + 0.76 * t) for t in np.linspace(0, 1, 64)])),
                       ax=ax, shrink=min(1.0, 2.5 / max(height - 1.5, 1.0)), aspect=12, pad=0.02)
    bar.set_ticks([0, 1], labels=["worst", "best"], fontsize=8)
    return fig


def _bar_chart(job: tuple[dict[str, Any], list[dict[str, Any]], str]) -> str:
    """One column's bar chart, written; runs in a worker process."""
    import matplotlib

    matplotlib.use("Agg")
    col, cells, path = job
    fig = bar_figure(col, cells)
    fig.savefig(path, dpi=DPI)
    return path


def write_plots(board: dict[str, Any], out: Path) -> list[Path]:
    """Write the PNGs under ``out``; returns their paths.

    Charts are independent and matplotlib is single-threaded, so they are drawn in parallel processes.
    """
    import os

    import matplotlib

    matplotlib.use("Agg")

    from evals.names import safe_name
    from evals.report.pool import map_forked

    out.mkdir(parents=True, exist_ok=True)
    names: set[str] = set()
    jobs = []
    for col in board["columns"]:
        cells = sorted((c for c in board["cells"] if c["column"] == col["key"] and c["value"] is not None),
                       key=lambda c: (c["rank"], c["model"]))
        if not cells:
            continue
        name = safe_name(col["key"])
        while name in names:
            name += "_"
        names.add(name)
        jobs.append((col, cells, str(out / f"{name}.png")))
    workers = min(len(jobs), os.cpu_count() or 1) if len(jobs) >= 4 else 1
    written = [Path(p) for p in map_forked(_bar_chart, jobs, workers)]
    fig = heatmap_figure(board)
    if fig is not None:
        path = out / "heatmap.png"
        fig.savefig(path, dpi=DPI)
        written.append(path)
    for view in board.get("robustness") or []:
        name = "robustness_" + safe_name(view["task"])
        while name in names:
            name += "_"
        names.add(name)
        path = out / f"{name}.png"
        curve_figure(view).savefig(path, dpi=DPI)
        written.append(path)
    return written


def curve_figure(view: dict[str, Any]):
    """A task's degradation curves: the metric per condition (mildest first) with 95% CI whiskers, one line per model."""
    from matplotlib.figure import Figure

    conds = view["conditions"]
    labels = [wrap_label(r["model"]) for r in view["rows"]]
    fig = Figure(figsize=(max(4.5, 1.1 * len(conds) + 2.5), 3.2 + 0.2 * sum(x.count("\n") + 1 for x in labels)), layout="constrained")
    ax = fig.add_subplot()
    for row, label in zip(view["rows"], labels):
        at = [(conds.index(p["condition"]), p) for p in row["points"] if p["value"] is not None and p["condition"] in conds]
        xs = [i for i, _ in at]
        ys = [p["value"] for _, p in at]
        err = [[p["value"] - (p["ci_low"] if p["ci_low"] is not None else p["value"]) for _, p in at],
               [(p["ci_high"] if p["ci_high"] is not None else p["value"]) - p["value"] for _, p in at]]
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=label)
    ax.set_xticks(range(len(conds)), [wrap_label(c, 14) for c in conds], fontsize=FONT)
    ax.set_xlabel("condition", fontsize=FONT)
    ax.set_ylabel(view["metric"] + (" (lower is better)" if view["lower_is_better"] else ""), fontsize=FONT)
    ax.set_title(wrap_label(f"{view['task']}: robustness"), fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    ax.legend(fontsize=FONT - 1, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False)
    return fig
