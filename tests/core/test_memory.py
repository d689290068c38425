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
