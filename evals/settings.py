"""Environment defaults, read in one place: ``OMNIEVAL_DATA_DIR``, ``OMNIEVAL_CACHE_DIR``."""

from __future__ import annotations

import os
from pathlib import Path


def default_data_dir() -> str | None:
    return os.environ.get("OMNIEVAL_DATA_DIR") or None


def default_cache_path() -> Path:
    root = os.environ.get("OMNIEVAL_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "omnieval")
    return Path(root) / "responses.sqlite"
