"""The leaderboard pages in headless Chromium, checked by looking: screenshots, and layout assertions on what they show.

Layout checks: no element's text overflows its box (``scrollWidth`` vs ``clientWidth``), the page never scrolls
sideways, chart labels sit inside their chart and show full, distinct model names at a legible size, model and task
names wrap only after ``: / - _ .`` or at spaces (never inside a token), and at 1,400 and 1,920 px the tables show
their last column without scrolling. Condition columns (a task under a robustness condition) appear in the
robustness view only, mildest first. The screenshots are written under the test's temporary directory (``*.png``),
to be looked at.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from evals.report.build import build_leaderboard, write_reports
from evals.report.index import load_runs
from evals.report.synth import SynthTask, accuracy_stats, make_run, wer_stats
from evals.results import ConditionComparison, read_results, write_json


PREFIX = "hf:organisation-name/very-long-shared-prefix-model-name-7B-Instruct"
A, B, C, D = f"{PREFIX}-variant-alpha", f"{PREFIX}-variant-beta", "baseline:short", "baseline:only-asr"
ASR = "open_asr_leaderboard.librispeech_test_other_long_form"  # a long task name: headings must wrap, at its separators
NOISE = ["white_noise:20", "white_noise:10", "white_noise:0"]
N = 120
COMMIT = "0123456789abcdef0123456789abcdef01234567"
HOST = {"hostname": "gpu-node-1", "platform": "Linux-6.1-x86_64", "python": "3.11.7", "gpu": "NVIDIA H200"}


def _outcomes(rate: float, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return (rng.random(N) < rate).astype(int).tolist()


def _noisy(edits: int, level: str) -> SynthTask:
    return SynthTask(stats=wer_stats([edits] * 40, [10] * 40), scorer="wer", modality="audio", kind="asr",
                     task_hash=str(NOISE.index(level)) * 16)  # a condition's hash: the same in every run


def _with_robustness(run: Path, clean: int, noisy: dict[str, int]) -> None:
    """The run's paired comparisons of ``ASR`` under each condition, in the order given (the run's --conditions order)."""
    res = read_results(run)
    res.robustness = [ConditionComparison(task=ASR, condition=c, condition_task=f"{ASR}.{c.replace(':', '_')}", metric="wer",
                                          direction="lower", clean=clean / 10, value=e / 10, diff=(e - clean) / 10,
                                          ci_low=(e - clean) / 10 - 0.05, ci_high=(e - clean) / 10 + 0.05, p_value=0.01, n=40,
                                          relative_degradation=(e - clean) / clean) for c, e in noisy.items()]
    write_json(run / "results.json", res)


@pytest.fixture(scope="module")
def layout_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four models (two whose long names differ only at the end), three tasks; one model has only a partial ASR run.
    A, B and C also ran ASR under three noise levels, listed as text sorts them (0, 10, 20)."""
    base = tmp_path_factory.mktemp("layout")
    root = base / "runs"
    long_pred = "x" * 3000  # no break opportunity, longer than the page keeps
    for i, model in enumerate((A, B, C)):
        extra = None
        errors = None
        if model == A:
            extra = [{"extracted": "yes" if k % 2 else "no", "extraction_rule": "first yes/no word"} for k in range(N)]
        if model == B:
            extra = [{"score_error": "reference is empty"} if k == 7 else {} for k in range(N)]
            errors = ["timeout after 60 s" if k == 11 else None for k in range(N)]
        mcq_ids = [f"q{k // 2}#circular{k % 2}" for k in range(40)]
        mcq_extra = [{"variant": f"circular{k % 2}", "group": f"q{k // 2}"} for k in range(40)]
        noisy = {"white_noise:0": 9 - i, "white_noise:10": 6 - i, "white_noise:20": 4 - i}
        run = make_run(root, f"2025010{i}-{i}", model, {
            "vqa": SynthTask(stats=accuracy_stats(_outcomes(0.5 + 0.15 * i, i)), extra=extra, errors=errors,
                             predictions=[long_pred if k == 3 else f"answer {k}" for k in range(N)]),
            ASR: SynthTask(stats=wer_stats([2 + i] * 40, [10] * 40), scorer="wer", modality="audio", kind="asr", task_hash="c" * 16),
            "mcq": SynthTask(stats=accuracy_stats(_outcomes(0.6, 10 + i)[:40]), ids=mcq_ids, extra=mcq_extra, kind="mcq",
                             task_hash="e" * 16),
            **{f"{ASR}.{c.replace(':', '_')}": _noisy(e, c) for c, e in noisy.items()},
        }, started=f"2025-01-0{i + 1}T10:00:00+00:00",
            overrides={"git_commit": COMMIT, "command": ["omnieval", "run", "-m", model, "--api-key", "***", "-t", f"vqa,{ASR},mcq",
                                                         "--conditions", "clean," + ",".join(noisy)],
                       "host": HOST, "packages": {"torch": "2.4.0", "transformers": "4.44.0"},
                       "finished": f"2025-01-0{i + 1}T11:30:00+00:00"})
        _with_robustness(run, 2 + i, noisy)
    # D ran only the ASR task, and only a --limit subset of it.
    make_run(root, "20250105-d", D, {ASR: SynthTask(stats=wer_stats([1] * 10, [10] * 10), scorer="wer", modality="audio", kind="asr",
                                                      task_hash="c" * 16, limit=10, ids=[f"s{k}" for k in range(0, 40, 4)])})
    # A newer smoke run of A on vqa: set aside for the complete one.
    make_run(root, "20250106-smoke", A, {"vqa": SynthTask(stats=accuracy_stats([1] * 5), limit=5)}, started="2025-01-06T10:00:00+00:00")
    board = build_leaderboard(load_runs([root]), n_resamples=200)
    out = base / "report"
    write_reports(board, out, plots=False)
    return out


def _open(browser, url: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors


OVERFLOW_JS = """
(selector) => Array.from(document.querySelectorAll(selector))
  .filter(el => el.offsetParent !== null && el.clientWidth > 0)
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => el.tagName + '.' + el.className + ': ' + el.textContent.slice(0, 60) + ' (' + el.scrollWidth + ' > ' + el.clientWidth + ')')
"""


def _assert_no_overflow(page, selector: str) -> None:
    assert page.evaluate(OVERFLOW_JS, selector) == []
    # The page itself never scrolls sideways: wide tables scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# Each visible line break inside an element's text: where it falls (the character before and after it) and whether that
# is allowed: at whitespace, or right after one of : / - _ . (where <wbr> offers a break). Characters are placed with
# Range.getClientRects, so this reads the lines Chromium drew.
BREAKS_JS = """
(selector) => Array.from(document.querySelectorAll(selector)).filter(el => el.offsetParent !== null).map(el => {
  const chars = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
      const rects = r.getClientRects();
      chars.push({ch: node.data[i], rect: rects.length ? rects[0] : null});
    }
  }
  const breaks = [];
  let prev = null, gap = '';
  for (const c of chars) {
    if (/\\s/.test(c.ch) || !c.rect || c.rect.width === 0) { gap += c.ch; continue; }
    if (prev && c.rect.top >= prev.rect.bottom - 1) {
      breaks.push({after: prev.ch, before: c.ch, allowed: /\\s/.test(gap) || ':/-_.'.includes(prev.ch)});
    }
    prev = c; gap = '';
  }
  return {text: el.textContent, breaks};
})
"""

NAMES = ("#leaderboard td.model, .heat th, #leaderboard thead th.task a, .bar-label, table.robustness td.model, "
         "table.fairness td.model, .curve-legend .key, #provenance td.prov-model")


def _assert_names_break_between_tokens(page) -> list[dict]:
    """No model or task name is broken inside a token; returns every name checked, with its line breaks."""
    names = page.evaluate(BREAKS_JS, NAMES)
    bad = [(n["text"], b) for n in names for b in n["breaks"] if not b["allowed"]]
    assert bad == [], bad
    return names


FITS_JS = """
(selector) => Array.from(document.querySelectorAll(selector)).map(t => {
  const box = t.closest('.scroll'); const cells = t.tHead.rows[0].cells; const last = cells[cells.length - 1].getBoundingClientRect();
  return {table: t.id || t.className, lastRight: last.right, boxScrolls: box.scrollWidth > box.clientWidth + 1,
          visible: last.right <= box.getBoundingClientRect().right + 1};
})
"""


def _screenshot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    from PIL import Image

    with Image.open(path) as im:
        assert im.width == page.viewport_size["width"] and im.height >= 900
        assert len(np.unique(np.asarray(im.convert("L").resize((64, 64))))) > 8  # something was drawn


@pytest.mark.parametrize("width", [1920, 1400, 1280, 760])
def test_index_layout(browser, layout_report: Path, width: int) -> None:
    page, errors = _open(browser, (layout_report / "index.html").as_uri(), width)
    _screenshot(page, layout_report / f"index-{width}.png")
    _assert_no_overflow(page, "h1, h2, p, li, th, td, .chart, .chart-title, .bar-label, .bar-value, code, table.prov td")
    names = _assert_names_break_between_tokens(page)
    if width == 760:  # narrow: long names do wrap (so the check above saw line breaks), each between two tokens
        assert any(n["breaks"] and n["text"] == A for n in names)
        assert any(n["breaks"] and n["text"].startswith(ASR) for n in names)
    # Bar charts: full names, distinct although they share a long prefix, inside their chart, legible.
    charts = page.eval_on_selector_all(".chart", """charts => charts.map(ch => {
        const box = ch.getBoundingClientRect();
        return Array.from(ch.querySelectorAll('.bar-label')).map(l => {
            const r = l.getBoundingClientRect();
            return {text: l.textContent, inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5
                    && r.bottom <= box.bottom + 0.5, size: parseFloat(getComputedStyle(l).fontSize), top: r.top, bottom: r.bottom};
        });
    })""")
    vqa = next(c for c in charts if len(c) == 3)
    assert sorted(x["text"] for x in vqa) == sorted([A, B, C])
    for chart in charts:
        for label in chart:
            assert label["inside"] and label["size"] >= 11, label
        # Labels of one chart never overlap.
        spans = sorted((x["top"], x["bottom"]) for x in chart)
        assert all(b[0] >= a[1] - 0.5 for a, b in zip(spans, spans[1:])), spans
    assert errors == []


@pytest.mark.parametrize("width", [1400, 1920])
def test_index_fits_the_window_at_desktop_widths(browser, layout_report: Path, width: int) -> None:
    """At 1,400 and 1,920 px: no horizontal scrollbar on the page, every table's last column in view (its box does not
    scroll), headings and names broken only between tokens, and the condition columns only in the robustness view."""
    page, errors = _open(browser, (layout_report / "index.html").as_uri(), width)
    _screenshot(page, layout_report / f"index-wide-{width}.png")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    for t in page.evaluate(FITS_JS, "#leaderboard, table.heat, table.robustness, table.fairness"):
        assert t["lastRight"] <= width and t["visible"] and not t["boxScrolls"], t
    _assert_names_break_between_tokens(page)
    # The heatmap's headings: whole tokens on each line, the direction arrow never alone.
    heads = page.evaluate(BREAKS_JS, ".heat thead th")
    assert [h["text"] for h in heads] == ["model", "mcq", ASR + "\u00a0↓", "vqa"]
    # Conditions: not columns of the table or the heatmap, and not counted in "tasks"; in the robustness view, mildest first.
    lead = page.eval_on_selector_all("#leaderboard thead th", "hs => hs.map(h => h.textContent)")
    assert len(lead) == 7 and not any("white_noise" in h for h in lead)
    robust = page.eval_on_selector_all("#robustness table.robustness thead th", "hs => hs.map(h => h.textContent)")
    assert robust == ["model", "clean", *NOISE, "mean degradation"]
    points = page.eval_on_selector_all(f"#robustness svg.curve g.series[data-model='{C}'] circle.point title",
                                       "ts => ts.map(t => t.textContent.split(' · ')[1].replace(/: [^:]*$/, ''))")
    assert points == ["clean", *NOISE]
    assert errors == []


def test_index_ranks_coverage_partial_and_provenance(browser, layout_report: Path) -> None:
    page, errors = _open(browser, (layout_report / "index.html").as_uri())
    rows = page.eval_on_selector_all("#leaderboard tbody tr", "rs => rs.map(r => Array.from(r.cells).slice(0, 4).map(c => c.innerText.trim()))")
    by_model = {r[1]: r for r in rows}
    # A, B and C share all three tasks: ranked overall, each rank with its interval. D shares only ASR: no overall rank.
    for m in (A, B, C):
        assert re.fullmatch(r"\d \(\d–\d\)", by_model[m][0]), by_model[m]
        assert by_model[m][2] == "3 of 3"
    assert by_model[D][0] == "–" and by_model[D][2] == "1 of 3" and by_model[D][3] == "–"
    assert [r[1] for r in rows][-1] == D
    assert "3 models by their mean rank among themselves on the 3 task column(s) they all have" in page.inner_text("#overall-note")
    # D's partial ASR run is flagged in its cell.
    partial = page.locator(f"#leaderboard tr[data-model='{D}'] td.partial")
    assert partial.count() == 1 and "partial: 10 of 100" in partial.inner_text()
    # The smoke run of A was set aside, and says why.
    assert "less complete" in page.inner_text("#superseded")
    # Per model: when, how and on what it ran.
    prov = page.locator(f"#provenance tr[data-model='{A}']")
    text = prov.inner_text()
    for needle in ("2025-01-01 10:00:00", "2025-01-01 11:30:00", "0.1.0", COMMIT[:12], "--api-key ***", "gpu: NVIDIA H200",
                   "platform: Linux-6.1-x86_64", "vqa"):
        assert needle in text, needle
    assert page.locator(f"#provenance tr[data-model='{D}']").count() == 1
    assert errors == []


def test_task_page_lists_every_sample(browser, layout_report: Path) -> None:
    page, errors = _open(browser, (layout_report / "tasks" / "vqa.html").as_uri())
    _screenshot(page, layout_report / "task-vqa.png")
    _assert_no_overflow(page, "h1, h2, p, .sample, .sample pre, .sample td, .sample th, .controls")
    assert page.locator("#samples .sample").count() == 50
    assert "120 of 120 samples match" in page.inner_text("#count")
    page.click("#next")
    page.click("#next")
    ids = page.eval_on_selector_all("#samples .sample", "ss => ss.map(s => s.getAttribute('data-id'))")
    assert ids == [f"s{k}" for k in range(100, 120)]  # the last page: samples past the first 50 are there
    assert page.locator("#next").is_disabled()
    # "wrong answers only" filters every sample, not the first 50.
    data = page.evaluate("JSON.parse(document.getElementById('viewer-data').textContent)")
    wrong = sum(1 for s in data["samples"] if any(o and o.get("wrong") for o in s["outputs"]))
    assert wrong > 50
    page.check("#f-wrong")
    assert page.inner_text("#count").startswith(f"{wrong} of 120 samples match")
    page.uncheck("#f-wrong")
    # Errors: a failed request and a scoring error, both found among all samples.
    page.check("#f-errors")
    assert page.eval_on_selector_all("#samples .sample", "ss => ss.map(s => s.getAttribute('data-id'))") == ["s7", "s11"]
    text = page.inner_text("#samples")
    assert "scoring error: reference is empty" in text and "error: timeout after 60 s" in text
    page.uncheck("#f-errors")
    # The extracted answer and the rule that found it.
    page.fill("#f-search", "s3")
    first = page.locator("#samples .sample").first
    assert first.get_attribute("data-id") == "s3"
    assert "extracted answer" in first.inner_text() and "rule: first yes/no word" in first.inner_text()
    assert "more characters]" in first.inner_text()  # a 3,000-character answer is cut, and says so
    _assert_no_overflow(page, ".sample, .sample pre, .sample td")
    assert errors == []


def test_task_page_names_transform_variants(browser, layout_report: Path) -> None:
    page, errors = _open(browser, (layout_report / "tasks" / "mcq.html").as_uri())
    tags = page.eval_on_selector_all("#samples .variant-tag", "ts => ts.map(t => t.textContent)")
    assert tags[:2] == ["variant circular0 of question q0", "variant circular1 of question q0"]
    assert errors == []


def test_a_published_page_does_not_name_the_machine(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_run(root, "r1", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats([1, 0] * 20))}, overrides={"host": HOST})
    board = build_leaderboard(load_runs([root]), n_resamples=20)
    write_reports(board, tmp_path / "out", plots=False)
    published = "".join(p.read_text(errors="replace") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert "gpu-node-1" not in published and "NVIDIA H200" in published
