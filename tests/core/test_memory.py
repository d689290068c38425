"""Process-wide allocator settings applied by `omnieval run`."""

from __future__ import annotations

import os
import subprocess
import sys

_PROBE = "from evals.run.memory import tune_allocators; tune_allocators(); from PIL import Image; import pyarrow as pa; print(Image.core.get_blocks_max(), pa.default_memory_pool().backend_name)"


def _probe(**pillow_env: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PILLOW_")} | pillow_env
    return subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, env=env).stdout.split()


def test_decoded_images_are_recycled_by_pillow_and_arrow_uses_the_system_allocator():
    out = _probe()
    assert int(out[0]) >= 128  # at least a chunk of decoded images is reused rather than re-faulted
    assert out[1] == "system"


def test_a_users_pillow_blocks_setting_is_left_alone():
    assert _probe(PILLOW_BLOCKS_MAX="3")[0] == "3"


_READ_ALL = r'''
import sys
from evals.run.memory import tune_allocators
tune_allocators()
from evals.spec.task import load_task_file
from evals.data.open import open_dataset

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

import pyarrow.parquet  # noqa: F401  imports are not what is measured
spec = load_task_file(sys.argv[1])
start = peak = rss_mb()
for _ in open_dataset(spec, sys.argv[2]).rows:
    peak = max(peak, rss_mb())
print(peak - start)
'''


def test_reading_a_mirror_holds_a_row_group_at_a_time_not_the_files(tmp_path):
    """120 MB of encoded images in two parquet files: reading them all grows memory by a few row groups (about 50 MB here with the reader itself), not by the data (150 MB before)."""
    import json
    import sys as _sys
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.parquet as pq

    if not Path("/proc/self/status").exists():
        import pytest

        pytest.skip("needs /proc to read the resident set size")
    blob = bytes(range(256)) * 4096  # 1 MiB per row, incompressible enough for parquet to keep it whole
    data = tmp_path / "mirror" / "org" / "big" / "data"
    data.mkdir(parents=True)
    for k in range(2):
        rows = {"question": [f"q{k}-{i}" for i in range(60)], "answer": ["a"] * 60,
                "image": [{"bytes": blob[i:] + blob[:i], "path": None} for i in range(60)]}
        pq.write_table(pa.table(rows), data / f"test-0000{k}-of-00002.parquet", row_group_size=5)
    task = tmp_path / "big.yaml"
    task.write_text(json.dumps({"name": "big", "modality": "image", "kind": "vqa", "dataset": {"path": "org/big", "split": "test"},
                                "fields": {"image": "image", "question": "question", "references": "answer"},
                                "prompt": {"user": "<image>\n{{ question }}"}, "scorers": ["exact_match"]}))
    proc = subprocess.run([_sys.executable, "-c", _READ_ALL, str(task), str(tmp_path / "mirror")], capture_output=True, text=True, check=True)
    growth_mb = float(proc.stdout.strip().splitlines()[-1])
    assert growth_mb < 90, f"reading 120 MB of rows grew memory by {growth_mb:.0f} MB"
