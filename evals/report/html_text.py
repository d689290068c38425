"""Run text made safe for HTML (every report page uses this one escaper)."""

from __future__ import annotations

from html import escape
from typing import Any


def esc(x: Any) -> str:
    """``x`` as text with ``& < > " '`` escaped, safe in element content and in quoted attributes."""
    return escape(str(x), quote=True)
