"""omnieval's performance suite: harness overhead, efficiency against raw loops, cache, memory, scoring.

    .venv/bin/python benchmarks/run.py [--quick] [--out benchmarks/results.json]

Whole-process figures (`omnieval run` against the floor of imports + model load +
raw loop, fully cached re-runs, `omnieval --help`) come from `bench_startup.py`,
which also runs alone.

Every figure is a median over several runs and is printed next to its target
and the ratio that matters. Each measurement runs in a fresh subprocess, so
peak RSS is that measurement's own and imports are paid the same way as by
`omnieval run` (reported separately as start-up).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PY = sys.executable


def _child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([PY, "-c", code, *args], capture_output=True, text=True, env=env, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


_HARNESS = r'''
import json, resource, sys, tempfile, time
from pathlib import Path

def peak_rss_mb():
    # VmHWM belongs to this process image; ru_maxrss survives exec, so it would report the
    # parent's peak (the parent writes the synthetic mirrors) whenever that was higher.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

t0 = time.perf_counter()
from evals.adapters import base
base.ADAPTER_MODULES["instant"] = "instant_adapter"
from evals.adapters.base import create_adapter
from evals.run.cache import ResponseCache
from evals.spec.catalog import load_task
from evals.run.evaluate import evaluate_model
from evals.run.runner import RunOptions
from evals.run.memory import tune_allocators
tune_allocators()  # as `omnieval run` does
mirror, cache_path, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = load_task(str(Path(mirror) / "synthetic_vqa.yaml"))
adapter = create_adapter("instant", {})
cache = ResponseCache(cache_path) if cache_path != "-" else None
import evals.data.source  # noqa: F401
import importlib.util
if importlib.util.find_spec("torch"):
    import torch  # noqa: F401  datasets imports it on the process's first streaming dataset: start-up, paid once
startup = time.perf_counter() - t0
times = []
for _ in range(passes):
    t = time.perf_counter()
    res = evaluate_model(adapter, [spec], Path(tempfile.mkdtemp()), cache, RunOptions(batch_size=32, data_dir=mirror, n_resamples=200))
    times.append(time.perf_counter() - t)
task = res.tasks["synthetic_vqa"]
print(json.dumps({"times": times, "n": task.n_samples, "cached": task.n_cached, "startup_s": startup,
                  "peak_rss_mb": peak_rss_mb()}))
'''


def _mirror(base: Path, n: int, per_image: int) -> Path:
    from synthetic import write_mirror

    target = base / f"vqa2_{n}_per{per_image}"  # vqa2: every image group has bytes of its own
    if not (target / "synthetic_vqa.yaml").exists():
        write_mirror(target, n, per_image)
    return target


def harness_overhead(base: Path, n: int, per_image: int, repeats: int) -> dict:
    mirror = _mirror(base, n, per_image)
    runs = [_child(_HARNESS, str(mirror), "-", "1") for _ in range(repeats)]
    per_sample_ms = statistics.median(r["times"][0] for r in runs) / n * 1000
    return {"n": n, "questions_per_image": per_image, "distinct_images": -(-n // per_image), "ms_per_sample": per_sample_ms,
            "samples_per_s": 1000 / per_sample_ms, "startup_s": statistics.median(r["startup_s"] for r in runs),
            "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs)}


_DECODE = r'''
import io, json, time
from concurrent.futures import ThreadPoolExecutor
from evals.data.media import decode_image
from evals.run.memory import tune_allocators
from synthetic import jpeg_pool
tune_allocators()  # the allocator settings of `omnieval run`
pool = jpeg_pool(50)
out = {}
for threads in (1, 2):
    with ThreadPoolExecutor(threads) as ex:
        list(ex.map(decode_image, pool))
        t = time.perf_counter()
        for _ in range(4):
            list(ex.map(decode_image, pool))
        out[f"threads_{threads}"] = (time.perf_counter() - t) / 200 * 1000
print(json.dumps(out))
'''


def decode_floor() -> dict:
    """ms per image to decode the benchmark's JPEGs with one and with two threads: the floor for distinct images."""
    return _child(_DECODE)


def cached_rerun(base: Path, n: int, repeats: int) -> dict:
    mirror = _mirror(base, n, 5)
    with tempfile.TemporaryDirectory() as tmp:
        run = _child(_HARNESS, str(mirror), str(Path(tmp) / "c.sqlite"), str(1 + repeats))
    assert run["cached"] == n
    return {"n": n, "first_s": run["times"][0], "rerun_s": statistics.median(run["times"][1:]),
            "speedup": run["times"][0] / statistics.median(run["times"][1:])}


_WHISPER = r'''
import json, sys, tempfile, time
from pathlib import Path
from evals.adapters.base import create_adapter
from evals.spec.catalog import load_task
from evals.run.evaluate import evaluate_model
from evals.data.media import decode_audio
from evals.run.runner import RunOptions
adapter = create_adapter("ct2-whisper", {})
spec = load_task("harvard_asr")
files = sorted(Path(sys.argv[1]).glob("*.flac"))

def raw_loop():  # the minimal loop: decode, batches of 8, the same batched generate
    out = []
    for i in range(0, len(files), 8):
        arrays = [decode_audio(f.read_bytes(), 16000)[0] for f in files[i:i + 8]]
        out += adapter._batch(arrays, 1, 96)
    return out

raw, ours, rtfx = [], [], []
raw_loop(); evaluate_model(adapter, [spec], Path(tempfile.mkdtemp()), None, RunOptions(batch_size=8, limit=2))  # warm-up: imports are start-up, reported apart
for _ in range(int(sys.argv[2])):  # alternate, so drift in machine speed hits both sides alike
    t = time.perf_counter(); raw_loop(); raw.append(time.perf_counter() - t)
    t = time.perf_counter(); res = evaluate_model(adapter, [spec], Path(tempfile.mkdtemp()), None, RunOptions(batch_size=8)); ours.append(time.perf_counter() - t)
    rtfx.append(res.tasks["harvard_asr"].timing.rtfx)
print(json.dumps({"raw": raw, "ours": ours, "rtfx": rtfx}))
'''


def whisper_efficiency(repeats: int) -> dict:
    """Raw loop and `omnieval` alternate in one process; the figure is the median of the paired ratios."""
    clips = ROOT / "tasks" / "quickstart" / "data" / "harvard_speech"
    run = _child(_WHISPER, str(clips), str(repeats))
    ratios = [r / o for r, o in zip(run["raw"], run["ours"])]
    return {"raw_loop_s": statistics.median(run["raw"]), "omnieval_s": statistics.median(run["ours"]), "efficiency": statistics.median(ratios),
            "ratios": ratios, "rtfx": statistics.median(run["rtfx"]), "rtfx_runs": run["rtfx"]}


def scoring_throughput(quick: bool) -> dict:
    sys.path.insert(0, str(HERE))
    from bench_metrics import bench, caption_corpus, speech_corpus

    n_cap, n_wer = (1000, 2000) if quick else (5000, 10000)
    wer = bench("wer", "wer", speech_corpus(n_wer), {}, 1000)
    cap = bench("caption", "caption", caption_corpus(n_cap), {"spice": False}, 1000) if _has_java() else None
    return {"wer": wer, "caption": cap}


def _has_java() -> bool:
    import shutil

    return shutil.which("java") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats (a smoke test, not the figures)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "omnieval-bench", help="where synthetic mirrors are kept")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    args.data.mkdir(parents=True, exist_ok=True)
    big, small, cached_n, repeats = (4000, 400, 2000, 1) if args.quick else (20000, 2000, 10000, 3)
    pairs = 1 if args.quick else 7  # efficiency: raw and omnieval alternate; the median of the paired ratios tames a noisy machine

    started = time.time()
    results: dict = {"date": datetime.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", "quick": args.quick}
    results["overhead_shared"] = harness_overhead(args.data, big, 5, repeats)
    results["overhead_small"] = harness_overhead(args.data, small, 5, repeats)
    results["overhead_unique"] = harness_overhead(args.data, big, 1, repeats)
    results["decode_ms"] = decode_floor()
    results["cached"] = cached_rerun(args.data, cached_n, repeats)
    results["whisper"] = whisper_efficiency(pairs)
    try:
        from bench_vlm import vlm_efficiency

        results["vlm"] = vlm_efficiency(pairs)
    except ImportError as e:
        results["vlm"] = {"skipped": str(e)}
    results["scoring"] = scoring_throughput(args.quick)
    import importlib.util

    if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
        from bench_startup import run as startup_run

        # Whole processes: floor (imports + model load + raw loop) against `omnieval run`, cached re-runs, --help.
        results["startup"] = startup_run(args.quick, data=args.data)
    else:
        results["startup"] = {"skipped": "needs torch and transformers"}
    results["seconds"] = time.time() - started

    o, s, u = results["overhead_shared"], results["overhead_small"], results["overhead_unique"]
    rss_ratio = o["peak_rss_mb"] / s["peak_rss_mb"]
    rows = [
        ("harness overhead, 5 questions/image (VQAv2-like)", f"{o['ms_per_sample']:.2f} ms/sample ({o['samples_per_s']:.0f}/s, n={o['n']})", "<= 1 ms"),
        ("harness overhead, every image distinct", f"{u['ms_per_sample']:.2f} ms/sample ({u['samples_per_s']:.0f}/s, n={u['n']}); "
         f"decoding alone {results['decode_ms']['threads_1']:.2f} ms (1 thread), {results['decode_ms']['threads_2']:.2f} ms (2)", "<= 1 ms"),
        ("Whisper tiny.en (CT2) RTFx on the quickstart speech set (audio s / inference s, batch 8)", f"{results['whisper']['rtfx']:.1f}", "> 1"),
        ("efficiency, Whisper tiny.en (CT2): raw loop / omnieval", f"{results['whisper']['efficiency']:.3f} ({results['whisper']['raw_loop_s']:.2f} s / {results['whisper']['omnieval_s']:.2f} s)", ">= 0.95"),
    ]
    vlm = results["vlm"]
    rows.append(("efficiency, tiny transformers VLM: raw loop / omnieval",
                 f"{vlm['efficiency']:.3f} ({vlm['raw_loop_s']:.2f} s / {vlm['omnieval_s']:.2f} s)" if "efficiency" in vlm else f"skipped: {vlm.get('skipped')}", ">= 0.95"))
    if "skipped" not in results["startup"]:
        from bench_startup import summary_rows

        rows += summary_rows(results["startup"])
    c = results["cached"]
    rows.append((f"cached re-run of {c['n']} samples", f"{c['rerun_s']:.2f} s ({c['speedup']:.1f}x faster than the first run)", "<= 3 s"))
    rows.append((f"peak RSS at {o['n']} vs {s['n']} samples", f"{o['peak_rss_mb']:.0f} MB vs {s['peak_rss_mb']:.0f} MB (ratio {rss_ratio:.3f})", "ratio <= 1.10"))
    sc = results["scoring"]
    rows.append((f"WER scoring, {sc['wer']['n']} utterances", f"{sc['wer']['score_s']:.2f} s + bootstrap CI {sc['wer']['bootstrap_s']:.2f} s", "CI < 1 s"))
    if sc["caption"]:
        rows.append((f"caption scoring, {sc['caption']['n']} images", f"{sc['caption']['score_s']:.1f} s + bootstrap CI {sc['caption']['bootstrap_s']:.2f} s", "CI < 1 s"))
    width = max(len(r[0]) for r in rows)
    print(f"\nomnieval benchmarks — {results['date']}, {results['machine']}{' (quick)' if args.quick else ''}, medians of {repeats} (efficiency: of {pairs} paired ratios)")
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:<60}  target {target}")
    print(f"  (start-up: imports and dataset open, paid once per run: {o['startup_s']:.2f} s; total benchmark time {results['seconds']:.0f} s)")
    results["table"] = [{"figure": n, "value": v, "target": t} for n, v, t in rows]
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
