"""Test scorers, registered for one test and removed after it, so the registry others see stays the built-in one."""

from __future__ import annotations

from typing import Sequence

import pytest

from evals.scoring.contract import SCORERS, NoOptions, SampleScore, ScoreInput, mean_aggregate, register_scorer, scorer
from evals.scoring.registry import get_scorer


@pytest.fixture()
def temporary_scorers():
    """Registers scorers declared inside the test; removes every scorer the test added when it ends."""
    get_scorer("exact_match")  # the built-ins first, so only the test's own are removed
    before = set(SCORERS.names())
    yield register_scorer
    for name in set(SCORERS.names()) - before:
        SCORERS.unregister(name)


@pytest.fixture()
def fragile_scorer(temporary_scorers):
    """``fragile``: exact match that raises on the prediction "boom" (and, corpus-level twin, ``fragile_corpus``)."""

    def score(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
        if any(i.prediction == "boom" for i in inputs):
            raise ValueError("cannot score 'boom'")
        # The corpus twin's stat depends on the batch: how many samples were scored together.
        return [SampleScore({"score": float(i.prediction == i.references[0]), "batch": float(len(inputs))}, extracted=i.prediction,
                            rule="exact") for i in inputs]  # fmt: skip

    for name, corpus in (("fragile", False), ("fragile_corpus", True)):
        scorer(name, aggregate=mean_aggregate("score", "accuracy"), primary="accuracy", metrics=("accuracy",),
               corpus_level=corpus)(score)  # fmt: skip
    return "fragile"
