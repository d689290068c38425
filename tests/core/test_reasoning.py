"""Reasoning spans are cut from a prediction before scoring, in every shape reasoning models produce."""

from __future__ import annotations

import pytest

from evals.run.reasoning import strip_reasoning


@pytest.mark.parametrize("raw, answer", [
    ("<think>long\nchain</think> The answer is (B)", "The answer is (B)"),
    ("<THINK>a</THINK>B", "B"),
    ("the template opened it </think>\nB", "B"),  # chat templates that put <think> in the prompt
    ("<think>ran out of budget", ""),  # no answer: scored as unparsed, never guessed
    ("<think>a</think>x<think>b</think>y", "xy"),
    ("no reasoning here", "no reasoning here"),
])
def test_strip_reasoning(raw, answer):
    assert strip_reasoning(raw) == answer


def test_other_tags_and_none():
    assert strip_reasoning("<reasoning>r</reasoning> B", ("reasoning",)) == "B"
    assert strip_reasoning("<think>r</think> B", ()) == "<think>r</think> B"
