"""A small real VLM through `vllm:` and `hf:` on a GPU: greedy predictions compared, throughput of each reported.

    .venv/bin/python benchmarks/gpu_check_vllm.py [--model HuggingFaceTB/SmolVLM-256M-Instruct] [--n 200] [--dtype bfloat16]
                                                  [-a KEY=VALUE ...]   (more vllm: arguments, e.g. -a engine_args="--enforce-eager")

Without a CUDA device, or without the `vllm` executable on PATH, it prints why and exits 0 (CI and CPU machines skip it).
Both runs are whole `omnieval run` processes on the synthetic VQAv2-schema mirror of ``synthetic.py`` (640x480 JPEGs), each
with its own empty cache; the model must be in the local Hugging Face cache or reachable on the Hub. Throughput = samples /
the run's wall time as results.json records it (for vllm: the server's start-up and model load are in `load`, not
inference; both are reported). Agreement is the share of identical predictions: vLLM's kernels and batching differ from
transformers' in the last bits, so a few greedy answers may differ; under 90% exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OMNIEVAL = [sys.executable, "-m", "evals"]


def _run(model: str, args: list[str], mirror: Path, spec: Path, tmp: Path, tag: str) -> dict:
    out, cache = tmp / f"runs-{tag}", tmp / f"cache-{tag}.sqlite"
    cmd = [*OMNIEVAL, "run", "-m", model, *args, "-f", str(spec), "--data-dir", str(mirror), "--no-progress", "-o", str(out),
           "--cache", str(cache)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{model}: `omnieval run` failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
    run_dir = next(out.iterdir())
    results = json.loads((run_dir / "results.json").read_text())
    task = next(iter(results["tasks"]))
    rows = [json.loads(line) for line in (run_dir / "samples" / f"{task}.jsonl").read_text().splitlines()]
    timing = results["tasks"][task].get("timing", {})
    return {"predictions": {r["id"]: r["prediction"] for r in rows}, "process_s": round(wall, 2), "timing": timing,
            "samples_per_s": round(len(rows) / timing["wall_s"], 2) if timing.get("wall_s") else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="HuggingFaceTB/SmolVLM-256M-Instruct")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("-a", "--model-arg", action="append", default=[], help="a further vllm: argument, KEY=VALUE")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print(json.dumps({"skipped": "torch is not installed: this check runs a real model on a GPU"}))
        return
    if not torch.cuda.is_available():
        print(json.dumps({"skipped": "no CUDA device: this check runs a real model through vllm: and hf: on a GPU"}))
        return
    if shutil.which("vllm") is None:
        print(json.dumps({"skipped": "no `vllm` executable on PATH (pip install vllm): nothing to compare hf: with"}))
        return
    sys.path.insert(0, str(HERE))
    from synthetic import write_mirror

    os.environ.setdefault("TQDM_DISABLE", "1")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        mirror = tmp / "mirror"
        spec = write_mirror(mirror, args.n, 5)
        hf = _run(f"hf:{args.model}", ["-a", f"dtype={args.dtype}", "-a", "device=cuda"], mirror, spec, tmp, "hf")
        vllm_args = ["-a", f"dtype={args.dtype}"] + [x for kv in args.model_arg for x in ("-a", kv)]
        vllm = _run(f"vllm:{args.model}", vllm_args, mirror, spec, tmp, "vllm")
    same = sum(hf["predictions"].get(k) == v for k, v in vllm["predictions"].items())
    agreement = same / max(len(vllm["predictions"]), 1)
    differing = [(k, hf["predictions"].get(k), v) for k, v in vllm["predictions"].items() if hf["predictions"].get(k) != v][:5]
    print(json.dumps({"model": args.model, "device": torch.cuda.get_device_name(0), "dtype": args.dtype, "n": len(vllm["predictions"]),
                      "agreement": round(agreement, 4), "differing_examples": differing,
                      "hf": {k: v for k, v in hf.items() if k != "predictions"},
                      "vllm": {k: v for k, v in vllm.items() if k != "predictions"}}, indent=2))
    if agreement < 0.9:
        raise SystemExit(f"vllm: and hf: agree on only {agreement:.1%} of greedy predictions")


if __name__ == "__main__":
    main()
