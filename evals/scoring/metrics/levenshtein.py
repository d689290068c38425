"""Edit distance with an alignment: substitutions, deletions, insertions.

``edit_counts(reference, hypothesis)`` returns ``(substitutions, deletions,
insertions)`` for one pair of token sequences. It uses ``rapidfuzz`` (a
dependency of ``jiwer``) when importable, with the same call ``jiwer`` makes
(``Levenshtein.opcodes(reference, hypothesis)`` on integer-coded tokens), so
the S/D/I split agrees with ``jiwer`` and not just the total; otherwise a
pure-Python dynamic programme with backtrace.

``edit_counts_compound`` and ``join_split_compounds`` are the Open ASR
Leaderboard's compound-word rules (kaldialign's ``merge_compounds``, and its
multilingual ``normalize_compound_pairs``).
"""

from __future__ import annotations

from difflib import SequenceMatcher
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


def edit_counts_compound(reference: Sequence[str], hypothesis: Sequence[str]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) where joined neighbours match one word at no cost.

    The Open ASR Leaderboard's WER (``kaldialign.edit_distance(..., merge_compounds=True)``,
    kaldialign 0.12.0, ``LevenshteinEditDistanceCompound``): ``["white", "paper"]`` against
    ``["whitepaper"]`` (either way round) is 0 errors. The same table, ties broken the same way
    (substitution only when strictly cheapest, then deletion, then insertion), so the split
    agrees with kaldialign's and not just the total.
    """
    m, n = len(reference), len(hypothesis)
    # Each cell: (cost, substitutions, deletions, insertions); unit costs, so cost is the error count.
    e = [[(0, 0, 0, 0)] * (n + 1) for _ in range(m + 1)]
    for i in range(m + 1):
        e[i][0] = (i, 0, i, 0)
    for j in range(n + 1):
        e[0][j] = (j, 0, 0, j)
    for i in range(1, m + 1):
        ref_word = reference[i - 1]
        for j in range(1, n + 1):
            hyp_word = hypothesis[j - 1]
            diag, up, left = e[i - 1][j - 1], e[i - 1][j], e[i][j - 1]
            mismatch = ref_word != hyp_word
            sub_cost, del_cost, ins_cost = diag[0] + mismatch, up[0] + 1, left[0] + 1
            if sub_cost < ins_cost and sub_cost < del_cost:
                cell = (sub_cost, diag[1] + mismatch, diag[2], diag[3])
            elif del_cost < ins_cost:
                cell = (del_cost, up[1], up[2] + 1, up[3])
            else:
                cell = (ins_cost, left[1], left[2], left[3] + 1)
            merged = ref_word  # k reference words joined -> one hypothesis word
            for k in range(2, i + 1):
                merged = reference[i - k] + merged
                if len(merged) > len(hyp_word):
                    break
                if merged == hyp_word and e[i - k][j - 1][0] < cell[0]:
                    cell = e[i - k][j - 1]
            merged = hyp_word  # k hypothesis words joined -> one reference word
            for k in range(2, j + 1):
                merged = hypothesis[j - k] + merged
                if len(merged) > len(ref_word):
                    break
                if merged == ref_word and e[i - 1][j - k][0] < cell[0]:
                    cell = e[i - 1][j - k]
            e[i][j] = cell
    _, subs, dels, ins = e[m][n]
    return subs, dels, ins


def join_split_compounds(reference: list[str], hypothesis: list[str]) -> tuple[list[str], list[str]]:
    """The leaderboard's multilingual ``normalize_compound_pairs`` for one pair of word lists.

    ``difflib.SequenceMatcher`` (default settings, as there) aligns the words; wherever a
    differing stretch spells the same letters on both sides once its spaces are removed
    (German ``"haus tür"`` against ``"haustür"``), both sides become that one joined word.
    """
    new_ref: list[str] = []
    new_hyp: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, reference, hypothesis).get_opcodes():
        joined_ref, joined_hyp = "".join(reference[i1:i2]), "".join(hypothesis[j1:j2])
        if tag != "equal" and joined_ref == joined_hyp:
            new_ref.append(joined_ref)
            new_hyp.append(joined_hyp)
        else:
            new_ref.extend(reference[i1:i2])
            new_hyp.extend(hypothesis[j1:j2])
    return new_ref, new_hyp
