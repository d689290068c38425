"""The reliability tests of tests/reliability/, repeated at length (too slow for the test suite).

    .venv/bin/python benchmarks/reliability_soak.py [--rounds 5] [--kills 8] [--only kills|concurrent|faults]

- ``kills``: each round SIGKILLs `omnieval run` ``--kills`` times at seeded random points
  (seed = round), resumes, and checks the resumed run against an uninterrupted one
  (sample by sample, metrics, task hash; no sample lost or twice; every committed
  response still in the cache after each kill);
- ``concurrent``: each round runs three models at once on one task and one fresh cache
  (``--concurrent-limit`` samples), then each model again, all from its stored plan;
- ``faults``: each round sends every fault kind of tests/adapters/fault_server.py
  ``--fault-copies`` times through one run and a resume (``fail_fast_after=0``: with many
  unfixable failures in flight, eight of them can come in a row).

Prints one line per round and a summary; exits 1 if any round failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def kills_round(tmp: Path, seed: int, kills: int) -> str:
    from tests.reliability.test_kill_resume import N, check_resume_equals_reference, kill_at_random_points

    cache = tmp / "c.sqlite"
    counts = kill_at_random_points(tmp, cache, kills=kills, seed=seed)
    check_resume_equals_reference(tmp, cache, counts)
    return f"cache after each kill: {counts} of {N}"


def concurrent_round(tmp: Path, limit: int) -> str:
    from evals.adapters.base import create_adapter
    from evals.run.cache import ResponseCache
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions
    from evals.spec.catalog import load_task
    from tests.reliability.test_concurrent_runs import MODELS, check_every_sample, run_concurrently

    run_dirs = run_concurrently(tmp / "first", tmp / "shared.sqlite", limit=limit, models=MODELS)
    check_every_sample(run_dirs, limit)
    cache = ResponseCache(tmp / "shared.sqlite")
    for model in MODELS:
        again = evaluate_model(create_adapter(model, {}), [load_task("easyvqa")], tmp / "again" / model.replace(":", "_"), cache,
                               RunOptions(limit=limit)).tasks["easyvqa"]
        assert again.n_samples == limit and again.n_cached == limit, (model, again.n_samples, again.n_cached)
    return f"{len(MODELS)} models x {limit} samples, all whole"


def faults_round(tmp: Path, copies: int) -> str:
    from tests.reliability.test_fault_mix import FAULTS, check_fault_mix

    check_fault_mix(tmp, copies, fail_fast_after=0)
    return f"{len(FAULTS)} fault kinds x {copies}, run and resume"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kills", type=int, default=8, help="SIGKILLs per round")
    parser.add_argument("--concurrent-limit", type=int, default=300)
    parser.add_argument("--fault-copies", type=int, default=10)
    parser.add_argument("--only", choices=["kills", "concurrent", "faults"])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    kinds = [args.only] if args.only else ["kills", "concurrent", "faults"]
    failed = 0
    for kind in kinds:
        for r in range(args.rounds):
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    if kind == "kills":
                        what = kills_round(Path(tmp), seed=r, kills=args.kills)
                    elif kind == "concurrent":
                        what = concurrent_round(Path(tmp), args.concurrent_limit)
                    else:
                        what = faults_round(Path(tmp), args.fault_copies)
                    verdict = "ok"
                except Exception:  # noqa: BLE001 - reported, then the next round
                    failed += 1
                    what, verdict = traceback.format_exc(limit=3).strip().splitlines()[-1], "FAILED"
            print(f"{kind:10s} round {r}: {verdict:6s} {time.perf_counter() - start:6.1f} s  {what}", flush=True)
    total = len(kinds) * args.rounds
    print(f"{total - failed} of {total} rounds passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
