"""Self-contained HTML: ``index.html`` (sortable table, filters, heatmap, bar charts) and task pages.

No network: CSS and JS are inline, charts are inline SVG built here. Every
string that comes from a run is escaped with ``html.escape``; JSON placed in
a ``<script>`` has ``<``, ``>`` and ``&`` written as ``\\u003c`` etc., and the
scripts put run text into the page with ``textContent`` only.
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

from evals.report.render_md import fmt


def _e(x: Any) -> str:
    return escape(str(x), quote=True)


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def script_json(obj: Any) -> str:
    """JSON that cannot end a ``<script>`` element or open markup inside it."""
    text = json.dumps(_clean(obj), ensure_ascii=False, allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_CSS = """
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d7dce2;--top:#0b6e2e;--bg2:#f5f7f9}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);margin:24px;max-width:1400px}
h1{font-size:22px;margin:0 0 6px} h2{font-size:17px;margin:28px 0 8px} .muted{color:var(--muted)}
table{border-collapse:collapse;margin:8px 0} th,td{border:1px solid var(--line);padding:4px 8px;vertical-align:top}
th{background:var(--bg2);text-align:left;white-space:nowrap} th.sortable{cursor:pointer;user-select:none}
th.sortable:after{content:" \\2195";color:#9aa3ad} th.asc:after{content:" \\2191";color:var(--fg)} th.desc:after{content:" \\2193";color:var(--fg)}
td.num{text-align:right;white-space:nowrap} .ci{color:var(--muted);font-size:12px} .rk{color:var(--muted);font-size:12px}
.top{font-weight:700;color:var(--top)} .tie{color:var(--top)} .flag{color:#a34b00;font-size:12px;margin-left:3px;cursor:help}
.variant{background:#fff8e6} .controls label{margin-right:14px} .charts{display:flex;flex-wrap:wrap;gap:18px}
.chart{border:1px solid var(--line);padding:8px} .heat td{min-width:64px;text-align:center} code{font-size:12px}
.sample{border:1px solid var(--line);padding:10px;margin:10px 0} .sample img{max-width:320px;display:block;margin:4px 0}
.sample pre{white-space:pre-wrap;margin:2px 0;font:13px/1.4 ui-monospace,monospace;background:var(--bg2);padding:4px}
.wrong{color:#b00020} .err{color:#8a5300} .ok{color:var(--top)} .note{background:#fff3cd;padding:6px 10px;border:1px solid #f0d98a}
"""

_INDEX_JS = r"""
(function(){
  var table=document.getElementById('leaderboard');
  var heads=table.tHead.rows[0].cells;
  function key(td,numeric){var v=td?td.getAttribute('data-sort'):null;if(v===null||v===''){return null;}return numeric?parseFloat(v):v.toLowerCase();}
  Array.prototype.forEach.call(heads,function(th,idx){
    if(!th.classList.contains('sortable')){return;}
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('asc');
      Array.prototype.forEach.call(heads,function(h){h.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      var numeric=th.getAttribute('data-type')==='num';
      var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){var x=key(a.cells[idx],numeric),y=key(b.cells[idx],numeric);
        if(x===null&&y===null){return 0;} if(x===null){return 1;} if(y===null){return -1;}
        var c=x<y?-1:(x>y?1:0);return asc?c:-c;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  var fm=document.getElementById('f-modality'),fk=document.getElementById('f-kind'),fv=document.getElementById('f-variants');
  function applyFilters(){
    var m=fm.value,k=fk.value,v=fv.checked;
    document.querySelectorAll('[data-modality]').forEach(function(el){
      var show=(m===''||el.getAttribute('data-modality')===m)&&(k===''||el.getAttribute('data-kind')===k)&&(v||el.getAttribute('data-variant')!=='1');
      el.style.display=show?'':'none';
    });
  }
  fm.addEventListener('change',applyFilters);fk.addEventListener('change',applyFilters);fv.addEventListener('change',applyFilters);
  applyFilters();
})();
"""

_TASK_JS = r"""
(function(){
  var data=JSON.parse(document.getElementById('viewer-data').textContent);
  var list=document.getElementById('samples'),fm=document.getElementById('f-model'),fw=document.getElementById('f-wrong'),fe=document.getElementById('f-errors');
  data.models.forEach(function(m){var o=document.createElement('option');o.value=m;o.textContent=m;fm.appendChild(o);});
  function el(tag,cls,text){var e=document.createElement(tag);if(cls){e.className=cls;}if(text!==undefined&&text!==null){e.textContent=String(text);}return e;}
  function render(){
    while(list.firstChild){list.removeChild(list.firstChild);}
    var sel=fm.value,shown=0;
    data.samples.forEach(function(s){
      var models=sel===''?data.models:[sel];
      var outs=models.map(function(m){return [m,s.outputs[m]];}).filter(function(p){return p[1];});
      if(outs.length===0){return;}
      if(fw.checked&&!outs.some(function(p){return p[1].wrong;})){return;}
      if(fe.checked&&!outs.some(function(p){return p[1].error!==null&&p[1].error!==undefined;})){return;}
      shown++;
      var box=el('div','sample');box.setAttribute('data-id',s.id);
      box.appendChild(el('div','muted','#'+s.index+'  id '+s.id));
      s.media.forEach(function(m){
        if(!m.src){box.appendChild(el('div','muted','['+m.type+' '+m.sha+' not available]'));return;}
        if(m.type==='image'){var i=document.createElement('img');i.src=m.src;i.alt='image '+m.sha;box.appendChild(i);}
        else{var a=document.createElement(m.type==='video'?'video':'audio');a.controls=true;a.preload='none';a.src=m.src;box.appendChild(a);}
      });
      box.appendChild(el('div',null,'prompt'));box.appendChild(el('pre',null,s.prompt));
      if(s.choices){box.appendChild(el('div',null,'choices'));box.appendChild(el('pre',null,s.choices.join('\n')));}
      box.appendChild(el('div',null,'references'));box.appendChild(el('pre',null,s.references.join('\n')));
      var t=el('table');var h=t.insertRow();['model','prediction','score'].forEach(function(x){h.appendChild(el('th',null,x));});
      outs.forEach(function(p){var r=t.insertRow(),o=p[1];r.appendChild(el('td',null,p[0]));
        if(o.error!==null&&o.error!==undefined){r.appendChild(el('td','err','error: '+o.error));r.appendChild(el('td','err','not scored'));}
        else{r.appendChild(el('td',o.wrong?'wrong':'ok',o.prediction));r.appendChild(el('td','num',o.score===null?'':Number(o.score).toFixed(3)));}
      });
      box.appendChild(t);list.appendChild(box);
    });
    document.getElementById('count').textContent=shown+' of '+data.samples.length+' samples shown';
  }
  fm.addEventListener('change',render);fw.addEventListener('change',render);fe.addEventListener('change',render);
  render();
})();
"""


def _page(title: str, body: str, script: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<link rel=\"icon\" href=\"data:,\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n{body}\n<script>{script}</script></body></html>\n"
    )


def _flags_html(flags: list[str], legend: dict[str, str]) -> str:
    marks = {"partial": "P", "prompt_override": "O", "errors": "E", "unparsed": "U"}
    return "".join(f"<span class=\"flag\" title=\"{_e(legend.get(f, f))}\">{marks.get(f, '?')}</span>" for f in flags)


def _bar_chart(col: dict[str, Any], cells: list[dict[str, Any]]) -> str:
    """Horizontal bars with 95% CI whiskers, best first, as inline SVG."""
    cells = [c for c in cells if c["value"] is not None]
    cells.sort(key=lambda c: (c["rank"], c["model"]))
    if not cells:
        return ""
    lo = min([0.0] + [c["ci_low"] if c["ci_low"] is not None else c["value"] for c in cells])
    hi = max([c["ci_high"] if c["ci_high"] is not None else c["value"] for c in cells] + [c["value"] for c in cells])
    hi = hi if hi > lo else lo + 1.0
    label_w, plot_w, row_h = 190, 260, 22
    height = row_h * len(cells) + 30
    x = lambda v: label_w + (v - lo) / (hi - lo) * plot_w  # noqa: E731
    parts = [f"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{label_w + plot_w + 60}\" height=\"{height}\" role=\"img\" "
             f"aria-label=\"{_e(col['key'])}\">"]
    for i, c in enumerate(cells):
        y = 8 + i * row_h
        color = "#2f7d4f" if c["is_top"] or c["tied_with_top"] else "#7a8794"
        name = c["model"] if len(c["model"]) <= 28 else c["model"][:27] + "…"
        parts.append(f"<text x=\"{label_w - 6}\" y=\"{y + 14}\" text-anchor=\"end\" font-size=\"12\">{_e(name)}</text>")
        parts.append(f"<rect x=\"{x(min(0.0, c['value'])):.1f}\" y=\"{y + 3}\" width=\"{abs(x(c['value']) - x(0.0)):.1f}\" height=\"14\" "
                     f"fill=\"{color}\"><title>{_e(c['model'])}: {fmt(c['value'])} [{fmt(c['ci_low'])}, {fmt(c['ci_high'])}]</title></rect>")
        if c["ci_low"] is not None and c["ci_high"] is not None:
            a, b, m = x(c["ci_low"]), x(c["ci_high"]), y + 10
            parts.append(f"<path d=\"M{a:.1f} {m}H{b:.1f}M{a:.1f} {m - 5}V{m + 5}M{b:.1f} {m - 5}V{m + 5}\" stroke=\"#111\" fill=\"none\"/>")
        parts.append(f"<text x=\"{label_w + plot_w + 4}\" y=\"{y + 14}\" font-size=\"11\">{fmt(c['value'])}</text>")
    axis_y = 8 + len(cells) * row_h + 4
    parts.append(f"<text x=\"{label_w}\" y=\"{axis_y + 12}\" font-size=\"10\">{fmt(lo, 2)}</text>")
    parts.append(f"<text x=\"{label_w + plot_w}\" y=\"{axis_y + 12}\" font-size=\"10\" text-anchor=\"end\">{fmt(hi, 2)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _heat_color(t: float | None) -> str:
    if t is None:
        return "#ffffff"
    hue = 5 + 125 * t  # red (worst) -> green (best) within the column
    return f"hsl({hue:.0f},65%,80%)"


def render_index(board: dict[str, Any], pages: dict[str, str]) -> str:
    """``index.html``: the whole leaderboard in one file."""
    cols = board["columns"]
    cells = {(c["model"], c["column"]): c for c in board["cells"]}
    legend = board["flags"]
    s = board["settings"]
    out = [f"<h1>Leaderboard</h1><p class=\"muted\">Generated {_e(board['generated'])} from {len(board['runs'])} run(s). "
           f"Cells: primary metric with 95% CI. Rank intervals: 2.5–97.5% of ranks over {int(s['n_resamples'])} joint bootstrap "
           f"resamples. <span class=\"top\">Bold green</span> = best; <span class=\"tie\">≈</span> = not significantly different "
           f"from the best (paired bootstrap, p ≥ {_e(s['alpha'])}). ↓ = lower is better. Click a header to sort.</p>"]
    modalities = sorted({c["modality"] for c in cols})
    kinds = sorted({c["kind"] for c in cols})
    opts = lambda vals: "".join(f"<option value=\"{_e(v)}\">{_e(v)}</option>" for v in vals)  # noqa: E731
    out.append(f"<div class=\"controls\"><label>modality <select id=\"f-modality\"><option value=\"\">all</option>{opts(modalities)}"
               f"</select></label><label>kind <select id=\"f-kind\"><option value=\"\">all</option>{opts(kinds)}</select></label>"
               f"<label><input type=\"checkbox\" id=\"f-variants\" checked> show non-comparable variant columns</label></div>")
    if any(c["variant"] for c in cols):
        out.append("<p class=\"note\">Some tasks have results that are <b>not comparable</b> (different task hash, dataset revision "
                   "or metric options). They are shown in separate columns marked <code>task@hash</code> (shaded) and do not count "
                   "towards the overall rank.</p>")

    def colattrs(c: dict[str, Any]) -> str:
        return (f"data-modality=\"{_e(c['modality'])}\" data-kind=\"{_e(c['kind'])}\" data-variant=\"{int(c['variant'])}\""
                + (" class=\"variant\"" if c["variant"] else ""))

    head = ["<th class=\"sortable\" data-type=\"num\">rank</th>", "<th class=\"sortable\" data-type=\"text\">model</th>",
            "<th class=\"sortable\" data-type=\"num\">mean task rank</th>"]
    for c in cols:
        link = pages.get(c["task"])
        title = f"<a href=\"{_e(link)}\">{_e(c['key'])}</a>" if link else _e(c["key"])
        arrow = " ↓" if c["lower_is_better"] else ""
        cls = "sortable variant" if c["variant"] else "sortable"
        head.append(f"<th class=\"{cls}\" data-type=\"num\" data-modality=\"{_e(c['modality'])}\" data-kind=\"{_e(c['kind'])}\" "
                    f"data-variant=\"{int(c['variant'])}\" title=\"task hash {_e(c['task_hash'])}\">{title}<br>"
                    f"<span class=\"muted\">{_e(c['metric'])}{arrow}</span></th>")
    rows = []
    for m in board["models"]:
        r = m["rank"]
        interval = f" <span class=\"rk\">({m['rank_low']}–{m['rank_high']})</span>" if m["rank_low"] != m["rank_high"] else ""
        tds = [f"<td class=\"num\" data-sort=\"{r}\">{r}{interval}</td>", f"<td data-sort=\"{_e(m['model'])}\">{_e(m['model'])}</td>",
               f"<td class=\"num\" data-sort=\"{'' if m['mean_rank'] is None else m['mean_rank']}\">{fmt(m['mean_rank'], 2)}</td>"]
        for c in cols:
            x = cells.get((m["model"], c["key"]))
            if x is None or x["value"] is None:
                tds.append(f"<td {colattrs(c)} data-sort=\"\"></td>")
                continue
            # Sorting a column puts the best first on the first click whatever the direction.
            sort_val = x["value"] if c["lower_is_better"] else -x["value"]
            cls = "top" if x["is_top"] else ("tie" if x["tied_with_top"] else "")
            mark = "≈" if x["tied_with_top"] else ""
            ci = f"<br><span class=\"ci\">[{fmt(x['ci_low'])}, {fmt(x['ci_high'])}]</span>" if x["ci_low"] is not None else ""
            rk = f"#{x['rank']}" + (f" ({x['rank_low']}–{x['rank_high']})" if x["rank_low"] is not None and x["rank_low"] != x["rank_high"] else "")
            ptxt = f", p={x['p_vs_top']:.3f} vs best" if x["p_vs_top"] is not None else ""
            tds.append(f"<td {colattrs(c)} data-sort=\"{sort_val}\"><span class=\"{cls}\">{mark}{fmt(x['value'])}</span>"
                       f"{_flags_html(x['flags'], legend)}{ci}<br><span class=\"rk\">{_e(rk)}{_e(ptxt)}</span></td>")
        rows.append(f"<tr data-model=\"{_e(m['model'])}\">{''.join(tds)}</tr>")
    out.append(f"<table id=\"leaderboard\"><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    out.append("<p class=\"muted\">Flags: " + "; ".join(f"{_flags_html([k], legend)} {_e(v)}" for k, v in legend.items()) + "</p>")

    out.append("<h2>Heatmap</h2><p class=\"muted\">Colour: position between the worst (red) and best (green) model of each column.</p>")
    hh = "".join(f"<th {colattrs(c)}>{_e(c['key'])}</th>" for c in cols)
    hrows = []
    for m in board["models"]:
        tds = []
        for c in cols:
            x = cells.get((m["model"], c["key"]))
            vals = [cells[(mm["model"], c["key"])]["value"] for mm in board["models"]
                    if (mm["model"], c["key"]) in cells and cells[(mm["model"], c["key"])]["value"] is not None]
            t = None
            if x is not None and x["value"] is not None and vals:
                lo, hi = min(vals), max(vals)
                t = 1.0 if hi == lo else (x["value"] - lo) / (hi - lo)
                t = 1 - t if c["lower_is_better"] else t
            tds.append(f"<td {colattrs(c)} style=\"background:{_heat_color(t)}\">{fmt(x['value']) if x else ''}</td>")
        hrows.append(f"<tr><th>{_e(m['model'])}</th>{''.join(tds)}</tr>")
    out.append(f"<table class=\"heat\"><thead><tr><th>model</th>{hh}</tr></thead><tbody>{''.join(hrows)}</tbody></table>")

    out.append("<h2>Per-task results</h2><div class=\"charts\">")
    for c in cols:
        col_cells = [x for x in board["cells"] if x["column"] == c["key"]]
        link = pages.get(c["task"])
        name = f"<a href=\"{_e(link)}\">{_e(c['key'])}</a>" if link else _e(c["key"])
        notes = "".join(f"<div class=\"muted\">{_e(n)}</div>" for n in c["notes"])
        out.append(f"<div class=\"chart\" data-modality=\"{_e(c['modality'])}\" data-kind=\"{_e(c['kind'])}\" data-variant=\"{int(c['variant'])}\">"
                   f"<b>{name}</b> <span class=\"muted\">{_e(c['metric'])}{' ↓' if c['lower_is_better'] else ''}</span>"
                   f"{_bar_chart(c, col_cells)}{notes}</div>")
    out.append("</div>")

    out.append("<h2>Tasks and hashes</h2><table><thead><tr><th>column</th><th>modality</th><th>kind</th><th>task hash</th>"
               "<th>spec hash</th><th>dataset revision</th><th>metric options</th><th>shared samples</th></tr></thead><tbody>")
    for c in cols:
        out.append(f"<tr><td>{_e(c['key'])}</td><td>{_e(c['modality'])}</td><td>{_e(c['kind'])}</td><td><code>{_e(c['task_hash'])}</code></td>"
                   f"<td><code>{_e(c['spec_hash'])}</code></td><td>{_e(c['revision'] or 'unpinned')}</td>"
                   f"<td><code>{_e(json.dumps(c['scorers'], sort_keys=True))}</code></td><td>{c['n_shared_samples']}</td></tr>")
    out.append("</tbody></table>")
    flagged = [x for x in board["cells"] if x["flags"]]
    if flagged:
        out.append("<h2>Flagged results</h2><ul>")
        for x in flagged:
            out.append(f"<li>{_e(x['model'])} on {_e(x['column'])}: {_e(', '.join(legend.get(f, f) for f in x['flags']))}"
                       f"{' (' + _e(x['selection']) + ')' if 'partial' in x['flags'] else ''}</li>")
        out.append("</ul>")
    out.append(f"<script type=\"application/json\" id=\"leaderboard-data\">{script_json({k: v for k, v in board.items() if not k.startswith('_')})}</script>")
    return _page("Leaderboard", "\n".join(out), _INDEX_JS)


def render_task_page(board: dict[str, Any], task: str, data: dict[str, Any]) -> str:
    """``tasks/<task>.html``: the task's results and a filterable viewer of up to N samples."""
    cols = [c for c in board["columns"] if c["task"] == task]
    out = [f"<p><a href=\"../index.html\">← leaderboard</a></p><h1>{_e(task)}</h1>"]
    for c in cols:
        col_cells = sorted((x for x in board["cells"] if x["column"] == c["key"]), key=lambda x: (x["rank"], x["model"]))
        out.append(f"<h2>{_e(c['key'])} <span class=\"muted\">{_e(c['metric'])}{' ↓' if c['lower_is_better'] else ''} · "
                   f"task hash <code>{_e(c['task_hash'])}</code></span></h2>{_bar_chart(c, col_cells)}")
    out.append(f"<h2>Samples</h2><p class=\"muted\">Up to {len(data['samples'])} samples (the first by index); score: "
               f"{_e(data['scorer'])} per sample{' (lower is better)' if data['lower_is_better'] else ''}.</p>")
    if data["media_note"]:
        out.append(f"<p class=\"note\" id=\"media-note\">Media not shown: {_e(data['media_note'])}</p>")
    out.append("<div class=\"controls\"><label>model <select id=\"f-model\"><option value=\"\">all</option></select></label>"
               "<label><input type=\"checkbox\" id=\"f-wrong\"> wrong answers only</label>"
               "<label><input type=\"checkbox\" id=\"f-errors\"> errors only</label> <span id=\"count\" class=\"muted\"></span></div>"
               "<div id=\"samples\"></div>")
    out.append(f"<script type=\"application/json\" id=\"viewer-data\">{script_json(data)}</script>")
    return _page(f"{task} · leaderboard", "\n".join(out), _TASK_JS)
