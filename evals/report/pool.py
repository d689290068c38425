"""Forked worker processes for the leaderboard build (columns' statistics, task pages, plots), which end with it.

A worker forked by ``ProcessPoolExecutor`` waits on a pipe whose writing end it inherited itself, so it never sees
end-of-file: when the build is killed outright (SIGKILL, the OOM killer, a scheduler's hard stop) its workers were
left behind, asleep, for good. Each worker here watches its parent and exits once it is gone.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable

_WATCH_S = 0.5


def _exit_with(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCH_S)
        os._exit(1)  # the parent is gone: nobody will read a result

    threading.Thread(target=watch, name="omnieval-parent-watch", daemon=True).start()


def map_forked(fn: Callable[[Any], Any], jobs: list[Any], workers: int) -> list[Any]:
    """``fn`` of each job, in order, on ``workers`` forked processes (each starts at once with this process's state,
    and no caller's script is run again as spawn would); here, with fewer than 2 workers or where processes cannot be
    forked (not POSIX)."""
    import multiprocessing

    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_exit_with, initargs=(os.getpid(),)) as pool:
        return list(pool.map(fn, jobs))
