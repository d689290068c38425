"""Every environment variable omnieval reads, in one place.

- ``OMNIEVAL_CACHE_DIR`` (else ``$XDG_CACHE_HOME/omnieval``): the folder of the response cache and runs index;
  ``OMNIEVAL_CACHE`` (the ``--cache`` option's envvar, read by typer) names the cache file itself.
- ``OMNIEVAL_DATA_DIR``: the ``--data-dir`` option's envvar (read by typer).
- ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK``: set by torchrun or accelerate; without them, ``SLURM_PROCID`` /
  ``SLURM_NTASKS`` / ``SLURM_LOCALID`` of a task ``srun`` started (``SLURM_STEP_ID`` set), with ``MASTER_ADDR`` /
  ``MASTER_PORT`` naming where rank 0 listens (``launcher_env``).
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


@dataclass(frozen=True)
class LauncherEnv:
    rank: int
    world: int
    local_rank: int
    launcher: str = "none"
    """``torchrun`` (also accelerate: ``RANK``/``WORLD_SIZE``), ``srun`` (Slurm's task variables), or ``none``."""
    rendezvous: str | None = None
    """``MASTER_ADDR:MASTER_PORT`` where rank 0 listens, when both are set."""


def launcher_env() -> LauncherEnv:
    """This process's place in a launch, as its launcher said it (a world of one without a launcher).

    torchrun and accelerate set ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``. Without them, a task started by ``srun``
    (``SLURM_STEP_ID`` is set; a batch script's own shell has ``SLURM_PROCID`` and ``SLURM_NTASKS`` too, but no step)
    is rank ``SLURM_PROCID`` of ``SLURM_NTASKS``, ``SLURM_LOCALID`` on its node.
    """
    env = os.environ
    where = f"{env['MASTER_ADDR']}:{env['MASTER_PORT']}" if env.get("MASTER_ADDR") and env.get("MASTER_PORT") else None
    if "RANK" in env or "WORLD_SIZE" in env:
        rank = int(env.get("RANK", "0"))
        return LauncherEnv(rank, int(env.get("WORLD_SIZE", "1")), int(env.get("LOCAL_RANK", str(rank))), "torchrun", where)
    if "SLURM_STEP_ID" in env and "SLURM_PROCID" in env and "SLURM_NTASKS" in env:
        rank = int(env["SLURM_PROCID"])
        return LauncherEnv(rank, int(env["SLURM_NTASKS"]), int(env.get("SLURM_LOCALID", "0")), "srun", where)
    return LauncherEnv(0, 1, 0)


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
