"""``leaderboard.md``: a GitHub-ready table (value [95% CI] per task), ranks with intervals, flags and hashes."""

from __future__ import annotations

from typing import Any

_MARK = {"partial": "ᵖ", "prompt_override": "ᵒ", "errors": "ᵉ", "unparsed": "ᵘ"}


def md_escape(text: Any) -> str:
    """Text from a run, safe inside a Markdown table cell (no HTML, no cell breaks, no formatting)."""
    s = str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    for ch in "`*_[]#!~":
        s = s.replace(ch, "\\" + ch)
    return s


def fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _rank_text(rank: Any, low: Any, high: Any) -> str:
    if low is None or high is None:
        return f"{rank}"
    return f"{rank} ({low}–{high})" if low != high else f"{rank}"


def render_markdown(board: dict[str, Any]) -> str:
    """The Markdown leaderboard."""
    cols = board["columns"]
    cells = {(c["model"], c["column"]): c for c in board["cells"]}
    lines = ["# Leaderboard", ""]
    settings = board["settings"]
    lines.append(
        f"Each cell: primary metric and its 95% CI (from the run). Rank intervals: 2.5–97.5% of the rank over "
        f"{settings['n_resamples']} joint bootstrap resamples of shared samples. **Bold** = best; ≈ = not significantly "
        f"different from the best (paired bootstrap, p ≥ {settings['alpha']}). ↓ = lower is better."
    )
    lines.append("")
    main = [c for c in cols if not c["variant"]]
    variants = [c for c in cols if c["variant"]]

    def header(cs: list[dict[str, Any]]) -> str:
        return " | ".join(f"{md_escape(c['key'])}<br>{md_escape(c['metric'])}{' ↓' if c['lower_is_better'] else ''}" for c in cs)

    def cell(model: str, c: dict[str, Any]) -> str:
        x = cells.get((model, c["key"]))
        if x is None:
            return ""
        v = fmt(x["value"])
        v = f"**{v}**" if x["is_top"] else (f"≈{v}" if x["tied_with_top"] else v)
        ci = f" [{fmt(x['ci_low'])}, {fmt(x['ci_high'])}]" if x["ci_low"] is not None else ""
        return f"{v}{ci}{''.join(_MARK[f] for f in x['flags'])}"

    all_cols = main + variants
    head = "| rank (95% interval) | model | mean task rank | " + header(all_cols) + " |"
    lines.append(head)
    lines.append("|" + "---|" * (3 + len(all_cols)))
    for m in board["models"]:
        row = [_rank_text(m["rank"], m["rank_low"], m["rank_high"]), md_escape(m["model"]),
               fmt(m["mean_rank"], 2) if m["mean_rank"] is not None else "–"]
        row += [cell(m["model"], c) for c in all_cols]
        lines.append("| " + " | ".join(row) + " |")
    if variants:
        lines += ["", "Columns named `task@hash` hold results that are **not comparable** with the task's main column "
                      "(different task hash, dataset revision or metric options; shown because of --allow-mixed). "
                      "They are ranked only among themselves and do not count towards the overall rank."]
    lines += ["", "## Per-task ranks", "", "| model | " + " | ".join(md_escape(c["key"]) for c in all_cols) + " |",
              "|" + "---|" * (1 + len(all_cols))]
    for m in board["models"]:
        row = [md_escape(m["model"])]
        for c in all_cols:
            x = cells.get((m["model"], c["key"]))
            if x is None:
                row.append("")
                continue
            p = f", p={x['p_vs_top']:.3f}" if x["p_vs_top"] is not None else ""
            row.append(_rank_text(x["rank"], x["rank_low"], x["rank_high"]) + (" ≈best" if x["tied_with_top"] else "") + p)
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Flags", ""]
    lines += [f"- {_MARK[k]} {md_escape(v)}" for k, v in board["flags"].items()]
    flagged = [c for c in board["cells"] if c["flags"]]
    for c in flagged:
        lines.append(f"  - {md_escape(c['model'])} on {md_escape(c['column'])}: {md_escape(', '.join(c['flags']))}"
                     + (f" ({md_escape(c['selection'])})" if "partial" in c["flags"] else ""))
    lines += ["", "## Tasks", "", "| column | task hash | spec hash | dataset revision | metric | shared samples | notes |",
              "|---|---|---|---|---|---|---|"]
    for c in cols:
        lines.append(f"| {md_escape(c['key'])} | `{md_escape(c['task_hash'])}` | `{md_escape(c['spec_hash'])}` | "
                     f"{md_escape(c['revision'] or 'unpinned')} | {md_escape(c['metric'])} | {c['n_shared_samples']} | "
                     f"{md_escape('; '.join(c['notes']))} |")
    lines += ["", f"Generated {board['generated']} from {len(board['runs'])} run(s)."]
    if board["superseded"]:
        lines.append(f"{len(board['superseded'])} older result(s) were superseded by newer runs of the same model and task.")
    return "\n".join(lines) + "\n"
