"""``leaderboard.md``: a GitHub-ready table (value [95% CI] per task), ranks with intervals, flags and hashes."""

from __future__ import annotations

import json
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


def p_value_text(p: float | None) -> str:
    """A bootstrap p-value: ``<0.001`` below the resolution of 1,000 resamples, else 3 significant digits; ``–`` for none."""
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3g}"


def p_text(p: float | None) -> str:
    """``p=0.028``, ``p<0.001``, ``p=–``."""
    v = p_value_text(p)
    return "p" + (v if v.startswith("<") else "=" + v)


def signed(x: float, digits: int = 3) -> str:
    """``+0.120``, ``-0.031``; a value that rounds to zero is ``+0.000``, never ``-0.000``."""
    v = round(float(x), digits)
    return f"{v + 0.0 if v != 0 else 0.0:+.{digits}f}"


def gap_verdict(gap: float, significant: bool | None) -> str:
    """A group gap in words, as the interval and the test (which agree) say: ``significant``, ``not significant``,
    ``no gap`` (every group scored the same), or ``untested`` (no interval)."""
    if gap == 0:
        return "no gap"
    return "untested" if significant is None else "significant" if significant else "not significant"


def _rank_text(rank: Any, low: Any, high: Any) -> str:
    """A rank and its 95% interval, shown whenever there is one (``1 (1–1)`` too); ``–`` for no rank."""
    if rank is None:
        return "–"
    if low is None or high is None:
        return f"{rank}"
    return f"{rank} ({low}–{high})"


def render_markdown(board: dict[str, Any]) -> str:
    """The Markdown leaderboard."""
    cols = board["columns"]
    cells = {(c["model"], c["column"]): c for c in board["cells"]}
    lines = ["# Leaderboard", ""]
    settings = board["settings"]
    overall = board.get("overall") or {}
    lines.append(
        f"Each cell: primary metric and its 95% CI (from the run). Rank intervals: 2.5–97.5% of the rank over "
        f"{settings['n_resamples']} joint bootstrap resamples of shared samples. **Bold** = best; ≈ = not significantly "
        f"different from the best (paired bootstrap, p ≥ {settings['alpha']}; tested only on at least "
        f"{settings.get('min_shared', '?')} shared samples). ↓ = lower is better."
    )
    lines.append("")
    if overall.get("note"):
        lines += [md_escape(overall["note"][0].upper() + overall["note"][1:]) + ".", ""]
    main = [c for c in cols if not c["variant"]]
    variants = [c for c in cols if c["variant"]]
    n_main = overall.get("n_columns", len(main))

    def header(cs: list[dict[str, Any]]) -> str:
        return " | ".join(f"{md_escape(c['key'])}<br>{md_escape(c['metric'])}{' ↓' if c['lower_is_better'] else ''}" for c in cs)

    def cell(model: str, c: dict[str, Any]) -> str:
        x = cells.get((model, c["key"]))
        if x is None:
            return ""
        if x.get("submitted"):  # scored by the benchmark's server: no number here, never ranked
            return "submitted" + "".join(_MARK[f] for f in x["flags"])
        v = fmt(x["value"])
        v = f"**{v}**" if x["is_top"] else (f"≈{v}" if x["tied_with_top"] else v)
        ci = f" [{fmt(x['ci_low'])}, {fmt(x['ci_high'])}]" if x["ci_low"] is not None else ""
        return f"{v}{ci}{''.join(_MARK[f] for f in x['flags'])}"

    all_cols = main + variants
    head = "| rank (95% interval) | model | tasks | mean task rank | " + header(all_cols) + " |"
    lines.append(head)
    lines.append("|" + "---|" * (4 + len(all_cols)))
    for m in board["models"]:
        row = [_rank_text(m["rank"], m["rank_low"], m["rank_high"]), md_escape(m["model"]),
               f"{m.get('n_tasks', 0)} of {n_main}", fmt(m["mean_rank"], 2) if m["mean_rank"] is not None else "–"]
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
            if x.get("submitted"):
                row.append("submitted (not ranked)")
                continue
            p = f", {p_text(x['p_vs_top'])}" if x["p_vs_top"] is not None else ""
            if not x["is_top"] and not x.get("tested", True) and c["n_models"] > 1:
                p = ", not tested"
            row.append(_rank_text(x["rank"], x["rank_low"], x["rank_high"]) + (" ≈best" if x["tied_with_top"] else "") + p)
        lines.append("| " + " | ".join(row) + " |")
    lines += robustness_markdown(board.get("robustness") or [], settings["alpha"])
    lines += fairness_markdown(board.get("fairness") or [], settings["alpha"])
    lines += ["", "## Flags", ""]
    lines += [f"- {_MARK[k]} {md_escape(v)}" for k, v in board["flags"].items()]
    flagged = [c for c in board["cells"] + board.get("condition_cells", []) if c["flags"]]
    for c in flagged:
        lines.append(f"  - {md_escape(c['model'])} on {md_escape(c['column'])}: {md_escape(', '.join(c['flags']))}"
                     + (f" ({md_escape(c['selection'])})" if "partial" in c["flags"] else ""))
    lines += ["", "## Tasks", "", "| column | task hash | spec hash | dataset revision | metric | shared samples | notes |",
              "|---|---|---|---|---|---|---|"]
    for c in cols + board.get("condition_columns", []):
        lines.append(f"| {md_escape(c['key'])} | `{md_escape(c['task_hash'])}` | `{md_escape(c['spec_hash'])}` | "
                     f"{md_escape(c['revision'] or 'unpinned')} | {md_escape(c['metric'])} | {c['n_shared_samples']} | "
                     f"{md_escape('; '.join(c['notes']))} |")
    any_judge = any(r.get("judges") for m in board["models"] for r in m.get("runs", []))
    lines += ["", "## Models and runs", "",
              "| model | run | tasks | started | finished | omnieval | commit | command | hardware |" + (" judge |" if any_judge else ""),
              "|---|---|---|---|---|---|---|---|---|" + ("---|" if any_judge else "")]
    for m in board["models"]:
        for r in m.get("runs", []):
            judges = "; ".join(f"{t}: {j if isinstance(j, str) else json.dumps(j, sort_keys=True)}" for t, j in (r.get("judges") or {}).items())
            host = "; ".join(f"{k}: {v}" for k, v in (r.get("host") or {}).items())
            lines.append(f"| {md_escape(m['model'])} | {md_escape(r['run_id'])} | {md_escape(', '.join(r['tasks']))} | "
                         f"{md_escape(r['started'] or '')} | {md_escape(r['finished'] or 'not finished')} | "
                         f"{md_escape(r['omnieval_version'] or '')} | {md_escape((r['git_commit'] or '')[:12])} | "
                         f"{md_escape(' '.join(r['command'] or []))} | {md_escape(host)} |"
                         + (f" {md_escape(judges or '–')} |" if any_judge else ""))
    lines += ["", f"Generated {board['generated']} from {len(board['runs'])} run(s)."]
    if board["superseded"]:
        lines += ["", "Results set aside (per model and task the most complete run is used, then the newest):", ""]
        lines += [f"- {md_escape(x['model'])} on {md_escape(x['task'])}: run {md_escape(x['run_id'])}, "
                  f"{md_escape(x.get('reason', 'superseded'))}" for x in board["superseded"]]
    return "\n".join(lines) + "\n"


def _diff_text(p: dict[str, Any]) -> str:
    """A condition's value and its paired change from clean: ``0.686 (+0.310 [+0.195, +0.424], p=0.000*)``."""
    v = fmt(p["value"])
    if p["diff"] is None:
        return v + " (not paired)" if p["condition"] != "clean" else v
    star = "*" if p["significant"] else ""
    return f"{v} ({signed(p['diff'])} [{signed(p['diff_ci_low'])}, {signed(p['diff_ci_high'])}], {p_text(p['p_value'])}{star})"


def robustness_markdown(views: list[dict[str, Any]], alpha: float) -> list[str]:
    """``## Robustness``: per task, model x condition with the paired change from clean; empty without conditions."""
    if not views:
        return []
    lines = ["", "## Robustness", "",
             f"Each condition: the metric, then its change from clean on the same samples with a 95% paired bootstrap interval "
             f"and p-value, from the run that compared them (* p < {alpha}). Mean degradation: the mean relative worsening "
             f"over the conditions (positive = worse). Conditions run mildest to harshest; they are not columns of the table "
             f"above and do not count towards the overall rank."]
    for v in views:
        conds = v["conditions"]
        lines += ["", f"### {md_escape(v['task'])}: {md_escape(v['metric'])}{' ↓' if v['lower_is_better'] else ''}", "",
                  "| model | " + " | ".join(md_escape(c) for c in conds) + " | mean degradation |",
                  "|" + "---|" * (len(conds) + 2)]
        for r in v["rows"]:
            at = {p["condition"]: p for p in r["points"]}
            row = [md_escape(r["model"])] + [_diff_text(at[c]) if c in at else "" for c in conds]
            mrd = r["mean_relative_degradation"]
            row.append("–" if mrd is None else f"{mrd:+.1%}")
            lines.append("| " + " | ".join(row) + " |")
    return lines


def fairness_markdown(views: list[dict[str, Any]], alpha: float) -> list[str]:
    """``## Fairness``: per task and group field, each model's groups and its largest gap; empty without subgroups."""
    if not views:
        return []
    lines = ["", "## Fairness", "",
             f"Per group: the primary metric with its 95% CI and the group's size (ˢ: under 30 samples, fragile). Gap: worst "
             f"group's distance from the best (by the metric's direction) with a 95% bootstrap interval and a test (* p < {alpha}; a screen, "
             f"not corrected for picking the two extremes)."]
    for v in views:
        groups = v["groups"]
        lines += ["", f"### {md_escape(v['column'])} by {md_escape(v['field'])}: {md_escape(v['metric'])}"
                      f"{' ↓' if v['lower_is_better'] else ''}", "",
                  "| model | " + " | ".join(md_escape(g) for g in groups) + " | worst | gap [95% CI] | p | |",
                  "|" + "---|" * (len(groups) + 5)]
        for r in v["rows"]:
            row = [md_escape(r["model"])]
            for g in groups:
                x = r["groups"].get(g)
                row.append("" if x is None else f"{fmt(x['value'])} [{fmt(x['ci_low'])}, {fmt(x['ci_high'])}] "
                                                f"n={x['n']}{'ˢ' if x['small'] else ''}")
            ci = f" [{signed(r['ci_low'])}, {signed(r['ci_high'])}]" if r["ci_low"] is not None else ""
            p = p_value_text(r["p_value"]) + ("*" if r["significant"] else "")
            none = r["gap"] == 0
            row += ["–" if none else md_escape(r["worst"]), f"{fmt(r['gap'])}{ci}", p, gap_verdict(r["gap"], r["significant"])]
            lines.append("| " + " | ".join(row) + " |")
    return lines
