"""A real small VLM on a GPU: `omnieval run` against a raw transformers loop, whole processes (efficiency ratio).

    .venv/bin/python benchmarks/bench_real_gpu.py [--model HuggingFaceTB/SmolVLM-256M-Instruct] [--n 400] [--pairs 3]
                                                  [--batch-sizes 1,16] [--dtype bfloat16]

Without a CUDA device it prints why and exits 0 (CI and CPU machines skip it). The model must be in the local
Hugging Face cache or reachable on the Hub. Data: the synthetic VQAv2-schema mirror with 640x480 JPEGs of
``synthetic.py``; the floor is ``bench_startup``'s (imports, load, decode each image once, chat template,
processor, ``generate``), moved to the GPU in the same dtype. Efficiency = floor / omnieval wall time, the
median of alternating pairs with the spread; predictions must agree on 98% of the samples (bf16 kernels differ
in the last bits across batch shapes, and omnieval batches requests sorted by size).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="HuggingFaceTB/SmolVLM-256M-Instruct")
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--batch-sizes", default="1,16")
    parser.add_argument("--dtype", default="bfloat16")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print(json.dumps({"skipped": "no CUDA device: this benchmark times a real model on a GPU"}))
        return
    sys.path.insert(0, str(HERE))
    import bench_startup
    from synthetic import write_mirror

    with tempfile.TemporaryDirectory() as tmp:
        mirror = Path(tmp) / "mirror"
        write_mirror(mirror, args.n, 5)
        rows = [bench_startup.efficiency(Path(args.model), mirror, int(bs), args.pairs, Path(tmp), gpu=("cuda", args.dtype))
                for bs in args.batch_sizes.split(",")]
    print(json.dumps({"model": args.model, "device": torch.cuda.get_device_name(0), "dtype": args.dtype, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
