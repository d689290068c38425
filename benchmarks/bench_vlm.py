"""Efficiency of `omnieval run` against a minimal hand-written loop, on a tiny transformers VLM.

Both sides run the same model (a tiny random LLaVA built from its config, as in the
tests) on the same easy-VQA questions with the same prompt, batch size 8, greedy: the
raw loop decodes images, applies the chat template, calls the processor and
``generate``; omnieval does that plus planning, caching off, scoring and writing results.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
N = 1024

_CHILD = r'''
import io, json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from tiny_models import build_llava
import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor
from evals.adapters.base import create_adapter
from evals.spec.catalog import load_task
from evals.data.open import open_dataset
from evals.data.source import select_rows
from evals.run.evaluate import evaluate_model
from evals.run.runner import RunOptions
torch.set_num_threads(2)
n, repeats = int(sys.argv[1]), int(sys.argv[2])
model_dir = build_llava(Path(tempfile.mkdtemp()) / "llava")
spec = load_task("easyvqa")
rows = [r for _, r in select_rows(open_dataset(spec), n).rows]   # the same inputs omnieval will pick
inputs = [(r["image"]["bytes"], r["question"]) for r in rows]  # encoded, as omnieval receives them
processor = AutoProcessor.from_pretrained(model_dir)
model = AutoModelForImageTextToText.from_pretrained(model_dir).eval()
processor.tokenizer.padding_side = "left"

def raw_loop():
    out = []
    for k in range(0, len(inputs), 8):
        batch = inputs[k:k + 8]
        images = [[Image.open(io.BytesIO(b)).convert("RGB")] for b, _ in batch]
        texts = [processor.apply_chat_template([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": q + "\nAnswer the question using a single word."}]}], add_generation_prompt=True, tokenize=False) for _, q in batch]
        enc = processor(text=texts, images=images, return_tensors="pt", padding=True)
        with torch.inference_mode():
            gen = model.generate(**enc, max_new_tokens=8, do_sample=False, pad_token_id=processor.tokenizer.pad_token_id)
        out += processor.tokenizer.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    return out

adapter = create_adapter(f"hf:{model_dir}", {})
raw, ours = [], []
raw_loop(); evaluate_model(adapter, [spec], Path(tempfile.mkdtemp()), None, RunOptions(batch_size=8, limit=n))  # warm-up
for _ in range(repeats):
    t = time.perf_counter(); raw_loop(); raw.append(time.perf_counter() - t)
    t = time.perf_counter(); evaluate_model(adapter, [spec], Path(tempfile.mkdtemp()), None, RunOptions(batch_size=8, limit=n)); ours.append(time.perf_counter() - t)
print(json.dumps({"raw": raw, "ours": ours}))
'''


def vlm_efficiency(repeats: int) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(N), str(repeats), str(ROOT / "tests" / "adapters")],
                          capture_output=True, text=True, env=env, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    raw_s, ours_s = statistics.median(data["raw"]), statistics.median(data["ours"])
    ratios = [r / o for r, o in zip(data["raw"], data["ours"])]  # each pair ran back to back in one process
    return {"n": N, "raw_loop_s": raw_s, "omnieval_s": ours_s, "efficiency": statistics.median(ratios), "ratios": ratios}


if __name__ == "__main__":
    print(json.dumps(vlm_efficiency(3), indent=2))
