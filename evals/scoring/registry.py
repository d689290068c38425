"""Looking scorers up by name: the first look-up imports the built-in metrics, which register themselves."""

from __future__ import annotations

from evals.scoring.contract import _REGISTRY, Scorer


def get_scorer(name: str) -> Scorer:
    import evals.scoring.metrics  # noqa: F401  (registers the built-in scorers)

    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"unknown scorer {name!r}; known scorers: {known}") from None


def scorer_names() -> list[str]:
    import evals.scoring.metrics  # noqa: F401

    return sorted(_REGISTRY)
