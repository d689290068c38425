"""The robustness and fairness views in ``index.html``: tables, and degradation curves as inline SVG.

Same rules as the rest of the page (``render_html``): every string from a run is escaped, the SVG is built
here (no network, no script), wide tables scroll in their own box.
"""

from __future__ import annotations

from typing import Any

from evals.report.html_text import breakable
from evals.report.html_text import esc as _e
from evals.report.render_md import fmt, gap_verdict, p_text, p_value_text, signed

# Distinguishable on white and for common colour blindness (Okabe-Ito).
PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"]


def curve_svg(view: dict[str, Any]) -> str:
    """One task's degradation curves: the metric per condition (x, mildest first), a line and whiskers per model."""
    conds = view["conditions"]
    points = [p for r in view["rows"] for p in r["points"] if p["value"] is not None]
    if not points:
        return ""
    lows = [p["ci_low"] if p["ci_low"] is not None else p["value"] for p in points]
    highs = [p["ci_high"] if p["ci_high"] is not None else p["value"] for p in points]
    lo, hi = min(0.0, *lows), max(highs)
    hi = hi if hi > lo else lo + 1.0
    w, h, left, right, top, bottom = 120 + 90 * len(conds), 230, 48, 16, 12, 56
    x = lambda i: left + (i + 0.5) * (w - left - right) / len(conds)  # noqa: E731
    y = lambda v: top + (hi - v) / (hi - lo) * (h - top - bottom)  # noqa: E731
    parts = [f"<svg class=\"curve\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" "
             f"role=\"img\" aria-label=\"{_e(view['task'])}: {_e(view['metric'])} per condition and model\">",
             f"<path d=\"M{left} {top}V{h - bottom}H{w - right}\" stroke=\"#555\" fill=\"none\"/>"]
    for v in (lo, (lo + hi) / 2, hi):
        parts.append(f"<text x=\"{left - 4}\" y=\"{y(v) + 4:.1f}\" text-anchor=\"end\" font-size=\"11\">{fmt(v, 2)}</text>")
    for i, c in enumerate(conds):
        parts.append(f"<text x=\"{x(i):.1f}\" y=\"{h - bottom + 16}\" text-anchor=\"middle\" font-size=\"11\">{_e(c)}</text>")
    for k, row in enumerate(view["rows"]):
        color = PALETTE[k % len(PALETTE)]
        at = [(conds.index(p["condition"]), p) for p in row["points"] if p["value"] is not None and p["condition"] in conds]
        if not at:
            continue
        path = "M" + "L".join(f"{x(i):.1f} {y(p['value']):.1f}" for i, p in at)
        parts.append(f"<g class=\"series\" data-model=\"{_e(row['model'])}\"><path d=\"{path}\" stroke=\"{color}\" stroke-width=\"2\" fill=\"none\"/>")
        for i, p in at:
            tip = f"{row['model']} · {p['condition']}: {fmt(p['value'])} [{fmt(p['ci_low'])}, {fmt(p['ci_high'])}]"
            if p["ci_low"] is not None and p["ci_high"] is not None:
                parts.append(f"<path d=\"M{x(i):.1f} {y(p['ci_low']):.1f}V{y(p['ci_high']):.1f}\" stroke=\"{color}\" fill=\"none\"/>")
            parts.append(f"<circle class=\"point\" cx=\"{x(i):.1f}\" cy=\"{y(p['value']):.1f}\" r=\"3.5\" fill=\"{color}\">"
                         f"<title>{_e(tip)}</title></circle>")
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(f"<span class=\"key\"><span class=\"legend-swatch\" style=\"background:{PALETTE[k % len(PALETTE)]}\"></span>"
                     f"{breakable(r['model'])}</span>" for k, r in enumerate(view["rows"]))
    return "".join(parts) + f"<div class=\"curve-legend\">{legend}</div>"


def _diff_html(p: dict[str, Any]) -> str:
    value = fmt(p["value"])
    if p["condition"] == "clean":
        return value
    if p["diff"] is None:
        return f"{value} <span class=\"muted\" title=\"clean and this condition come from different runs\">not paired</span>"
    sig = " sig" if p["significant"] else ""
    return (f"{value}<div class=\"delta{sig}\" title=\"paired on {p['n_paired']} samples\">{signed(p['diff'])} "
            f"[{signed(p['diff_ci_low'])}, {signed(p['diff_ci_high'])}] {_e(p_text(p['p_value']))}{' *' if p['significant'] else ''}</div>")


def robustness_html(views: list[dict[str, Any]], alpha: float, pages: dict[str, str] | None = None) -> str:
    """``<h2>Robustness</h2>``: per task a degradation curve and a model x condition table, conditions mildest first
    (each heading links to its task page when ``pages`` has one); empty without conditions."""
    if not views:
        return ""
    pages = pages or {}
    out = [f"<section id=\"robustness\"><h2>Robustness</h2><p class=\"muted\">Each condition: the metric, then its change from "
           f"clean on the same samples with a 95% paired bootstrap interval and p-value, from the run that compared them "
           f"(<span class=\"sig\">*</span> p &lt; {_e(alpha)}). Mean degradation: the mean relative worsening over the "
           f"conditions (positive = worse). Conditions run mildest to harshest; they are not columns of the leaderboard "
           f"table and do not count towards the overall rank.</p>"]
    for v in views:
        arrow = " ↓" if v["lower_is_better"] else ""
        links = dict(zip(v["conditions"], v.get("columns", [])))
        head = "".join(f"<th title=\"{_e(links.get(c, c))}\">" + (f"<a href=\"{_e(pages[links[c]])}\">{_e(c)}</a>"
                       if links.get(c) in pages else _e(c)) + "</th>" for c in v["conditions"])
        rows = []
        for r in v["rows"]:
            at = {p["condition"]: p for p in r["points"]}
            tds = "".join(f"<td class=\"num\">{_diff_html(at[c])}</td>" if c in at else "<td></td>" for c in v["conditions"])
            mrd = r["mean_relative_degradation"]
            rows.append(f"<tr data-model=\"{_e(r['model'])}\"><td class=\"model\">{breakable(r['model'])}</td>{tds}"
                        f"<td class=\"num\">{'–' if mrd is None else f'{mrd:+.1%}'}</td></tr>")
        out.append(f"<div class=\"robustness-task\" data-task=\"{_e(v['task'])}\"><h3>{_e(v['task'])} <span class=\"muted\">"
                   f"{_e(v['metric'])}{arrow}</span></h3>{curve_svg(v)}<div class=\"scroll\"><table class=\"robustness\"><thead><tr>"
                   f"<th>model</th>{head}<th>mean degradation</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div></div>")
    out.append("</section>")
    return "".join(out)


def fairness_html(views: list[dict[str, Any]], alpha: float) -> str:
    """``<h2>Fairness</h2>``: per task and group field, each model's groups and its largest gap; empty without groups."""
    if not views:
        return ""
    out = [f"<section id=\"fairness\"><h2>Fairness</h2><p class=\"muted\">Per group: the primary metric with its 95% CI and the "
           f"group's size (<span class=\"small\">small</span>: under 30 samples, fragile). Gap: the worst group's distance from "
           f"the best (by the metric's direction) with a 95% bootstrap interval and a test (<span class=\"sig\">*</span> "
           f"p &lt; {_e(alpha)}; a screen, not corrected for picking the two extremes).</p>"]
    for v in views:
        head = "".join(f"<th>{_e(g)}</th>" for g in v["groups"])
        rows = []
        for r in v["rows"]:
            tds = []
            for g in v["groups"]:
                x = r["groups"].get(g)
                if x is None:
                    tds.append("<td></td>")
                    continue
                worst = " worst" if g == r["worst"] else ""
                small = " <span class=\"small\" title=\"under 30 samples\">small</span>" if x["small"] else ""
                tds.append(f"<td class=\"num{worst}\">{fmt(x['value'])} <span class=\"muted\">[{fmt(x['ci_low'])}, "
                           f"{fmt(x['ci_high'])}] n={x['n']}</span>{small}</td>")
            ci = f" [{signed(r['ci_low'])}, {signed(r['ci_high'])}]" if r["ci_low"] is not None else ""
            p = _e(p_value_text(r["p_value"]))
            sig = " sig" if r["significant"] else ""
            verdict = gap_verdict(r["gap"], r["significant"])
            rows.append(f"<tr data-model=\"{_e(r['model'])}\"><td class=\"model\">{breakable(r['model'])}</td>{''.join(tds)}"
                        f"<td>{'–' if r['gap'] == 0 else _e(r['worst'])}</td><td class=\"num gap{sig}\">{fmt(r['gap'])}{ci}</td>"
                        f"<td class=\"num{sig}\">{p}{' *' if r['significant'] else ''}</td><td class=\"verdict\">{verdict}</td></tr>")
        arrow = " ↓" if v["lower_is_better"] else ""
        out.append(f"<div class=\"fairness-field\" data-task=\"{_e(v['column'])}\" data-field=\"{_e(v['field'])}\"><h3>{_e(v['column'])} "
                   f"by {_e(v['field'])} <span class=\"muted\">{_e(v['metric'])}{arrow}</span></h3><div class=\"scroll\">"
                   f"<table class=\"fairness\"><thead><tr><th>model</th>{head}<th>worst</th><th>gap [95% CI]</th><th>p</th><th></th></tr>"
                   f"</thead><tbody>{''.join(rows)}</tbody></table></div></div>")
    out.append("</section>")
    return "".join(out)
