"""Time ``omnieval leaderboard`` on many runs: 50 models x 30 tasks, a few hundred samples each.

Synthesises run directories in the exact results schema (``evals.report.synth``;
24 accuracy tasks and 6 WER tasks, 300 samples each), then times, in-process:

- read + comparability + statistics (1,000-resample joint bootstrap per task,
  rank intervals, top-vs-rest paired tests) = ``build_leaderboard``;
- writing every report (MD, CSV, JSON, index.html, task pages) without plots;
- the same with matplotlib plots.

    .venv/bin/python benchmarks/bench_leaderboard.py [--models 50 --tasks 30 --samples 300] [--out bench.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.settings import one_blas_thread  # noqa: E402

one_blas_thread()  # as the omnieval command does, before numpy is imported

import numpy as np  # noqa: E402

from evals.report.build import build_leaderboard, write_reports  # noqa: E402
from evals.report.index import RunsIndex, load_runs  # noqa: E402
from evals.report.synth import SynthTask, accuracy_stats, make_run, wer_stats  # noqa: E402


def synthesise(root: Path, n_models: int, n_tasks: int, n_samples: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    skill = rng.uniform(0.3, 0.9, size=n_models)
    for m in range(n_models):
        tasks = {}
        for t in range(n_tasks):
            if t % 5 == 4:  # every fifth task is ASR (corpus WER, lower is better)
                words = rng.integers(5, 20, size=n_samples)
                edits = rng.binomial(words, 1 - skill[m])
                tasks[f"asr_{t:02d}"] = SynthTask(stats=wer_stats(edits.tolist(), words.tolist()), scorer="wer", modality="audio",
                                                  kind="asr", task_hash=f"{t:016x}")
            else:
                correct = rng.random(n_samples) < skill[m]
                tasks[f"vqa_{t:02d}"] = SynthTask(stats=accuracy_stats(correct.tolist()), task_hash=f"{t:016x}")
        make_run(root, f"20250101-{m:03d}-model{m}", f"hf:org/model-{m:03d}", tasks, started=f"2025-01-01T00:{m // 60:02d}:{m % 60:02d}+00:00",
                 n_resamples=100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=50)
    ap.add_argument("--tasks", type=int, default=30)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None, help="write the timings as JSON here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_leaderboard_"))
    try:
        t0 = time.perf_counter()
        synthesise(tmp / "runs", args.models, args.tasks, args.samples)
        synth_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        entries = load_runs([tmp / "runs"])
        with RunsIndex(tmp / "runs.sqlite") as idx:
            idx.register(entries)
        board = build_leaderboard(entries, n_resamples=args.resamples)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_reports(board, tmp / "report", plots=False)
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_reports(board, tmp / "report_plots", plots=True)
        write_plots_s = time.perf_counter() - t0
        result = {
            "runs": args.models, "tasks": args.tasks, "samples_per_task": args.samples, "resamples": args.resamples,
            "synthesise_s": round(synth_s, 2), "read_and_statistics_s": round(build_s, 2),
            "write_reports_s": round(write_s, 2), "leaderboard_without_plots_s": round(build_s + write_s, 2),
            "write_reports_with_plots_s": round(write_plots_s, 2), "leaderboard_with_plots_s": round(build_s + write_plots_s, 2),
            "index_html_bytes": (tmp / "report" / "index.html").stat().st_size,
            "python": platform.python_version(), "machine": platform.machine(),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for k, v in result.items():
        print(f"{k:>30}: {v}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
