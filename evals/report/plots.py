"""``plots/*.png`` for papers: one bar chart with 95% CI whiskers per column, and a model x task heatmap.

matplotlib is imported here only (lazily, Agg backend), so the CLI stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _bar_chart(job: tuple[dict[str, Any], list[dict[str, Any]], str]) -> str:
    """One column's bar chart with CI whiskers; runs in a worker process."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    col, cells, path = job
    values = np.array([c["value"] for c in cells])
    low = np.array([c["ci_low"] if c["ci_low"] is not None else c["value"] for c in cells])
    high = np.array([c["ci_high"] if c["ci_high"] is not None else c["value"] for c in cells])
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(cells) + 1.2))
    colors = ["#2f7d4f" if c["is_top"] or c["tied_with_top"] else "#7a8794" for c in cells]
    y = np.arange(len(cells))
    ax.barh(y, values, color=colors, xerr=np.vstack([values - low, high - values]).clip(min=0), capsize=3)
    ax.set_yticks(y, [c["model"] for c in cells])
    ax.invert_yaxis()
    ax.set_xlabel(col["metric"] + (" (lower is better)" if col["lower_is_better"] else ""))
    ax.set_title(col["key"])
    fig.subplots_adjust(left=0.38, right=0.97, top=1 - 0.45 / fig.get_figheight(), bottom=0.6 / fig.get_figheight())
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_plots(board: dict[str, Any], out: Path) -> list[Path]:
    """Write the PNGs under ``out``; returns their paths.

    Charts are independent and matplotlib is single-threaded, so they are drawn in parallel processes.
    """
    import os
    from concurrent.futures import ProcessPoolExecutor

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from evals.names import safe_name

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
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers > 1 and len(jobs) >= 4:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            written = [Path(p) for p in pool.map(_bar_chart, jobs)]
    else:
        written = [Path(_bar_chart(job)) for job in jobs]
    models = [m["model"] for m in board["models"]]
    cols = board["columns"]
    if models and cols:
        grid = np.full((len(models), len(cols)), np.nan)
        lookup = {(c["model"], c["column"]): c["value"] for c in board["cells"]}
        for j, col in enumerate(cols):
            vals = np.array([lookup.get((m, col["key"])) if lookup.get((m, col["key"])) is not None else np.nan for m in models])
            finite = vals[~np.isnan(vals)]
            if finite.size:
                lo, hi = finite.min(), finite.max()
                t = np.ones_like(vals) if hi == lo else (vals - lo) / (hi - lo)
                grid[:, j] = 1 - t if col["lower_is_better"] else t
        fig, ax = plt.subplots(figsize=(1.0 * len(cols) + 3, 0.35 * len(models) + 1.5))
        ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(cols)), [c["key"] for c in cols], rotation=45, ha="right")
        ax.set_yticks(range(len(models)), models)
        # Numbers in the cells only while they stay legible (and cheap to draw).
        for i, m in enumerate(models if len(models) * len(cols) <= 300 else []):
            for j, col in enumerate(cols):
                v = lookup.get((m, col["key"]))
                if v is not None:
                    ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=7)
        ax.set_title("model x task (colour: worst to best per column)")
        fig.tight_layout()
        path = out / "heatmap.png"
        fig.savefig(path, dpi=150)
        plt.close(fig)
        written.append(path)
    return written
