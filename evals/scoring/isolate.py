"""Running one scorer so that a sample it cannot score is that sample's error, and the rest are scored.

A scorer that raises on one sample would otherwise lose its whole batch (or
the whole task). ``score_samples`` calls the scorer on the batch; if it
raises, the batch is split in halves and each half retried, down to single
samples, and what still raises alone becomes that sample's error. For a
corpus-level scorer (a sample's statistics depend on the others, as CIDEr's
IDF does) the samples left are then scored again together, so the failing
ones do not enter the corpus statistics either.

Samples without references are errors ("no reference answers") before the
scorer sees them, for every scorer that declares it needs references: an
empty reference list is neither scored as wrong nor dropped silently.
"""

from __future__ import annotations

from typing import Any, Sequence

from evals.scoring.contract import SampleScore, ScoreInput, Scorer, as_sample_score

NO_REFERENCES = "no reference answers"


def _describe(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}".strip().splitlines()[0]
    return text[:500]


def _call(scorer: Scorer, items: Sequence[ScoreInput], options: Any) -> list[SampleScore]:
    rows = scorer.score(list(items), options)
    if len(rows) != len(items):
        raise RuntimeError(f"scorer {scorer.name!r} returned {len(rows)} results for {len(items)} samples")
    return [as_sample_score(r) for r in rows]


def _bisect(scorer: Scorer, items: Sequence[ScoreInput], options: Any) -> list[SampleScore]:
    """Score ``items``; on failure score each half, down to single samples whose failure becomes their error."""
    try:
        return _call(scorer, items, options)
    except Exception as e:  # noqa: BLE001 - a scorer's failure on a sample is that sample's error
        if len(items) == 1:
            return [SampleScore(error=_describe(e))]
        half = len(items) // 2
        return _bisect(scorer, items[:half], options) + _bisect(scorer, items[half:], options)


def score_samples(scorer: Scorer, inputs: Sequence[ScoreInput], options: Any) -> list[SampleScore]:
    """One ``SampleScore`` per input, in order; those the scorer could not score have ``error`` set."""
    out: list[SampleScore | None] = [None] * len(inputs)
    todo: list[int] = []
    for i, item in enumerate(inputs):
        if scorer.needs_references and not item.references:
            out[i] = SampleScore(error=NO_REFERENCES)
        else:
            todo.append(i)
    if not scorer.is_corpus_level(options):
        for i, result in zip(todo, _bisect(scorer, [inputs[i] for i in todo], options) if todo else []):
            out[i] = result
        return out  # type: ignore[return-value]
    while todo:
        items = [inputs[i] for i in todo]
        try:
            rows = _call(scorer, items, options)
        except Exception as e:  # noqa: BLE001
            alone = _bisect(scorer, items, options)
            failed = [i for i, r in zip(todo, alone) if r.error is not None]
            if not failed:  # every part scores, only the whole does not: nothing to single out
                for i in todo:
                    out[i] = SampleScore(error=_describe(e))
                break
            for i, r in zip(todo, alone):
                if r.error is not None:
                    out[i] = r
            todo = [i for i in todo if out[i] is None]
            continue  # the rest again, together: corpus statistics without the failed samples
        for i, r in zip(todo, rows):
            out[i] = r
        break
    return out  # type: ignore[return-value]
