"""``wer`` and ``cer``: corpus-level error rates after a named text normaliser.

As on the Open ASR Leaderboard: prediction and reference go through the same
normaliser (option ``normalizer``: ``whisper_english`` (default),
``whisper_basic`` or ``none``; recorded in results), samples whose reference
normalises to an empty string are dropped (stat ``dropped`` = 1, all counts 0,
so they add nothing to the sums), and the rate is corpus-level:
``sum(edits) / sum(reference words)`` (characters for CER), a fraction, not a
percentage. Only the first reference is used.

The Open ASR Leaderboard's 2026 rules are options, all recorded in results:
``normalizer: open_asr_english`` (its English normaliser) or
``open_asr_multilingual`` with ``language`` (its multilingual one, numbers
spelled out in that language); ``drop_ignored: true`` also drops references
that normalise to ``ignore time segment in scoring`` (its
``is_target_text_in_range``); ``merge_compounds: true`` counts joined
neighbours against one word as a match (kaldialign's ``merge_compounds``);
``join_compounds: true`` first joins differing stretches that spell the same
letters (its multilingual ``normalize_compound_pairs``). One difference from
the leaderboard stays: it never transcribes dropped rows, we do, so their
audio and time still count in the task's RTFx.

Tokens: words are whitespace-separated; characters are those of the
normalised text with surrounding whitespace stripped (inner spaces count, as
in ``jiwer.cer``). Per-sample ``score`` is the utterance's own error rate
(NaN when dropped); the aggregate never averages it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from evals.scoring.contract import SampleScore, ScoreInput, Stats, TotalsAggregate, safe_divide, scorer
from evals.scoring.metrics.levenshtein import edit_counts, edit_counts_compound, join_split_compounds
from evals.scoring.metrics.text_normalizers import get_normalizer, is_scored_reference


class ErrorRateOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    LATE_OPTIONS: ClassVar[tuple[str, ...]] = ("language", "drop_ignored", "merge_compounds", "join_compounds", "join_by",
                                               "join_order", "join_count")

    normalizer: Literal["whisper_english", "whisper_basic", "open_asr_english", "open_asr_multilingual", "qwen_audio",
                        "none"] = "whisper_english"
    language: str | None = None
    """The text's language (``de``, ``fr``...), for ``open_asr_multilingual``."""
    drop_ignored: bool = False
    merge_compounds: bool = False
    join_compounds: bool = False
    join_by: str | None = None
    """A metadata field naming the whole a sample is part of (a call): its parts' predictions are joined and scored once."""
    join_order: str = "chunk_index"
    """The metadata field giving a part's position in its whole."""
    join_count: str = "n_chunks"
    """The metadata field giving how many parts the whole has."""

    @model_validator(mode="after")
    def _language_when_needed(self) -> "ErrorRateOptions":
        if self.normalizer == "open_asr_multilingual" and not self.language:
            raise ValueError("normalizer open_asr_multilingual needs a language (e.g. language: de)")
        return self


def _tokens(text: str, unit: str) -> list[str]:
    return text.split() if unit == "words" else list(text.strip())


def _score_error_rate(inputs: Sequence[ScoreInput], options: ErrorRateOptions, unit: str) -> list[Stats]:
    normalize = get_normalizer(options.normalizer, options.language)
    length_key = "ref_words" if unit == "words" else "ref_chars"
    rows: list[Stats] = []
    for item in inputs:
        if not item.references:
            raise ValueError(f"{'wer' if unit == 'words' else 'cer'}: sample {item.id!r} has no reference")
        normalized = normalize(item.references[0])
        ref = _tokens(normalized, unit)
        if not ref or (options.drop_ignored and not is_scored_reference(normalized)):
            rows.append({"score": float("nan"), "edits": 0.0, "substitutions": 0.0, "deletions": 0.0,
                         "insertions": 0.0, length_key: 0.0, "dropped": 1.0})  # fmt: skip
            continue
        hyp = _tokens(normalize(item.prediction), unit)
        if options.join_compounds:
            ref, hyp = join_split_compounds(ref, hyp)
        s, d, i = edit_counts_compound(ref, hyp) if options.merge_compounds else edit_counts(ref, hyp)
        edits = s + d + i
        rows.append({"score": edits / len(ref), "edits": float(edits), "substitutions": float(s),
                     "deletions": float(d), "insertions": float(i), length_key: float(len(ref)),
                     "dropped": 0.0})  # fmt: skip
    return rows


def _score_joined(inputs: Sequence[ScoreInput], options: ErrorRateOptions, unit: str) -> list[Any]:
    """Each whole (``options.join_by``) scored once on its joined predictions; see the module docstring."""
    by, order, count = options.join_by, options.join_order, options.join_count
    wholes: dict[str, list[int]] = {}
    out: list[Any] = [None] * len(inputs)
    for i, item in enumerate(inputs):
        if any(item.metadata.get(k) is None for k in (by, order, count)):
            out[i] = SampleScore(error=f"metadata {by}, {order} and {count} are needed to join parts (fields.metadata)")
        else:
            wholes.setdefault(str(item.metadata[by]), []).append(i)
    whole_options = options.model_copy(update={"join_by": None})
    for key, members in wholes.items():
        members.sort(key=lambda i: int(inputs[i].metadata[order]))
        expected = int(inputs[members[0]].metadata[count])
        positions = {int(inputs[i].metadata[order]) for i in members}
        if len(members) != expected or len(positions) != expected:
            why = (f"{by} {key}: {len(members)} of its {expected} parts answered (a request failed, or --limit left some out); "
                   "a partial whole is not scored")
            for i in members:
                out[i] = SampleScore(error=why)
            continue
        # merge_chunked_manifest: " ".join of each chunk's stripped prediction, empty ones left out; normalised after joining.
        prediction = " ".join(p for i in members if (p := inputs[i].prediction.strip()))
        first = inputs[members[0]]
        [row] = _score_error_rate([ScoreInput(id=key, prediction=prediction, references=first.references)], whole_options, unit)
        out[members[0]] = SampleScore(stats=row, explanation=f"{by} {key}: its {expected} parts' predictions joined and scored here")
        zeros = {k: (float("nan") if k == "score" else 0.0) for k in row}
        for i in members[1:]:
            out[i] = SampleScore(stats=zeros, explanation=f"{by} {key}: scored with its whole, on part {first.id}")
    return out


def _error_rate(inputs: Sequence[ScoreInput], options: ErrorRateOptions, unit: str) -> list[Any]:
    return _score_joined(inputs, options, unit) if options.join_by else _score_error_rate(inputs, options, unit)


def _joins(options: ErrorRateOptions) -> bool:
    # Joining needs every part of a whole at once: the scorer then runs over the whole task, at the end.
    return options.join_by is not None


def _error_rate_aggregate(name: str, length_key: str) -> TotalsAggregate:
    def from_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
        length = totals[length_key]
        return {
            name: safe_divide(totals["edits"], length),
            "substitution_rate": safe_divide(totals["substitutions"], length),
            "deletion_rate": safe_divide(totals["deletions"], length),
            "insertion_rate": safe_divide(totals["insertions"], length),
            "dropped": np.nan_to_num(totals["dropped"]),
        }

    return TotalsAggregate(("edits", "substitutions", "deletions", "insertions", length_key, "dropped"), from_totals)


aggregate_wer = _error_rate_aggregate("wer", "ref_words")
aggregate_cer = _error_rate_aggregate("cer", "ref_chars")
_RATES = ("substitution_rate", "deletion_rate", "insertion_rate", "dropped")


# Error rates: lower is better, for every metric of the scorer (fewer substitutions, fewer dropped utterances).
@scorer(
    "wer",
    aggregate=aggregate_wer,
    options=ErrorRateOptions,
    primary="wer",
    metrics=("wer", *_RATES),
    direction="lower",
    corpus_level=_joins,
    description="Corpus word error rate (sum of edits / sum of reference words) after a text normaliser.",
)
def score_wer(inputs: Sequence[ScoreInput], options: ErrorRateOptions) -> list[Any]:
    return _error_rate(inputs, options, "words")


@scorer(
    "cer",
    aggregate=aggregate_cer,
    options=ErrorRateOptions,
    primary="cer",
    metrics=("cer", *_RATES),
    direction="lower",
    corpus_level=_joins,
    description="Corpus character error rate (sum of edits / sum of reference characters) after a text normaliser.",
)
def score_cer(inputs: Sequence[ScoreInput], options: ErrorRateOptions) -> list[Any]:
    return _error_rate(inputs, options, "chars")
