"""The HTML reports in real headless Chromium (Playwright, /usr/bin/chromium): rendering, sorting, media, XSS."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.report.build import build_leaderboard, write_reports
from evals.report.index import load_runs
from evals.report.synth import SynthTask, accuracy_stats, make_run


XSS_MODEL = "<img src=x onerror=alert(1)>"
XSS_PRED = "</script><script>alert(2)</script><b>bold</b>"
XSS_TASK = "vqa_hostile"  # a task name with markup is refused when the run is read (tests/reliability/test_run_directories.py)


class Page:
    """A page that records console errors, page errors, dialogs and any request leaving file://."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page()
        self.page.set_default_timeout(10_000)
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.remote: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.remote.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def check_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.remote == [], self.remote


def _models(page) -> list[str]:
    return page.eval_on_selector_all("#leaderboard tbody tr", "rows => rows.map(r => r.cells[1].textContent)")


def test_index_renders_and_sorts(browser, real_report: Path) -> None:
    p = Page(browser, (real_report / "index.html").as_uri())
    models = _models(p.page)
    assert sorted(models) == ["baseline:constant", "baseline:vqa-prior"]
    header = p.page.locator("#leaderboard thead th", has_text="model").first
    header.click()
    assert _models(p.page) == ["baseline:constant", "baseline:vqa-prior"]
    header.click()
    assert _models(p.page) == ["baseline:vqa-prior", "baseline:constant"]
    assert p.page.locator("#leaderboard thead th.desc").count() == 1
    # Filtering by modality hides the other modality's columns.
    p.page.select_option("#f-modality", "audio")
    assert p.page.locator("#leaderboard thead th", has_text="easyvqa").is_hidden()
    assert p.page.locator("#leaderboard thead th", has_text="harvard_asr").is_visible()
    assert p.page.locator("svg rect").count() >= 4  # bar charts
    p.check_clean()


def test_task_pages_show_image_and_audio(browser, real_report: Path) -> None:
    p = Page(browser, (real_report / "tasks" / "easyvqa.html").as_uri())
    assert p.page.locator("#samples img").count() == 6
    assert p.page.eval_on_selector("#samples img", "i => i.complete && i.naturalWidth > 0")
    assert p.page.locator("#samples .sample").count() == 6
    p.page.check("#f-wrong")
    wrong = p.page.locator("#samples .sample").count()
    assert 0 < wrong < 6  # the baselines get some easy-VQA yes/no questions right
    p.check_clean()
    a = Page(browser, (real_report / "tasks" / "harvard_asr.html").as_uri())
    assert a.page.locator("#samples audio").count() == 6
    src = a.page.eval_on_selector("#samples audio", "a => a.getAttribute('src')")
    assert (real_report / "tasks" / src).is_file()
    assert "The birch canoe" in a.page.inner_text("#samples") or a.page.locator("#samples pre").count() > 0
    a.check_clean()


def test_hostile_run_content_stays_inert(browser, tmp_path: Path) -> None:
    root = tmp_path / "runs"
    make_run(root, "r1", f"baseline:{XSS_MODEL}", {XSS_TASK: SynthTask(stats=accuracy_stats([1, 0, 0]), predictions=[XSS_PRED] * 3, image_shas=["abcdef0123456789"] * 3,
                                                                        references=[["</script>&amp;<i>x</i>"]] * 3)})
    make_run(root, "r2", "baseline:plain", {XSS_TASK: SynthTask(stats=accuracy_stats([0, 0, 1]))})
    out = tmp_path / "report"
    board = build_leaderboard(load_runs([root]), n_resamples=20)
    write_reports(board, out, plots=False)
    p = Page(browser, (out / "index.html").as_uri())
    assert f"baseline:{XSS_MODEL}" in _models(p.page)
    assert p.page.locator("#leaderboard img").count() == 0 and p.page.locator("#leaderboard svg").count() == 0
    assert XSS_TASK in p.page.inner_text("#leaderboard thead")
    p.check_clean()
    (page_file,) = (out / "tasks").glob("*.html")
    t = Page(browser, page_file.as_uri())
    text = t.page.inner_text("#samples")
    assert XSS_PRED in text and "</script>&amp;<i>x</i>" in text
    assert t.page.locator("#samples b, #samples i, #samples script, #samples img").count() == 0
    assert "cannot be loaded" in t.page.inner_text("#media-note")  # a made-up task: text only, and why
    t.check_clean()
    raw = page_file.read_text()
    assert "</script><script>alert(2)" not in raw and XSS_MODEL not in raw
    md = (out / "leaderboard.md").read_text()
    assert "<img" not in md and "<svg" not in md
