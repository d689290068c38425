"""Separating a reasoning ("thinking") model's reasoning from its final answer before scoring.

``<think>...</think>`` spans (the tags are a run option) are removed; the record
keeps the whole output in ``raw_prediction``. A closing tag with no opening one
(chat templates that open the span in the prompt) ends the reasoning there; an
opening tag that never closes means the reasoning used up the budget: no answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence


@lru_cache(maxsize=16)
def _patterns(tag: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    t = re.escape(tag)
    return (re.compile(rf"<{t}>.*?</{t}>", re.S | re.I), re.compile(rf"^.*</{t}>", re.S | re.I), re.compile(rf"<{t}>.*$", re.S | re.I))


def strip_reasoning(text: str, tags: Sequence[str] = ("think",)) -> str:
    """``text`` without its reasoning spans, stripped; ``text`` itself when it has none."""
    out = text
    for tag in tags:
        if f"{tag}>".lower() not in out.lower():
            continue
        closed, dangling_close, dangling_open = _patterns(tag)
        out = closed.sub("", out)
        out = dangling_close.sub("", out)
        out = dangling_open.sub("", out)
    return out if out is text else out.strip()
