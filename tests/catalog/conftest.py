"""Catalogue tests: one fixture mirror of every public set, written once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

import make_fixtures  # noqa: E402


@pytest.fixture(scope="session")
def fixture_mirror(tmp_path_factory) -> Path:
    """``DIR/<hub path>/...`` for every catalogue task, in the public sets' schemas and layouts."""
    return make_fixtures.write_fixtures(tmp_path_factory.mktemp("mirror"))
