"""Edit distance with an alignment: substitutions, deletions, insertions.

``edit_counts(reference, hypothesis)`` returns ``(substitutions, deletions,
insertions)`` for one pair of token sequences. It uses ``rapidfuzz`` (a
dependency of ``jiwer``) when importable, with the same call ``jiwer`` makes
(``Levenshtein.opcodes(reference, hypothesis)`` on integer-coded tokens), so
the S/D/I split agrees with ``jiwer`` and not just the total; otherwise a
pure-Python dynamic programme with backtrace.
"""

from __future__ import annotations

from typing import Hashable, Sequence

try:  # pragma: no cover - exercised implicitly
    from rapidfuzz.distance import Levenshtein as _rf_levenshtein
except ImportError:  # pragma: no cover
    _rf_levenshtein = None


def edit_counts_python(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> tuple[int, int, int]:
    """Pure-Python Levenshtein with backtrace; returns (substitutions, deletions, insertions)."""
    n, m = len(reference), len(hypothesis)
    if n == 0:
        return 0, 0, m
    if m == 0:
        return 0, n, 0
    # dp[i][j]: distance between reference[:i] and hypothesis[:j]
    dp = [list(range(m + 1))]
    for i in range(1, n + 1):
        prev = dp[-1]
        row = [i] + [0] * m
        r = reference[i - 1]
        for j in range(1, m + 1):
            cost = prev[j - 1] + (r != hypothesis[j - 1])
            if prev[j] + 1 < cost:
                cost = prev[j] + 1
            if row[j - 1] + 1 < cost:
                cost = row[j - 1] + 1
            row[j] = cost
        dp.append(row)
    subs = dels = ins = 0
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and dp[i][j] == dp[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            subs += reference[i - 1] != hypothesis[j - 1]
            i, j = i - 1, j - 1
        elif i > 0 and dp[i][j] == dp[i - 1][j] + 1:
            dels += 1
            i -= 1
        else:
            ins += 1
            j -= 1
    return subs, dels, ins


def edit_counts(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) turning ``reference`` into ``hypothesis``."""
    if _rf_levenshtein is None:
        return edit_counts_python(reference, hypothesis)
    codes: dict[Hashable, int] = {}
    ref = [codes.setdefault(t, len(codes)) for t in reference]
    hyp = [codes.setdefault(t, len(codes)) for t in hypothesis]
    subs = dels = ins = 0
    for tag, i1, i2, j1, j2 in _rf_levenshtein.opcodes(ref, hyp):
        if tag == "replace":
            subs += i2 - i1
        elif tag == "delete":
            dels += i2 - i1
        elif tag == "insert":
            ins += j2 - j1
    return subs, dels, ins


def distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Plain Levenshtein distance."""
    if _rf_levenshtein is not None:
        return int(_rf_levenshtein.distance(a, b))
    return sum(edit_counts_python(a, b))
