"""Row transforms for what a task's data cannot say by itself, each registered by name.

A preprocessor takes one raw row (a dict, media still encoded) and returns a
row; the task's field map then reads from the result. Keep them pure.
"""

from __future__ import annotations

import ast
import string
from typing import Any, Callable

from evals.registry import Registry

Row = dict[str, Any]
PREPROCESSORS: Registry[Callable[[Row], Row]] = Registry("preprocess")


def preprocessor_names() -> list[str]:
    return PREPROCESSORS.names()


def get_preprocessor(name: str) -> Callable[[Row], Row]:
    return PREPROCESSORS.get(name)


def option_letters(n: int) -> list[str]:
    return list(string.ascii_uppercase[:n])


def parse_list_text(value: Any) -> list[Any]:
    """Lists some datasets store as their Python repr (MMMU options, GQA entailed)."""
    if isinstance(value, list):
        return value
    if value in (None, ""):
        return []
    parsed = ast.literal_eval(str(value))
    if not isinstance(parsed, (list, tuple)):
        raise ValueError(f"expected a list written as text, got {value!r}")
    return list(parsed)


@PREPROCESSORS.register("answer_index_to_letter")
def answer_index_to_letter(row: Row) -> Row:
    """ScienceQA/AI2D: ``answer`` is an index (int or digit string) into ``choices``/``options``."""
    return {**row, "answer_letter": string.ascii_uppercase[int(row["answer"])]}
