"""Shared test setup: every test gets its own response cache and run index, never ~/.cache."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("omnieval-cache")
    monkeypatch.setenv("OMNIEVAL_CACHE_DIR", str(root))
    yield root


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (README's test command): a worker a core, at most four; each holds tiny models and media in memory."""
    return max(1, min(4, os.cpu_count() or 1))
