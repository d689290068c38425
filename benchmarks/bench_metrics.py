"""Time the metric library on synthetic corpora.

- a 5,000-image caption corpus (5 references each) through the ``caption``
  scorer (PTB tokenizer + BLEU + METEOR + ROUGE-L + CIDEr-D; SPICE off), and
- a 10,000-utterance WER corpus (Whisper English normaliser),

each followed by a 1,000-resample bootstrap CI. Prints a table and writes
JSON (``--out``). Ratios: bootstrap time / point-estimate (aggregate) time,
and bootstrap time / scoring time.

    .venv/bin/python benchmarks/bench_metrics.py --out bench_metrics.json
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.registry import get_scorer  # noqa: E402
from evals.scoring.stats import bootstrap_ci  # noqa: E402

WORDS = ("a man woman person people dog cat horse bike car street table kitchen red blue big small young old "
         "is are riding sitting standing walking holding eating playing on in with near of next to the an two "
         "three grass field water beach snow road building tree window room plate pizza").split()  # fmt: skip
SPEECH = ("the of and to a in that is was he for it with as his on be at by i this had not are but from or have an "
          "they which one you were her all she there would their we him been has when who will more no if out so "
          "said what up its about into than them can only other new some could time these two may then do first "
          "twenty five hundred mr doctor colour organise it's don't can't").split()  # fmt: skip


def _sentence(rng: random.Random, vocab: list[str], lo: int, hi: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi)))


def _perturb(rng: random.Random, text: str, vocab: list[str], rate: float) -> str:
    out = []
    for w in text.split():
        r = rng.random()
        if r < rate / 3:
            continue
        out.append(rng.choice(vocab) if r < rate else w)
        if rng.random() < rate / 3:
            out.append(rng.choice(vocab))
    return " ".join(out)


def caption_corpus(n: int, seed: int = 0) -> list[ScoreInput]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        refs = [_sentence(rng, WORDS, 6, 14).capitalize() + "." for _ in range(5)]
        items.append(ScoreInput(id=str(i), prediction=_perturb(rng, refs[0], WORDS, 0.4), references=refs))
    return items


def speech_corpus(n: int, seed: int = 1) -> list[ScoreInput]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        ref = _sentence(rng, SPEECH, 5, 30)
        items.append(ScoreInput(id=str(i), prediction=_perturb(rng, ref, SPEECH, 0.15), references=[ref.capitalize() + "."]))
    return items


def bench(name: str, scorer_name: str, inputs: list[ScoreInput], options: dict, n_resamples: int) -> dict:
    scorer = get_scorer(scorer_name)
    opts = scorer.parse_options(options)
    t0 = time.perf_counter()
    rows = scorer.score(inputs, opts)
    t1 = time.perf_counter()
    table = stats_table(rows)
    t2 = time.perf_counter()
    values = scorer.aggregate(table, opts)
    t3 = time.perf_counter()
    cis = bootstrap_ci(scorer, table, opts, n_resamples=n_resamples, seed=0)
    t4 = time.perf_counter()
    return {
        "name": name, "scorer": scorer_name, "n": len(inputs), "options": opts.model_dump(mode="json"),
        "n_resamples": n_resamples, "score_s": t1 - t0, "table_s": t2 - t1, "aggregate_s": t3 - t2,
        "bootstrap_s": t4 - t3, "bootstrap_over_aggregate": (t4 - t3) / max(t3 - t2, 1e-9),
        "bootstrap_over_score": (t4 - t3) / max(t1 - t0, 1e-9),
        "per_sample_score_us": 1e6 * (t1 - t0) / len(inputs),
        "values": values, "ci": {k: list(v) for k, v in cis.items()},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--utterances", type=int, default=10000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("bench_metrics.json"))
    args = parser.parse_args()

    results = [bench("wer_10k", "wer", speech_corpus(args.utterances), {"normalizer": "whisper_english"}, args.resamples)]
    if shutil.which("java"):
        results.append(bench("caption_5k", "caption", caption_corpus(args.images), {"spice": False}, args.resamples))
    else:
        print("java not found: caption benchmark skipped", file=sys.stderr)

    header = f"{'corpus':<12}{'n':>7}{'score s':>10}{'agg ms':>9}{'boot s':>9}{'boot/agg':>10}{'boot/score':>11}  primary [95% CI]"
    print(header)
    print("-" * len(header))
    for r in results:
        primary = get_scorer(r["scorer"]).primary
        lo, hi = r["ci"][primary]
        print(f"{r['name']:<12}{r['n']:>7}{r['score_s']:>10.2f}{1000 * r['aggregate_s']:>9.2f}{r['bootstrap_s']:>9.3f}"
              f"{r['bootstrap_over_aggregate']:>10.0f}{r['bootstrap_over_score']:>11.3f}  "
              f"{primary}={r['values'][primary]:.4f} [{lo:.4f}, {hi:.4f}]")  # fmt: skip
    payload = {"python": platform.python_version(), "machine": platform.machine(), "results": results}
    args.out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
