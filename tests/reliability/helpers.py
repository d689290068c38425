"""Shared pieces of the reliability tests (and of benchmarks/reliability_soak.py, which repeats them at length).

- ``write_question_mirror``: a VQAv2-schema parquet mirror whose questions are given text
  (fault directives for ``tests/adapters/fault_server.py``), with its task YAML;
- ``omnieval``: ``python -m evals ...`` as a child process, start-up trimmed (``USE_TORCH=0``:
  ``datasets`` then skips importing torch, which none of these runs uses);
- ``cached_rows``: how many responses a cache file holds, read while another process writes it;
- ``samples``: a run directory's sample records for a task, as dicts.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.cli_process import run_omnieval

TASK_YAML = """
name: {name}
modality: image
kind: vqa
dataset: {{path: reliability/{name}, split: validation}}
fields:
  id: question_id
  image: image
  question: question
  references: answers[*].answer
prompt:
  user: "<image>{{{{ question }}}}"
generation: {{max_new_tokens: 8}}
scorers:
  - name: exact_match
"""


def _png(i: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (i * 37 % 256, i * 91 % 256, 120)).save(buf, format="PNG")
    return buf.getvalue()


def write_question_mirror(root: Path, questions: list[str], name: str = "faults") -> Path:
    """``root/reliability/<name>/data/validation-*.parquet`` with one row per question, and ``root/<name>.yaml``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    features = {
        "question_id": {"dtype": "int64", "_type": "Value"},
        "question": {"dtype": "string", "_type": "Value"},
        "answers": {"feature": {"answer": {"dtype": "string", "_type": "Value"}}, "_type": "List"},
        "image": {"_type": "Image"},
    }
    table = pa.table({
        "question_id": list(range(len(questions))),
        "question": questions,
        "answers": [[{"answer": "yes"}] for _ in questions],
        "image": [{"bytes": _png(i), "path": f"{i}.png"} for i in range(len(questions))],
    })
    table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    target = root / "reliability" / name / "data"
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target / "validation-00000-of-00001.parquet")
    spec = root / f"{name}.yaml"
    spec.write_text(TASK_YAML.format(name=name))
    return spec


def child_env() -> dict[str, str]:
    return {**os.environ, "USE_TORCH": "0", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def omnieval_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "evals", *args]


def omnieval(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return run_omnieval(*args, timeout=timeout, env=child_env())


def cached_rows(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as conn:  # reads only
            return conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return 0


def samples(run_dir: Path, task: str) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "samples" / f"{task}.jsonl").read_text().splitlines()]


def results(run_dir: Path) -> dict:
    return json.loads((run_dir / "results.json").read_text())
