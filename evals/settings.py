"""Environment defaults read outside the CLI options: ``OMNIEVAL_CACHE_DIR`` (``OMNIEVAL_DATA_DIR`` is the ``--data-dir`` option's envvar)."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_path() -> Path:
    root = os.environ.get("OMNIEVAL_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "omnieval")
    return Path(root) / "responses.sqlite"
