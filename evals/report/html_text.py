"""Run text made safe for HTML (every report page uses this one escaper)."""

from __future__ import annotations

from html import escape
from typing import Any


def esc(x: Any) -> str:
    """``x`` as text with ``& < > " '`` escaped, safe in element content and in quoted attributes."""
    return escape(str(x), quote=True)


_BREAK_AFTER = frozenset(":/-_.")


def breakable(x: Any) -> str:
    """``x`` escaped (as ``esc``), with ``<wbr>`` after each ``: / - _ .``: a model or task name (``hf:org/model-7B``)
    then wraps only at those boundaries (and at spaces), never inside a token, where CSS ``overflow-wrap: anywhere``
    would cut it anywhere. The text (``textContent``) is unchanged."""
    out: list[str] = []
    token = ""
    for ch in str(x):
        token += ch
        if ch in _BREAK_AFTER:
            out.append(esc(token) + "<wbr>")
            token = ""
    if token:
        out.append(esc(token))
    return "".join(out)
