"""Session-scoped tiny checkpoints, built once and loaded back through ``hf:<path>``."""

from __future__ import annotations

import os

import pytest

from tests.installed import skip_unless_installed

skip_unless_installed("torch", "transformers")

from tests.adapters.tiny_models import build  # noqa: E402


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    """Where tiny checkpoints are built: under -n one folder for all workers (beside theirs), so each model is built
    once a test run, not once a worker."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return tmp_path_factory.mktemp("tiny-models")
    root = tmp_path_factory.getbasetemp().parent / "tiny-models"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="session")
def tiny_model(tiny_root):
    """``tiny_model("llava")`` -> path of the saved checkpoint (built on first use)."""
    def get(name: str):
        return build(name, tiny_root)
    return get


@pytest.fixture(scope="session")
def hf_adapter(tiny_model):
    """One loaded adapter per (model, args), shared by the tests of a session."""
    from evals.adapters.base import create_adapter

    loaded = {}

    def get(name: str, **args):
        key = (name, tuple(sorted(args.items())))
        if key not in loaded:
            loaded[key] = create_adapter(f"hf:{tiny_model(name)}", args)
        return loaded[key]
    return get
