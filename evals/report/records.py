"""A run's sample records as the reports read them: every line of ``samples/<task>.jsonl``, decoded once per file.

The leaderboard reads every record of every run it ranks (50 runs x 30 tasks x 300 samples is 450,000 lines), twice:
the statistics need each record's id, cluster, group and scores; a task page needs what it shows. Python's ``json``
decodes such a line in about 10 µs; msgspec, told the fields a reader needs (``ScoreFields``, ``PageFields``...), decodes
a whole file in one call and skips the other fields without building them, 4 to 5 times faster (measured in
``benchmarks/bench_leaderboard.py``). The fields and their types are those of ``evals.results.SampleRecord``, the one
schema of a record; a record that does not fit them is a ValueError naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import msgspec

__all__ = ["AnswerFields", "PageFields", "ScoreFields", "read_records"]

Scores = dict[str, dict[str, float | None]]
"""A record's ``scores``: scorer -> statistic -> value (None where the run wrote a NaN statistic)."""


class ScoreFields(msgspec.Struct):
    """What the statistics read of a record: which sample, its cluster and question, whether it failed, its scores."""

    id: str
    cluster: str | None = None
    group: str | None = None
    error: str | None = None
    scores: Scores = {}


class AnswerFields(msgspec.Struct):
    """What a task page shows of one model's answer to a sample (the sample itself is read once, from one model's
    records: ``PageFields``)."""

    id: str
    prediction: str | None = None
    scores: Scores = {}
    error: str | None = None
    score_error: str | None = None
    extracted: str | None = None
    extraction_rule: str | None = None
    explanation: str | None = None


class PageFields(AnswerFields):
    """What a task page shows of a record: the sample (its prompt, media, references, choices) and the answer."""

    index: int = 0
    prompt: list[dict[str, Any]] | None = None
    references: list[str] = []
    choices: list[str] | None = None
    variant: str | None = None
    group: str | None = None


Fields = TypeVar("Fields", ScoreFields, AnswerFields, PageFields)

_FILE_DECODERS: dict[type, msgspec.json.Decoder] = {}
_LINE_DECODERS: dict[type, msgspec.json.Decoder] = {}


def read_records(path: str | Path, fields: type[Fields]) -> list[Fields]:
    """Every record of the JSON-lines file ``path`` (blank lines skipped), as ``fields`` (``ScoreFields``, ``AnswerFields``, ``PageFields``).

    A line that is not a record with those fields (not JSON, NaN, a wrong type, no ``id``) is a ValueError naming
    ``path`` and the line's number.
    """
    path = Path(path)
    data = path.read_bytes().rstrip()
    if fields not in _FILE_DECODERS:
        _FILE_DECODERS[fields] = msgspec.json.Decoder(list[fields])
        _LINE_DECODERS[fields] = msgspec.json.Decoder(fields)
    # One call for the file: with its line breaks as commas it is the JSON array of the records (a line break never
    # occurs inside a JSON value). A blank line makes ",,": then the lines are joined again without the blank ones.
    for text in (data, b"\n".join(line for line in data.splitlines() if line.strip())):
        try:
            return _FILE_DECODERS[fields].decode(b"[" + text.replace(b"\n", b",") + b"]") if text else []
        except msgspec.MsgspecError:
            continue
    decode = _LINE_DECODERS[fields].decode
    for n, line in enumerate(path.read_bytes().splitlines(), 1):  # the bad line, by its number in the file
        if line.strip():
            try:
                decode(line)
            except msgspec.MsgspecError as e:
                raise ValueError(f"{path}:{n}: not a sample record: {str(e).splitlines()[0]}") from None
    raise ValueError(f"{path}: not a file of sample records")  # every line alone decodes: a line break inside one
