"""Shared test setup: every test gets its own response cache and run index, never ~/.cache."""

from __future__ import annotations

import os
import signal
import sys

import pytest

# The tests start many `python -m evals` processes (about 100 places do): with PYTHONDONTWRITEBYTECODE set (as on this
# project's machines) each one compiled omnieval's modules again, 0.27 s of a 2.5 s start. Bytecode goes to the
# checkout's __pycache__ folders, which git ignores.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
# Started in the background by a shell without job control (`cmd &`, nohup, some CI runners), the suite inherits
# SIGINT ignored, and so would every omnieval it starts: the Ctrl-C tests would then see a run that never stops.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Under -n, a worker a core: each worker (and the omnieval processes its tests start, which inherit this) computes
    # on one thread. Left to themselves torch, CTranslate2 and OpenBLAS each start a thread a core in every worker, and
    # their threads spin while they wait: on 2 cores a Whisper test took 55 s beside another worker, 19 s alone.
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("omnieval-cache")
    monkeypatch.setenv("OMNIEVAL_CACHE_DIR", str(root))
    yield root


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (README's test command): a worker a core, at most four; each holds tiny models and media in memory."""
    return max(1, min(4, os.cpu_count() or 1))


LONGEST_FIRST = ("tests/leaderboard/test_views.py", "tests/media/test_video_tasks.py",
                 "tests/core/test_ct2_whisper.py", "tests/adapters/test_hf.py")
"""Test files that take minutes (the quickstart run, real Whisper and video runs): started first, so that under ``-n``
they run beside the many short files rather than alone at the end."""


def pytest_collection_modifyitems(config, items):
    first = {path: rank for rank, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: first.get(item.nodeid.split("::")[0], len(first)))  # stable: otherwise as collected
