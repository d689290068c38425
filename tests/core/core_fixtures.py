"""Tiny data sets in the exact schema of public ones, written as parquet mirrors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features, Image, Value

# lmms-lab VQAv2 validation schema (see shared/CATALOGUE.md).
VQAV2_FEATURES = Features(
    question_type=Value("string"),
    multiple_choice_answer=Value("string"),
    answers=[{"answer": Value("string"), "answer_confidence": Value("string"), "answer_id": Value("int64")}],
    image_id=Value("int64"),
    answer_type=Value("string"),
    question_id=Value("int64"),
    question=Value("string"),
    image=Image(),
)


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (32, 24)) -> bytes:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def flac_bytes(seconds: float = 0.5, rate: int = 44100, channels: int = 2, freq: float = 440.0) -> bytes:
    import soundfile as sf

    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * freq * t)
    data = np.stack([wave] * channels, axis=1) if channels > 1 else wave
    buf = io.BytesIO()
    sf.write(buf, data, rate, format="FLAC")
    return buf.getvalue()




def vqav2_rows(n: int, answer_of=lambda i: "yes" if i % 2 == 0 else "2") -> dict[str, list]:
    rows: dict[str, list] = {k: [] for k in VQAV2_FEATURES}
    for i in range(n):
        ans = answer_of(i)
        rows["question_type"].append("is the" if ans == "yes" else "how many")
        rows["multiple_choice_answer"].append(ans)
        rows["answers"].append([{"answer": ans, "answer_confidence": "yes", "answer_id": k + 1} for k in range(10)])
        rows["image_id"].append(1000 + i)
        rows["answer_type"].append("yes/no" if ans == "yes" else "number")
        rows["question_id"].append(5000 + i)
        rows["question"].append("Is the sky blue?" if ans == "yes" else "How many cats are there?")
        rows["image"].append({"bytes": png_bytes((i * 20 % 255, 100, 200)), "path": f"{i}.png"})
    return rows


def write_vqav2_mirror(root: Path, n: int, **kw) -> Path:
    """DIR/lmms-lab/VQAv2/data/validation-00000-of-00001.parquet, as on the Hub."""
    path = root / "lmms-lab" / "VQAv2" / "data" / "validation-00000-of-00001.parquet"
    rows = vqav2_rows(n, **kw)
    table = pa.table(rows).cast(VQAV2_FEATURES.arrow_schema)
    table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": VQAV2_FEATURES.to_dict()}})})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


VQAV2_TASK = """
name: vqav2_fixture
modality: image
kind: vqa
dataset: {path: lmms-lab/VQAv2, split: validation}
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
  - name: exact_match
"""


def write_task(tmp: Path, text: str = VQAV2_TASK, name: str = "vqav2_fixture.yaml") -> Path:
    path = tmp / name
    path.write_text(text)
    return path
