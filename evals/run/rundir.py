"""A run directory has one writer: the process that holds its lock.

The lock is an exclusive ``flock`` on ``<run dir>/.lock``, held from the moment a process claims the directory
(to start it, continue it, or write a rescored run into it) until it is done; the kernel releases it when the
process ends, however it ends, so a killed run leaves nothing to clean up. A second process finds the lock held
and either claims another directory (``omnieval run`` continuing an unfinished run starts a run of its own) or
stops with an error naming the directory and the process holding it. Within a process, holding a directory it
already holds is a no-op, and one ``release`` lets it go.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from evals.errors import OmniEvalError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock (omnieval is tested on Linux)
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"

_held: dict[Path, int] = {}
"""Resolved run directory -> the file descriptor of its lock file (-1 without ``fcntl``)."""


class RunDirBusy(OmniEvalError):
    """Another process is writing the run directory."""


def _holder(lock_file: Path) -> str:
    try:
        pid = lock_file.read_text().strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid.isdigit() else "another process"


def try_hold(run_dir: Path) -> bool:
    """Hold ``run_dir``'s lock (created with the directory when missing); False when another process holds it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    key = run_dir.resolve()
    if key in _held:
        return True
    if fcntl is None:
        _held[key] = -1
        return True
    fd = os.open(key / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    _held[key] = fd
    return True


def hold(run_dir: Path, wait_s: float = 0.0) -> None:
    """Hold ``run_dir``'s lock, waiting up to ``wait_s`` seconds for another process to let it go; else ``RunDirBusy``."""
    deadline = time.monotonic() + wait_s
    while not try_hold(run_dir):
        if time.monotonic() >= deadline:
            raise RunDirBusy(f"run directory {run_dir} is being written by {_holder(run_dir / LOCK_NAME)}: "
                             "wait for it to finish, or write to another --output")
        time.sleep(0.2)


def release(run_dir: Path) -> None:
    """Let go of ``run_dir``'s lock (if this process holds it): another process may now claim it."""
    fd = _held.pop(run_dir.resolve(), None)
    if fd is not None and fd >= 0:
        os.close(fd)  # closing the descriptor releases the flock

