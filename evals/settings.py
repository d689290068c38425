"""Every environment variable omnieval reads, in one place.

- ``OMNIEVAL_CACHE_DIR`` (else ``$XDG_CACHE_HOME/omnieval``): the folder of the response cache and runs index;
  ``OMNIEVAL_CACHE`` (the ``--cache`` option's envvar, read by typer) names the cache file itself.
- ``OMNIEVAL_DATA_DIR``: the ``--data-dir`` option's envvar (read by typer).
- ``OMNIEVAL_RUN_ID``: names the run directory of a distributed launch (default: a new one per launch, named by rank 0).
- ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK``: set by torchrun or accelerate.
- ``HF_HUB_OFFLINE``: named in errors when the Hub cannot be reached.
- ``PILLOW_BLOCKS_MAX``: when set, omnieval leaves Pillow's block cache as the user asked.
- ``OPENBLAS_NUM_THREADS``: when unset, the ``omnieval`` command sets it to 1 (``one_blas_thread``).
- API keys: only from the variable an adapter is told to read (``api_key_env``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from evals.redact import remember_secret


def default_cache_path() -> Path:
    root = os.environ.get("OMNIEVAL_CACHE_DIR") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "omnieval")
    return Path(root) / "responses.sqlite"


def distributed_run_id() -> str | None:
    """``$OMNIEVAL_RUN_ID``: the run directory a distributed launch writes (``dist-<id>-<model>``); None: a new one."""
    return os.environ.get("OMNIEVAL_RUN_ID") or None


@dataclass(frozen=True)
class LauncherEnv:
    rank: int
    world: int
    local_rank: int


def launcher_env() -> LauncherEnv:
    """``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` as a launcher set them (a world of one without a launcher)."""
    rank = int(os.environ.get("RANK", "0"))
    return LauncherEnv(rank, int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("LOCAL_RANK", str(rank))))


def hub_offline_flag() -> str | None:
    """The value of ``HF_HUB_OFFLINE``, or None when unset."""
    return os.environ.get("HF_HUB_OFFLINE")


def pillow_blocks_set_by_user() -> bool:
    return "PILLOW_BLOCKS_MAX" in os.environ


def one_blas_thread() -> None:
    """numpy's OpenBLAS on one thread, unless the user set ``OPENBLAS_NUM_THREADS``; call before numpy is imported.

    omnieval's matrix products are small (a bootstrap's resample counts times a few columns): OpenBLAS's threads,
    which spin while they wait, only took cores from the work beside them (measured on the leaderboard's column
    statistics on 2 cores: 2.8 s with them, 1.8 s without). torch has its own thread pool and is not affected."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def terminal_columns() -> int | None:
    """``$COLUMNS`` as a positive width (the user's choice for tables and help), else None."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def secret(env_name: str) -> str | None:
    """The value of the environment variable ``env_name`` (an API key): remembered for redaction, never recorded or printed."""
    value = os.environ.get(env_name)
    remember_secret(value)
    return value
