"""Session-scoped tiny checkpoints, built once and loaded back through ``hf:<path>``."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.adapters.tiny_models import build  # noqa: E402


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    return tmp_path_factory.mktemp("tiny-models")


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
