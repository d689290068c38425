"""Looking scorers up by name: the first look-up imports the built-in metrics, which register themselves."""

from __future__ import annotations

from evals.scoring.contract import _REGISTRY, Direction, Scorer


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


def metric_direction(metric: str, scorer: str | None = None) -> Direction | None:
    """``"higher"`` or ``"lower"`` (which is better) as the registry declares it, or None when it does not know.

    With ``scorer`` (a registered name), that scorer decides, for any metric it
    produces. Otherwise ``metric`` may be qualified (``wer.deletion_rate``);
    unqualified, the registered scorers that list it decide, and only when they
    agree.
    """
    import evals.scoring.metrics  # noqa: F401

    if scorer in _REGISTRY:
        return _REGISTRY[scorer].direction_of(metric)
    head, dot, tail = metric.partition(".")
    if dot and head in _REGISTRY:
        return _REGISTRY[head].direction_of(tail)
    found = {s.direction_of(metric) for s in _REGISTRY.values() if metric in s.metrics or metric == (s.primary or s.name)}
    return found.pop() if len(found) == 1 else None
