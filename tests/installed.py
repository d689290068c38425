"""Skipping a test module whose packages are not installed, without importing them.

``pytest.importorskip`` imports the package to decide; at module level that runs while the suite is collected, in
every xdist worker, before any test: torch, transformers and evaluate cost several seconds of CPU each. Finding a
package's spec tells the same thing (is it installed) for the price of a directory lookup; the tests import it
when they run."""

from __future__ import annotations

import importlib.util

import pytest


def skip_unless_installed(*packages: str, reason: str | None = None) -> None:
    """Skip the calling test module (or conftest's directory) unless each top-level package is installed."""
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(reason or f"needs {', '.join(missing)}, not installed", allow_module_level=True)
