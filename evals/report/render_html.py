"""Self-contained HTML: ``index.html`` (sortable table, filters, heatmap, bar charts, runs) and task pages.

Layout: text wraps rather than overflowing (full model names in charts, in an
HTML column beside the SVG bars), wide tables scroll inside their own box, so
the page never scrolls sideways; the browser tests check this in Chromium, at
760 to 1,920 px. Model and task names wrap only after ``: / - _ .`` (``<wbr>``,
``html_text.breakable``) or at spaces, never inside a token; the page uses the
window's width, so the example leaderboard's table shows its last column at
1,400 px. Condition columns (a task under a robustness condition) are shown in
the robustness view only, mildest first, not in the main table, the heatmap or
the per-task charts.

No network: CSS and JS are inline, charts are inline SVG built here. Every
string that comes from a run is escaped with ``html.escape``; JSON placed in
a ``<script>`` has ``<``, ``>`` and ``&`` written as ``\\u003c`` etc., and the
scripts put run text into the page with ``textContent`` only.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from evals.report.html_text import breakable, esc
from evals.report.render_md import fmt, p_text


_e = esc


def script_json(obj: Any) -> str:
    """JSON that cannot end a ``<script>`` element or open markup inside it; a NaN or infinity is written as null.

    msgspec writes it (NaN and infinities as null, as JSON has neither), in one pass in C: a task page holds every
    model's answer to every sample, and ``json.dumps`` took a third of the time of writing the pages."""
    text = msgspec.json.encode(obj).decode()
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_CSS = """
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d7dce2;--top:#0b6e2e;--bg2:#f5f7f9}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);margin:24px}
body>p{max-width:1400px}
h1{font-size:22px;margin:0 0 6px} h2{font-size:17px;margin:28px 0 8px} h3{font-size:15px;margin:16px 0 6px;overflow-wrap:anywhere}
.muted{color:var(--muted)} p,li,h1,h2{overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:8px 0} th,td{border:1px solid var(--line);padding:4px 8px;vertical-align:top}
th{background:var(--bg2);text-align:left;white-space:nowrap} th.sortable{cursor:pointer;user-select:none}
#leaderboard thead th,.heat thead th{white-space:normal;overflow-wrap:normal;word-break:normal}
#leaderboard thead th.task{min-width:8em}
th.sortable:after{content:" \\2195";color:#9aa3ad} th.asc:after{content:" \\2191";color:var(--fg)} th.desc:after{content:" \\2193";color:var(--fg)}
td.model,th.model{white-space:normal;min-width:8em;max-width:24em;overflow-wrap:break-word;word-break:normal}
td.num{text-align:right;white-space:nowrap} .ci{color:var(--muted);font-size:12px} .rk{color:var(--muted);font-size:12px}
.top{font-weight:700;color:var(--top)} .tie{color:var(--top)} .flag{color:#a34b00;font-size:12px;margin-left:3px;cursor:help}
td.partial{background:repeating-linear-gradient(135deg,#fff,#fff 6px,#fbf3e6 6px,#fbf3e6 12px)} .partial-note{color:#a34b00;font-size:12px}
.variant{background:#fff8e6} .controls{margin:8px 0} .controls select{max-width:24em} .controls label{margin-right:14px;display:inline-block}
.charts{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.chart{border:1px solid var(--line);padding:8px;max-width:100%;box-sizing:border-box}
.chart-title{overflow-wrap:anywhere;margin-bottom:6px}
.bars{display:grid;grid-template-columns:minmax(6em,22em) 260px max-content;column-gap:8px;row-gap:3px;align-items:center;font-size:12px}
.bar-label{text-align:right;overflow-wrap:break-word;word-break:normal;line-height:1.25} .bar-track{width:260px;height:18px} .bar-track svg{display:block}
.bar-value{white-space:nowrap;color:var(--fg)} .bar-axis{display:flex;justify-content:space-between;color:var(--muted);font-size:11px}
#leaderboard td[data-modality]{min-width:9em} .heat td{min-width:64px;text-align:center} .heat thead th{max-width:16em}
.legend-swatch{display:inline-block;width:14px;height:12px;vertical-align:middle;border:1px solid var(--line);margin:0 3px 0 8px}
.sig{color:#b3261e;font-weight:600} .delta{font-size:11px;color:#444} .delta.sig{color:#b3261e} .small{font-size:10px;padding:0 3px;border:1px solid #b58900;color:#7a5c00;border-radius:3px} td.worst{background:#fdf0ee} .curve{display:block;max-width:100%;height:auto} .curve-legend{font-size:12px;margin:2px 0 8px} .curve-legend .key{margin-right:10px}
code{font-size:12px} td.prov-commit code,td.hash code{white-space:nowrap}
table.prov{width:100%;min-width:960px;font-size:13px} table.prov td{overflow-wrap:break-word} table.prov td.prov-run,table.prov td.prov-command{overflow-wrap:anywhere}
table.prov td.prov-model{min-width:9em;max-width:18em;overflow-wrap:break-word} table.prov td.prov-run{min-width:12em} table.prov td.prov-command{min-width:14em} table.prov td.prov-date{white-space:nowrap}
table.prov details summary{cursor:pointer;color:var(--muted)}
.sample{border:1px solid var(--line);padding:10px;margin:10px 0} .sample img{max-width:320px;max-height:320px;display:block;margin:4px 0}
.sample pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:2px 0;font:13px/1.4 ui-monospace,monospace;background:var(--bg2);padding:4px}
.sample table{width:100%;table-layout:fixed} .sample td{overflow-wrap:anywhere} .sample th:first-child{width:26%} .sample th:last-child{width:9em}
.variant-tag{background:#eef3ff;border:1px solid #c9d6f5;border-radius:3px;padding:0 5px;font-size:12px;margin-left:6px}
.wrong{color:#b00020} .err{color:#8a5300} .ok{color:var(--top)} .note{background:#fff3cd;padding:6px 10px;border:1px solid #f0d98a}
.pager button{margin:0 4px} .pager{margin:8px 0}
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
  var PAGE=50,page=0,matches=[];
  var list=document.getElementById('samples'),fm=document.getElementById('f-model'),fw=document.getElementById('f-wrong'),
      fe=document.getElementById('f-errors'),fq=document.getElementById('f-search'),prev=document.getElementById('prev'),next=document.getElementById('next');
  data.models.forEach(function(m){var o=document.createElement('option');o.value=m;o.textContent=m;fm.appendChild(o);});
  function el(tag,cls,text){var e=document.createElement(tag);if(cls){e.className=cls;}if(text!==undefined&&text!==null){e.textContent=String(text);}return e;}
  function outputs(s){
    var sel=fm.value;
    return data.models.map(function(m,k){return [m,Array.isArray(s.outputs)?s.outputs[k]:s.outputs[m]];})
      .filter(function(p){return p[1]&&(sel===''||p[0]===sel);});
  }
  function failed(o){return (o.error!==null&&o.error!==undefined)||(o.score_error!==null&&o.score_error!==undefined);}
  function text(s,outs){
    var parts=[s.id,s.prompt||''].concat(s.references||[]);
    outs.forEach(function(p){parts.push(p[1].prediction||'');parts.push(p[1].extracted||'');});
    return parts.join('\n').toLowerCase();
  }
  function filter(){
    var q=fq.value.trim().toLowerCase();matches=[];
    data.samples.forEach(function(s,i){
      var outs=outputs(s);
      if(outs.length===0){return;}
      if(fw.checked&&!outs.some(function(p){return p[1].wrong;})){return;}
      if(fe.checked&&!outs.some(function(p){return failed(p[1]);})){return;}
      if(q!==''&&text(s,outs).indexOf(q)<0){return;}
      matches.push(i);
    });
  }
  function sample(s){
    var outs=outputs(s);
    var box=el('div','sample');box.setAttribute('data-id',s.id);
    var head=el('div','muted','#'+s.index+'  id '+s.id);
    if(s.variant){var tag=el('span','variant-tag','variant '+s.variant+(s.group?' of question '+s.group:''));head.appendChild(tag);}
    box.appendChild(head);
    (s.media||[]).forEach(function(m){
      if(!m.src){box.appendChild(el('div','muted','['+m.type+' '+m.sha+(m.skipped?' not copied into this report (see the note above)]':' not available]')));return;}
      if(m.type==='image'){var i=document.createElement('img');i.src=m.src;i.alt='image '+m.sha;i.loading='lazy';box.appendChild(i);}
      else{var a=document.createElement(m.type==='video'?'video':'audio');a.controls=true;a.preload='none';a.src=m.src;box.appendChild(a);}
    });
    box.appendChild(el('div',null,'prompt'));box.appendChild(el('pre',null,s.prompt));
    if(s.choices){box.appendChild(el('div',null,'choices'));box.appendChild(el('pre',null,s.choices.join('\n')));}
    box.appendChild(el('div',null,'references'));box.appendChild(el('pre',null,(s.references||[]).join('\n')));
    var t=el('table');var h=t.insertRow();
    var cols=data.has_extracted?['model','prediction','extracted answer','score']:['model','prediction','score'];
    cols.forEach(function(x){h.appendChild(el('th',null,x));});
    outs.forEach(function(p){var r=t.insertRow(),o=p[1];r.appendChild(el('td',null,p[0]));
      if(o.error!==null&&o.error!==undefined){
        r.appendChild(el('td','err','error: '+o.error));
        if(data.has_extracted){r.appendChild(el('td','muted',''));}
        r.appendChild(el('td','err','not scored'));return;
      }
      r.appendChild(el('td',o.wrong?'wrong':(failed(o)?'err':'ok'),o.prediction));
      if(data.has_extracted){
        var x=el('td','extracted');
        if(o.extracted!==undefined&&o.extracted!==null){x.appendChild(el('span',null,o.extracted));}
        if(o.extraction_rule){x.appendChild(el('div','muted','rule: '+o.extraction_rule));}
        r.appendChild(x);
      }
      if(o.score_error!==undefined&&o.score_error!==null){r.appendChild(el('td','err score-error','scoring error: '+o.score_error));}
      else{r.appendChild(el('td','num',o.score===null||o.score===undefined?'':Number(o.score).toFixed(3)));}
    });
    box.appendChild(t);
    outs.forEach(function(p){if(p[1].explanation){box.appendChild(el('div','muted',p[0]+': '+p[1].explanation));}});
    return box;
  }
  function render(){
    while(list.firstChild){list.removeChild(list.firstChild);}
    var pages=Math.max(1,Math.ceil(matches.length/PAGE));
    if(page>=pages){page=pages-1;}
    var from=page*PAGE,to=Math.min(matches.length,from+PAGE);
    for(var j=from;j<to;j++){list.appendChild(sample(data.samples[matches[j]]));}
    document.getElementById('count').textContent=matches.length+' of '+data.samples.length+' samples match'+
      (matches.length?'; showing '+(from+1)+'–'+to:'');
    document.getElementById('page').textContent='page '+(page+1)+' of '+pages;
    prev.disabled=page===0;next.disabled=page>=pages-1;
  }
  function refilter(){page=0;filter();render();}
  fm.addEventListener('change',refilter);fw.addEventListener('change',refilter);fe.addEventListener('change',refilter);
  fq.addEventListener('input',refilter);
  prev.addEventListener('click',function(){if(page>0){page--;render();window.scrollTo(0,list.offsetTop-80);}});
  next.addEventListener('click',function(){page++;render();window.scrollTo(0,list.offsetTop-80);});
  refilter();
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


def rank_text(rank: Any, low: Any, high: Any) -> str:
    """``3 (2–5)``: a rank with its 95% interval, which is always shown when there is one (``1 (1–1)`` too)."""
    if rank is None:
        return "–"
    return f"{rank} ({low}–{high})" if low is not None and high is not None else f"{rank}"


def _bar_chart(col: dict[str, Any], cells: list[dict[str, Any]]) -> str:
    """Horizontal bars with 95% CI whiskers, best first: full model names in an HTML column (they wrap), bars in SVG."""
    cells = [c for c in cells if c["value"] is not None]
    cells.sort(key=lambda c: (c["rank"], c["model"]))
    if not cells:
        return ""
    lo = min([0.0] + [c["ci_low"] if c["ci_low"] is not None else c["value"] for c in cells] + [c["value"] for c in cells])
    hi = max([c["ci_high"] if c["ci_high"] is not None else c["value"] for c in cells] + [c["value"] for c in cells])
    hi = hi if hi > lo else lo + 1.0
    plot_w, row_h = 260, 18
    x = lambda v: 2 + (v - lo) / (hi - lo) * (plot_w - 4)  # noqa: E731
    parts = [f"<div class=\"bars\" role=\"img\" aria-label=\"{_e(col['key'])}: {_e(col['metric'])} per model\">"]
    for c in cells:
        color = "#2f7d4f" if c["is_top"] or c["tied_with_top"] else "#7a8794"
        tip = f"{c['model']}: {fmt(c['value'])} [{fmt(c['ci_low'])}, {fmt(c['ci_high'])}]"
        svg = [f"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{plot_w}\" height=\"{row_h}\" viewBox=\"0 0 {plot_w} {row_h}\">",
               f"<rect x=\"{x(min(0.0, c['value'])):.1f}\" y=\"3\" width=\"{abs(x(c['value']) - x(0.0)):.1f}\" height=\"12\" "
               f"fill=\"{color}\"><title>{_e(tip)}</title></rect>"]
        if c["ci_low"] is not None and c["ci_high"] is not None:
            a, b, m = x(c["ci_low"]), x(c["ci_high"]), 9
            svg.append(f"<path d=\"M{a:.1f} {m}H{b:.1f}M{a:.1f} {m - 5}V{m + 5}M{b:.1f} {m - 5}V{m + 5}\" stroke=\"#111\" fill=\"none\"/>")
        svg.append("</svg>")
        parts.append(f"<div class=\"bar-label\" title=\"{_e(c['model'])}\">{breakable(c['model'])}</div>"
                     f"<div class=\"bar-track\">{''.join(svg)}</div><div class=\"bar-value\">{fmt(c['value'])}"
                     f"{_flags_html(c['flags'], {})}</div>")
    parts.append(f"<div></div><div class=\"bar-axis\"><span>{fmt(lo, 2)}</span><span>{fmt(hi, 2)}</span></div><div></div>")
    parts.append("</div>")
    return "".join(parts)


def _heat_color(t: float | None) -> str:
    if t is None:
        return "#ffffff"
    hue = 5 + 125 * t  # red (worst) -> green (best) within the column
    return f"hsl({hue:.0f},65%,80%)"


NEUTRAL = "#e9ecef"


def heat_position(value: float | None, values: list[float], lower_is_better: bool) -> float | None:
    """0 (worst) .. 1 (best) of ``value`` among ``values``; None when there is nothing to compare (one value, or all equal)."""
    if value is None or not values:
        return None
    lo, hi = min(values), max(values)
    if hi == lo:
        return None
    t = (value - lo) / (hi - lo)
    return 1 - t if lower_is_better else t


def _heading(c: dict[str, Any]) -> str:
    """A heatmap column's heading: the key, breakable only after ``: / - _ .``, its direction arrow kept with the last token."""
    return breakable(c["key"]) + ("&nbsp;↓" if c["lower_is_better"] else "")


def _cell_html(x: dict[str, Any], c: dict[str, Any], legend: dict[str, str]) -> str:
    cls = "top" if x["is_top"] else ("tie" if x["tied_with_top"] else "")
    mark = "≈" if x["tied_with_top"] else ""
    ci = f"<br><span class=\"ci\">[{fmt(x['ci_low'])}, {fmt(x['ci_high'])}]</span>" if x["ci_low"] is not None else ""
    rk = "#" + rank_text(x["rank"], x["rank_low"], x["rank_high"])
    if x["p_vs_top"] is not None:
        rk += f", {p_text(x['p_vs_top'])} vs best"
    elif not x["is_top"] and not x.get("tested", True) and c["n_models"] > 1:
        rk += ", not tested (too few shared samples)"
    partial = (f"<br><span class=\"partial-note\">partial: {_e(x['selection'])}</span>" if "partial" in x["flags"] else "")
    return (f"<span class=\"{cls}\">{mark}{fmt(x['value'])}</span>{_flags_html(x['flags'], legend)}{ci}"
            f"<br><span class=\"rk\">{_e(rk)}</span>{partial}")


def _provenance_html(board: dict[str, Any]) -> str:
    any_judge = any(r.get("judges") for m in board["models"] for r in m.get("runs", []))
    out = ["<h2 id=\"runs\">Models and runs</h2><p class=\"muted\">When, how and on what each model's results were made "
           "(from each run's manifest.json; credentials in command lines were redacted when the run was written).</p>",
           "<div class=\"scroll\"><table class=\"prov\" id=\"provenance\"><thead><tr><th>model</th><th>run</th><th>tasks</th>"
           "<th>date (UTC)</th><th>omnieval</th><th>commit</th><th>command</th><th>hardware</th>"
           + ("<th>judge</th>" if any_judge else "") + "<th>packages</th></tr></thead><tbody>"]

    def date(x: str | None) -> str:
        return (x or "?").replace("T", " ").replace("+00:00", "")

    for m in board["models"]:
        for r in m.get("runs", []):
            host = r.get("host") or {}
            judges = r.get("judges") or {}
            judge = "; ".join(f"{t}: {j if isinstance(j, str) else json.dumps(j, sort_keys=True)}" for t, j in judges.items()) or "–"
            packages = ", ".join(f"{k} {v}" for k, v in (r.get("packages") or {}).items())
            commit = r["git_commit"] or "unknown"
            rescored = f"<div class=\"muted\">rescored from {_e(', '.join(r['rescored_from']))}</div>" if r.get("rescored_from") else ""
            out.append(
                f"<tr data-model=\"{_e(m['model'])}\"><td class=\"prov-model\">{breakable(m['model'])}</td>"
                f"<td class=\"prov-run\"><code>{_e(r['run_id'])}</code>{rescored}</td><td>{_e(', '.join(r['tasks']))}</td>"
                f"<td class=\"prov-date\">{_e(date(r['started']))}<br><span class=\"muted\">to {_e(date(r['finished']) if r['finished'] else 'not finished')}</span></td>"
                f"<td class=\"prov-version\">{_e(r['omnieval_version'] or 'unknown')}</td>"
                f"<td class=\"prov-commit\"><code title=\"{_e(commit)}\">{_e(commit[:12])}</code></td>"
                f"<td class=\"prov-command\"><code>{_e(' '.join(r['command']) if r['command'] else 'unknown')}</code></td>"
                f"<td class=\"prov-host\">{_e('; '.join(f'{k}: {v}' for k, v in host.items()) or 'unknown')}</td>"
                + (f"<td class=\"prov-judge\">{_e(judge)}</td>" if any_judge else "") +
                f"<td class=\"prov-packages\"><details><summary>{len(r.get('packages') or {})}</summary>{_e(packages)}</details></td></tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def render_index(board: dict[str, Any], pages: dict[str, str]) -> str:
    """``index.html``: the whole leaderboard in one file."""
    cols = board["columns"]
    cells = {(c["model"], c["column"]): c for c in board["cells"]}
    legend = board["flags"]
    s = board["settings"]
    overall = board.get("overall") or {}
    out = [f"<h1>Leaderboard</h1><p class=\"muted\">Generated {_e(board['generated'])} from {len(board['runs'])} run(s). "
           f"Cells: primary metric with 95% CI, then the rank in that column with its 95% interval "
           f"(2.5–97.5% of ranks over {int(s['n_resamples'])} joint bootstrap resamples of the samples every model scored). "
           f"<span class=\"top\">Bold green</span> = best; <span class=\"tie\">≈</span> = not significantly different "
           f"from the best (paired bootstrap, p ≥ {_e(s['alpha'])}; tested only on at least {_e(s.get('min_shared', '?'))} "
           f"shared samples). ↓ = lower is better. Click a header to sort.</p>"]
    if overall.get("note"):
        out.append(f"<p id=\"overall-note\" class=\"note\">{_e(overall['note'][0].upper() + overall['note'][1:])}.</p>")
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

    def colattrs(c: dict[str, Any], extra: str = "") -> str:
        classes = " ".join(x for x in (("variant" if c["variant"] else ""), extra) if x)
        return (f"data-modality=\"{_e(c['modality'])}\" data-kind=\"{_e(c['kind'])}\" data-variant=\"{int(c['variant'])}\""
                + (f" class=\"{classes}\"" if classes else ""))

    n_main = overall.get("n_columns", sum(1 for c in cols if not c["variant"]))
    head = ["<th class=\"sortable\" data-type=\"num\">rank (95% interval)</th>",
            "<th class=\"sortable model\" data-type=\"text\">model</th>",
            f"<th class=\"sortable\" data-type=\"num\" title=\"task columns with a result, of {n_main}\">tasks</th>",
            "<th class=\"sortable\" data-type=\"num\">mean task rank</th>"]
    for c in cols:
        link = pages.get(c["task"])
        title = f"<a href=\"{_e(link)}\">{breakable(c['key'])}</a>" if link else breakable(c["key"])
        arrow = " ↓" if c["lower_is_better"] else ""
        cls = "sortable task variant" if c["variant"] else "sortable task"
        head.append(f"<th class=\"{cls}\" data-type=\"num\" data-modality=\"{_e(c['modality'])}\" data-kind=\"{_e(c['kind'])}\" "
                    f"data-variant=\"{int(c['variant'])}\" title=\"task hash {_e(c['task_hash'])}\">{title}<br>"
                    f"<span class=\"muted\">{_e(c['metric'])}{arrow}</span></th>")
    rows = []
    for m in board["models"]:
        r = m["rank"]
        if r is None:
            rank_td = ("<td class=\"num unranked\" data-sort=\"\" title=\"no overall rank: this model lacks some of the tasks "
                       "the overall rank is computed on; see its per-task ranks\">–</td>")
        else:
            interval = (f" <span class=\"rk\">({m['rank_low']}–{m['rank_high']})</span>" if m["rank_low"] is not None else "")
            rank_td = f"<td class=\"num\" data-sort=\"{r}\">{r}{interval}</td>"
        tds = [rank_td, f"<td class=\"model\" data-sort=\"{_e(m['model'])}\">{breakable(m['model'])}</td>",
               f"<td class=\"num coverage\" data-sort=\"{m.get('n_tasks', 0)}\">{m.get('n_tasks', 0)} of {n_main}</td>",
               f"<td class=\"num\" data-sort=\"{'' if m['mean_rank'] is None else m['mean_rank']}\">{fmt(m['mean_rank'], 2)}</td>"]
        for c in cols:
            x = cells.get((m["model"], c["key"]))
            if x is not None and x.get("submitted"):
                tds.append(f"<td {colattrs(c, 'submitted')} data-sort=\"\" title=\"scored by the benchmark's server: "
                           f"{_e((x.get('submission') or {}).get('path', ''))} in run {_e(x['run_id'])}; not ranked\">submitted"
                           f"{_flags_html(x['flags'], legend)}</td>")
                continue
            if x is None or x["value"] is None:
                tds.append(f"<td {colattrs(c)} data-sort=\"\"></td>")
                continue
            # Sorting a column puts the best first on the first click whatever the direction.
            sort_val = x["value"] if c["lower_is_better"] else -x["value"]
            tds.append(f"<td {colattrs(c, 'partial' if 'partial' in x['flags'] else '')} data-sort=\"{sort_val}\">"
                       f"{_cell_html(x, c, legend)}</td>")
        rows.append(f"<tr data-model=\"{_e(m['model'])}\">{''.join(tds)}</tr>")
    out.append(f"<div class=\"scroll\"><table id=\"leaderboard\"><thead><tr>{''.join(head)}</tr></thead>"
               f"<tbody>{''.join(rows)}</tbody></table></div>")
    out.append("<p class=\"muted\">Flags: " + "; ".join(f"{_flags_html([k], legend)} {_e(v)}" for k, v in legend.items()) + "</p>")

    out.append("<h2>Heatmap</h2><p class=\"muted\">Colour: position between the worst (red) and best (green) model of each "
               f"column, lower values best where the metric says so (↓).<span class=\"legend-swatch\" style=\"background:{NEUTRAL}\">"
               "</span>nothing to compare (one model, or equal values).</p>")
    hh = "".join(f"<th {colattrs(c)}>{_heading(c)}</th>" for c in cols)
    hrows = []
    for m in board["models"]:
        tds = []
        for c in cols:
            x = cells.get((m["model"], c["key"]))
            vals = [cells[(mm["model"], c["key"])]["value"] for mm in board["models"]
                    if (mm["model"], c["key"]) in cells and cells[(mm["model"], c["key"])]["value"] is not None]
            if x is not None and x.get("submitted"):
                tds.append(f"<td {colattrs(c)} style=\"background:{NEUTRAL}\">submitted</td>")
                continue
            if x is None or x["value"] is None:
                tds.append(f"<td {colattrs(c)}></td>")
                continue
            t = heat_position(x["value"], vals, c["lower_is_better"])
            color = NEUTRAL if t is None else _heat_color(t)
            tds.append(f"<td {colattrs(c)} style=\"background:{color}\">{fmt(x['value'])}</td>")
        hrows.append(f"<tr><th class=\"model\">{breakable(m['model'])}</th>{''.join(tds)}</tr>")
    out.append(f"<div class=\"scroll\"><table class=\"heat\"><thead><tr><th>model</th>{hh}</tr></thead>"
               f"<tbody>{''.join(hrows)}</tbody></table></div>")

    out.append("<h2>Per-task results</h2><div class=\"charts\">")
    for c in cols:
        col_cells = [x for x in board["cells"] if x["column"] == c["key"]]
        link = pages.get(c["task"])
        name = f"<a href=\"{_e(link)}\">{_e(c['key'])}</a>" if link else _e(c["key"])
        notes = "".join(f"<div class=\"muted\">{_e(n)}</div>" for n in c["notes"])
        out.append(f"<div class=\"chart\" data-modality=\"{_e(c['modality'])}\" data-kind=\"{_e(c['kind'])}\" data-variant=\"{int(c['variant'])}\">"
                   f"<div class=\"chart-title\"><b>{name}</b> <span class=\"muted\">{_e(c['metric'])}{' ↓' if c['lower_is_better'] else ''}</span></div>"
                   f"{_bar_chart(c, col_cells)}{notes}</div>")
    out.append("</div>")
    from evals.report.views_html import fairness_html, robustness_html

    out.append(robustness_html(board.get("robustness") or [], s["alpha"], pages))
    out.append(fairness_html(board.get("fairness") or [], s["alpha"]))
    out.append(_provenance_html(board))

    out.append("<h2>Tasks and hashes</h2><div class=\"scroll\"><table><thead><tr><th>column</th><th>modality</th><th>kind</th><th>task hash</th>"
               "<th>spec hash</th><th>dataset revision</th><th>metric options</th><th>shared samples</th></tr></thead><tbody>")
    for c in cols + board.get("condition_columns", []):
        out.append(f"<tr><td>{breakable(c['key'])}</td><td>{_e(c['modality'])}</td><td>{_e(c['kind'])}</td><td class=\"hash\"><code>{_e(c['task_hash'])}</code></td>"
                   f"<td class=\"hash\"><code>{_e(c['spec_hash'])}</code></td><td>{_e(c['revision'] or 'unpinned')}</td>"
                   f"<td><code>{_e(json.dumps(c['scorers'], sort_keys=True))}</code></td><td>{c['n_shared_samples']}</td></tr>")
    out.append("</tbody></table></div>")
    flagged = [x for x in board["cells"] + board.get("condition_cells", []) if x["flags"]]
    if flagged:
        out.append("<h2>Flagged results</h2><ul>")
        for x in flagged:
            out.append(f"<li>{_e(x['model'])} on {_e(x['column'])}: {_e(', '.join(legend.get(f, f) for f in x['flags']))}"
                       f"{' (' + _e(x['selection']) + ')' if 'partial' in x['flags'] else ''}</li>")
        out.append("</ul>")
    if board.get("superseded"):
        out.append("<h2>Results set aside</h2><p class=\"muted\">Other runs of the same model and task; per (model, task) the most "
                   "complete run is used, then the newest.</p><ul id=\"superseded\">")
        for x in board["superseded"]:
            out.append(f"<li>{_e(x['model'])} on {_e(x['task'])}: run <code>{_e(x['run_id'])}</code> — {_e(x.get('reason', 'superseded'))}</li>")
        out.append("</ul>")
    out.append(f"<script type=\"application/json\" id=\"leaderboard-data\">{script_json({k: v for k, v in board.items() if not k.startswith('_')})}</script>")
    return _page("Leaderboard", "\n".join(out), _INDEX_JS)


def render_task_page(board: dict[str, Any], task: str, data: dict[str, Any]) -> str:
    """``tasks/<task>.html``: the task's results and a filterable, paginated viewer of every sample."""
    cols = [c for c in board.get("columns", []) + board.get("condition_columns", []) if c["task"] == task]
    all_cells = board["cells"] + board.get("condition_cells", [])
    out = [f"<p><a href=\"../index.html\">← leaderboard</a></p><h1>{_e(task)}</h1>"]
    for c in cols:
        col_cells = sorted((x for x in all_cells if x["column"] == c["key"]), key=lambda x: (x["rank"], x["model"]))
        out.append(f"<h2>{_e(c['key'])} <span class=\"muted\">{_e(c['metric'])}{' ↓' if c['lower_is_better'] else ''} · "
                   f"task hash <code>{_e(c['task_hash'])}</code></span></h2><div class=\"chart\">{_bar_chart(c, col_cells)}</div>")
    n_all = data.get("n_samples", len(data["samples"]))
    out.append(f"<h2>Samples</h2><p class=\"muted\">{len(data['samples'])} of {n_all} samples, by index, 50 to a page; score: "
               f"{_e(data['scorer'])} per sample{' (lower is better)' if data['lower_is_better'] else ''}. "
               "Filters apply to every sample on this page.</p>")
    for note in data.get("notes") or []:
        out.append(f"<p class=\"muted viewer-note\">Note: {_e(note)}.</p>")
    if data["media_note"]:
        out.append(f"<p class=\"note\" id=\"media-note\">Media not shown: {_e(data['media_note'])}</p>")
    out.append("<div class=\"controls\"><label>model <select id=\"f-model\"><option value=\"\">all</option></select></label>"
               "<label><input type=\"checkbox\" id=\"f-wrong\"> wrong answers only</label>"
               "<label><input type=\"checkbox\" id=\"f-errors\"> errors only</label>"
               "<label>search <input type=\"search\" id=\"f-search\" placeholder=\"id, prompt, answer\"></label> "
               "<span id=\"count\" class=\"muted\"></span></div>"
               "<div class=\"pager\"><button id=\"prev\" type=\"button\">← previous</button><span id=\"page\" class=\"muted\"></span>"
               "<button id=\"next\" type=\"button\">next →</button></div>"
               "<div id=\"samples\"></div>")
    out.append(f"<script type=\"application/json\" id=\"viewer-data\">{script_json(data)}</script>")
    return _page(f"{task} · leaderboard", "\n".join(out), _TASK_JS)
