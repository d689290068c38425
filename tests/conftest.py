"""Shared test setup: every test gets its own response cache and run index, never ~/.cache."""

from __future__ import annotations

import itertools
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


_CACHES = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """A cache folder of the test's own, not yet made, as on a fresh machine: omnieval makes what it writes. (Not
    ``mktemp``, which lists every folder made so far to number the next: over 8,000 tests that was seconds.)"""
    root = tmp_path_factory.getbasetemp() / "omnieval-caches" / str(next(_CACHES))
    monkeypatch.setenv("OMNIEVAL_CACHE_DIR", str(root))
    yield root


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (README's test command): a worker a core, at most four; each holds tiny models and media in memory."""
    return max(1, min(4, os.cpu_count() or 1))


LONGEST_FIRST = ("tests/adapters/test_hf.py", "tests/leaderboard/test_views.py", "tests/adapters/test_distributed.py",
                 "tests/catalog/test_catalog_runs.py", "tests/core/test_cli.py", "tests/media/test_video_tasks.py",
                 "tests/adapters/test_openai.py", "tests/core/test_cli_usage.py", "tests/leaderboard/test_layout_browser.py",
                 "tests/perf/test_lazy_models.py", "tests/reliability/test_run_directories.py", "tests/catalog/test_judged.py",
                 "tests/leaderboard/test_browser.py", "tests/adapters/test_engines.py", "tests/adapters/test_pocketsphinx.py",
                 "tests/core/test_ct2_whisper.py", "tests/adapters/test_transformers_serve.py")
"""The test files that take longest (15-75 s each on 2 cores, measured), longest first: under ``-n`` each file runs on
one worker, so starting them first leaves the many short files to even out the workers' ends. (pyproject's addopts
turns off xdist's own order, most tests first, which put the conformance files' thousands of cases first instead.)"""


def pytest_collection_modifyitems(config, items):
    first = {path: rank for rank, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: first.get(item.nodeid.split("::")[0], len(first)))  # stable: otherwise as collected
