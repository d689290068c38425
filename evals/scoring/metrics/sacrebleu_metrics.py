"""``sacrebleu``: corpus BLEU and chrF exactly as sacreBLEU computes them, with its signatures in the results.

Machine and speech translation are reported with sacreBLEU (Post 2018): one
tokenizer per target language, corpus-level statistics, and a *signature*
string that says how the number was made (``nrefs:1|case:mixed|eff:no|tok:13a|
smooth:exp|version:2.6.0``). This scorer reproduces ``sacrebleu.corpus_bleu``
and ``sacrebleu.corpus_chrf`` (tested against them) and writes both signatures
into the task's results (``TaskResult.signatures["sacrebleu"]``).

Per sample it keeps sacreBLEU's own sufficient statistics, computed by
sacreBLEU (``Metric._extract_corpus_statistics``: BLEU's hypothesis and
reference lengths and n-gram matches/totals; chrF's character and word n-gram
counts); the aggregate sums them and calls sacreBLEU's formulas
(``BLEU.compute_bleu``, ``CHRF._compute_f_score``), so a bootstrap resample
recomputes the corpus scores from resampled sentences. Scores are on
sacreBLEU's 0-100 scale, as papers report them.

Options: ``target_language`` (ISO 639-1 code of the references) lets
sacreBLEU pick its tokenizer as its command line does (``zh`` -> ``zh``,
``ja`` -> ``ja-mecab``, ``ko`` -> ``ko-mecab``, anything else ``13a``);
``tokenize`` names one outright. ``ja-mecab`` needs ``pip install
'omnieval[translation]'`` (``sacrebleu[ja]``: mecab-python3 and ipadic, both on
PyPI); without them each sample is a scoring error that says so, never a silent
``13a``. Only the first reference of a sample is used (CoVoST 2 and FLEURS have
one), so ``nrefs`` is 1. sacreBLEU's quirks stay: chrF counts no hypothesis
n-grams of an order its reference has none of (a one-character reference).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import ScoreInput, Stats, TotalsAggregate, scorer

BLEU_ORDER = 4
CHRF_CHAR_ORDER, CHRF_WORD_ORDER = 6, 0  # sacreBLEU's chrF defaults (chrF2: beta 2, no word n-grams)
BLEU_STATS = tuple(["bleu_sys_len", "bleu_ref_len"] + [f"bleu_correct_{k}" for k in range(1, BLEU_ORDER + 1)]
                   + [f"bleu_total_{k}" for k in range(1, BLEU_ORDER + 1)])  # fmt: skip
"""sacreBLEU's BLEU segment statistics, in its order: lengths, then matches and totals per n-gram order."""
CHRF_STATS = tuple(f"chrf_{k}" for k in range(3 * (CHRF_CHAR_ORDER + CHRF_WORD_ORDER)))
"""sacreBLEU's chrF segment statistics (hypothesis, reference and matching n-gram counts per order)."""


class SacreBleuOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    target_language: str = "en"
    """ISO 639-1 code of the references' language: sacreBLEU picks the BLEU tokenizer from it."""
    tokenize: str | None = None
    """A sacreBLEU tokenizer name (``13a``, ``intl``, ``zh``, ``ja-mecab``, ``char``, ``none``...); None: sacreBLEU's choice."""
    lowercase: bool = False


@lru_cache(maxsize=16)
def _metrics(options: SacreBleuOptions) -> tuple[Any, Any]:
    from sacrebleu.metrics import BLEU, CHRF

    try:
        bleu = BLEU(tokenize=options.tokenize, trg_lang=options.target_language, lowercase=options.lowercase)
    except (ImportError, RuntimeError) as e:  # ja-mecab / ko-mecab without their packages
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RuntimeError(f"the BLEU tokenizer for {options.tokenize or options.target_language!r} is not installed: pip install "
                           f"'omnieval[translation]' or 'sacrebleu[ja]' (Japanese), 'sacrebleu[ko]' (Korean) ({why})") from None
    chrf = CHRF(char_order=CHRF_CHAR_ORDER, word_order=CHRF_WORD_ORDER, lowercase=options.lowercase)
    return bleu, chrf


def sacrebleu_signatures(options: SacreBleuOptions) -> dict[str, str]:
    """sacreBLEU's signature of each metric under ``options`` (one reference per sample)."""
    try:
        metrics = _metrics(options)
    except RuntimeError as e:  # every sample already failed with this message; the results say why too
        return {"bleu": f"unavailable: {e}", "chrf": f"unavailable: {e}"}
    out = {}
    for name, metric in zip(("bleu", "chrf"), metrics):
        metric.num_refs = 1  # what sacreBLEU sets when it reads one reference stream
        out[name] = metric.get_signature().format()
    return out


def _from_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    """sacreBLEU's corpus formulas on summed statistics, for each entry of the (resample-shaped) totals."""
    bleu, chrf = _metrics(options)  # type: ignore[arg-type]
    shape = np.shape(totals[BLEU_STATS[0]])
    out = {"bleu": np.full(shape, np.nan), "chrf": np.full(shape, np.nan)}
    for index in np.ndindex(shape):
        b = [float(totals[c][index]) for c in BLEU_STATS]
        if not np.isnan(b).any():
            out["bleu"][index] = bleu._compute_score_from_stats(b).score
        h = [float(totals[c][index]) for c in CHRF_STATS]
        if not np.isnan(h).any():
            out["chrf"][index] = chrf._compute_f_score(h)
    return out


@scorer(
    "sacrebleu",
    aggregate=TotalsAggregate((*BLEU_STATS, *CHRF_STATS), _from_totals),
    options=SacreBleuOptions,
    primary="bleu",
    metrics=("bleu", "chrf"),
    internal_stats=(*BLEU_STATS, *CHRF_STATS),
    signature=sacrebleu_signatures,
    description="Corpus BLEU and chrF as sacreBLEU computes them (0-100), tokenizer by target language, signatures in results.",
)
def score_sacrebleu(inputs: Sequence[ScoreInput], options: SacreBleuOptions) -> list[Stats]:
    bleu, chrf = _metrics(options)
    hypotheses = [item.prediction for item in inputs]
    references = [[item.references[0] if item.references else "" for item in inputs]]  # one reference stream
    bleu_rows = bleu._extract_corpus_statistics(hypotheses, references)
    chrf_rows = chrf._extract_corpus_statistics(hypotheses, references)
    return [{**{c: float(v) for c, v in zip(BLEU_STATS, b)}, **{c: float(v) for c, v in zip(CHRF_STATS, h)}}
            for b, h in zip(bleu_rows, chrf_rows)]  # fmt: skip
