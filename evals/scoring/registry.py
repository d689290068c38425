"""Looking scorers up by name: the first look-up imports the built-in metrics, which register themselves."""

from __future__ import annotations

from evals.scoring.contract import SCORERS, Direction, Scorer


def get_scorer(name: str) -> Scorer:
    import evals.scoring.metrics  # noqa: F401  (registers the built-in scorers)

    return SCORERS.get(name)


def scorer_names() -> list[str]:
    import evals.scoring.metrics  # noqa: F401

    return SCORERS.names()


def metric_direction(metric: str, scorer: str | None = None) -> Direction | None:
    """``"higher"`` or ``"lower"`` (which is better) as the registry declares it, or None when it does not know.

    With ``scorer`` (a registered name), that scorer decides, for any metric it
    produces. Otherwise ``metric`` may be qualified (``wer.deletion_rate``);
    unqualified, the registered scorers that list it decide, and only when they
    agree.
    """
    import evals.scoring.metrics  # noqa: F401

    if scorer in SCORERS:
        return SCORERS.get(scorer).direction_of(metric)
    head, dot, tail = metric.partition(".")
    if dot and head in SCORERS:
        return SCORERS.get(head).direction_of(tail)
    found = {s.direction_of(metric) for s in SCORERS.values() if metric in s.metrics or metric == (s.primary or s.name)}
    return found.pop() if len(found) == 1 else None
