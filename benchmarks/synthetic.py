"""Synthetic VQA mirrors with real 640x480 JPEG images, in the VQAv2 schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TASK_YAML = """
name: synthetic_vqa
modality: image
kind: vqa
dataset: {path: bench/synthetic-vqa, split: validation}
fields:
  id: question_id
  image: image
  question: question
  references: answers[*].answer
  subgroups: [answer_type]
prompt:
  user: "<image>\\n{{ question }}\\nAnswer the question using a single word or phrase."
generation: {max_new_tokens: 8}
scorers:
  - name: vqa_accuracy
"""


def jpeg_pool(n: int, seed: int = 0) -> list[bytes]:
    """Distinct photo-like 640x480 JPEGs (gradients plus noise, ~100 KB each)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        base = np.linspace(0, 255, 640)[None, :, None] * np.ones((480, 1, 3)) * rng.uniform(0.3, 1.0, 3)
        img = (base + rng.normal(0, 20, (480, 640, 3))).clip(0, 255).astype("uint8")
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def _with_comment(jpeg: bytes, text: str) -> bytes:
    """The same JPEG with a COM segment after SOI: distinct bytes (and hash), identical pixels and decode cost."""
    payload = text.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def write_mirror(root: Path, n_rows: int, per_image: int = 5, pool_size: int = 200) -> Path:
    """DIR/bench/synthetic-vqa/data/validation-*.parquet with ``n_rows`` questions, ``per_image`` per image.

    ``per_image=5`` is VQAv2's layout (consecutive questions about one image);
    ``per_image=1`` gives every row an image of its own. Images are distinct
    files (a unique JPEG comment each) over a pool of ``pool_size`` pictures,
    so no two image groups share bytes and nothing can be decoded once for two.
    """
    target = root / "bench" / "synthetic-vqa" / "data"
    target.mkdir(parents=True, exist_ok=True)
    pool = jpeg_pool(pool_size)
    features = {
        "question_id": {"dtype": "int64", "_type": "Value"},
        "question": {"dtype": "string", "_type": "Value"},
        "answer_type": {"dtype": "string", "_type": "Value"},
        "answers": {"feature": {"answer": {"dtype": "string", "_type": "Value"}}, "_type": "List"},
        "image": {"_type": "Image"},
    }
    per_file = 2000
    for start in range(0, n_rows, per_file):
        ids = range(start, min(n_rows, start + per_file))
        table = pa.table({
            "question_id": [i for i in ids],
            "question": [f"Is there a shape number {i}?" for i in ids],
            "answer_type": ["yes/no" if i % 2 else "other" for i in ids],
            "answers": [[{"answer": "yes" if i % 2 else "no"}] * 10 for i in ids],
            "image": [{"bytes": _with_comment(pool[(i // per_image) % pool_size], f"image {i // per_image}"), "path": f"{i // per_image}.jpg"}
                      for i in ids],
        })
        table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})
        # Row groups of 100 rows, as `datasets` writes image parquet on the Hub: readers stream group by group.
        pq.write_table(table, target / f"validation-{start // per_file:05d}-of-{(n_rows + per_file - 1) // per_file:05d}.parquet", row_group_size=100)
    (root / "synthetic_vqa.yaml").write_text(TASK_YAML)
    return root / "synthetic_vqa.yaml"
