"""The cold quickstart as a whole process: `omnieval run --output DIR` with no other arguments, as README says.

    .venv/bin/python benchmarks/bench_quickstart.py [--runs 3] [--baseline-path DIR] [--json OUT]

Each run is a fresh process with a fresh, empty response cache (``OMNIEVAL_CACHE_DIR`` in a new temporary
directory) and a new output directory, so nothing is answered from an earlier run: every model loads and every
request is computed. The figure is the median wall-clock time of the runs, with their spread (min to max); the
load average of the machine before and after is printed with it, since on a shared machine it decides the spread,
and so is the CPU time the run used (user + system, its child processes included), which the load hardly moves.

Every run must produce the same numbers (each model's primary metric on each task, checked): the quickstart is
deterministic. ``--baseline-path DIR`` times another source tree of omnieval (e.g. an unmodified copy, run with
``PYTHONPATH=DIR``) in alternation with this one, and prints the median of the paired ratios (this / baseline),
which survives a noisy machine better than either time alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
OMNIEVAL = str(Path(PY).with_name("omnieval"))


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run_once(source: Path | None, extra: list[str]) -> dict:
    """One cold quickstart; returns its wall time, per-model task times and the figures it produced."""
    with tempfile.TemporaryDirectory(prefix="omnieval-quickstart-") as tmp:
        env = {**os.environ, "OMNIEVAL_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("OMNIEVAL_CACHE", None)
        if source is not None:
            env["PYTHONPATH"] = str(source)
        load_before = _load()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([OMNIEVAL, "run", "--output", str(Path(tmp) / "runs"), *extra], cwd=tmp, env=env,
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the run and its own children (decoder processes, Java)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise SystemExit(f"omnieval run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        figures, tasks = {}, {}
        for results in sorted((Path(tmp) / "runs").glob("*/results.json")):
            data = json.loads(results.read_text())
            for name, task in data["tasks"].items():
                primary = task["primary_metric"]
                figures[f"{data['model']} {name}"] = task["metrics"][primary]["value"]
                tasks[f"{data['model']} {name}"] = round(task["timing"]["wall_s"], 2)
        return {"wall_s": wall, "cpu_s": cpu, "load_before": load_before, "load_after": _load(), "figures": figures,
                "task_wall_s": tasks}


def _spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.1f} s (min {min(xs):.1f}, max {max(xs):.1f}, n={len(xs)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="cold runs (pairs with --baseline-path)")
    ap.add_argument("--baseline-path", type=Path, help="another omnieval source tree, timed in alternation (PYTHONPATH)")
    ap.add_argument("--json", type=Path, help="write every run's measurements here")
    ap.add_argument("--breakdown", action="store_true", help="print each model's task times of the first run")
    ap.add_argument("extra", nargs="*", help="extra arguments for `omnieval run` (after --)")
    args = ap.parse_args()
    print(f"cold `omnieval run --output DIR` (the quickstart), fresh cache each run; cores: {os.cpu_count()}, "
          f"load average now: {_load()}", flush=True)
    runs: list[dict] = []
    base: list[dict] = []
    for i in range(args.runs):
        order = [("this", None), ("baseline", args.baseline_path)] if args.baseline_path else [("this", None)]
        if i % 2 and args.baseline_path:
            order.reverse()  # alternate who goes first, so a slow spell of the machine hits both sides
        for label, source in order:
            r = run_once(source, args.extra)
            (runs if label == "this" else base).append(r)
            print(f"  run {i + 1} {label}: {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s (load {r['load_before']} -> "
                  f"{r['load_after']})", flush=True)
    figures = {json.dumps(r["figures"], sort_keys=True) for r in runs}
    if len(figures) != 1:
        raise SystemExit("the runs gave different figures: the quickstart is not deterministic")
    print(f"quickstart, cold: {_spread([r['wall_s'] for r in runs])}; CPU time (user + system, with its child "
          f"processes): {_spread([r['cpu_s'] for r in runs])}; every run gave the same figures")
    if base:
        if len({json.dumps(r["figures"], sort_keys=True) for r in base}) != 1:
            raise SystemExit("the baseline's runs gave different figures")
        ratios = [r["wall_s"] / b["wall_s"] for r, b in zip(runs, base)]
        print(f"baseline ({args.baseline_path}), cold: {_spread([b['wall_s'] for b in base])}; CPU time: "
              f"{_spread([b['cpu_s'] for b in base])}")
        print(f"this / baseline: median {statistics.median(ratios):.3f} (pairs {', '.join(f'{x:.3f}' for x in ratios)})")
    if args.breakdown:
        for key, wall in runs[0]["task_wall_s"].items():
            print(f"  {key}: {wall:.1f} s")
    if args.json:
        args.json.write_text(json.dumps({"this": runs, "baseline": base}, indent=1))


if __name__ == "__main__":
    main()
