"""Fixtures: synthetic run directories (exact results schema) and one real quickstart-style run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_process import run_omnieval

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two baseline models on easyvqa (images) and harvard_asr (audio), 6 samples each, via the real CLI."""
    root = tmp_path_factory.mktemp("real")
    proc = run_omnieval("run", "-t", "easyvqa,harvard_asr", "-m", "baseline:vqa-prior", "-m", "baseline:constant", "--limit", "6",
                        "--output", str(root / "runs"), "--cache", str(root / "cache.sqlite"), "--no-progress", cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return root / "runs"


@pytest.fixture(scope="session")
def real_report(real_runs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The leaderboard of ``real_runs``, built through the CLI."""
    out = tmp_path_factory.mktemp("report") / "quick"
    proc = run_omnieval("leaderboard", str(real_runs), "--out", str(out), "--index", str(out.parent / "runs.sqlite"), "--resamples", "200",
                        cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


CHROMIUM = "/usr/bin/chromium"
_CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (the browser tests skip without either)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=_CHROMIUM_ARGS)
        yield b
        b.close()
