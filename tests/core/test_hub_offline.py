"""Without a network, a Hub task or model fails at once with the reason, not after minutes of retries.

The children run with ``HF_HUB_OFFLINE`` unset and ``HF_ENDPOINT`` pointing at a
loopback port nothing listens on, so the probe meets a refused connection: the
same thing a machine without network meets, made deterministic.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.cli_process import run_omnieval


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{_closed_port()}", HF_HOME=str(tmp_path / "hf"), USE_TORCH="0",
               OMNIEVAL_CACHE_DIR=str(tmp_path / "cache"))
    return run_omnieval(*args, env=env, timeout=300, cwd=tmp_path)


@pytest.mark.parametrize(
    "args, code, says",
    [
        (("run", "-m", "baseline:constant", "-t", "vqav2_val", "--limit", "2"), 1, "could not load dataset lmms-lab-encoder/VQAv2"),
        (("run", "-m", "hf:someorg/somemodel", "-t", "easyvqa", "--limit", "2"), 2, "config.json is not in the local Hugging Face cache"),
        (("data", "mirror", "vqav2_val", "--to", "mirror"), 1, "cannot reach the Hub for lmms-lab-encoder/VQAv2"),
    ],
    ids=["hub-task", "hub-model", "mirror"],
)
def test_unreachable_hub_fails_once_with_the_reason(tmp_path: Path, args: tuple[str, ...], code: int, says: str) -> None:
    done = _run(tmp_path, *args)
    assert done.returncode == code, done.stderr  # 2: the --model option names nothing that can be loaded
    assert "Retrying" not in done.stderr  # huggingface_hub's back-off: five retries per file before the probe
    last = done.stderr.strip().splitlines()[-1]
    assert says in last and "the Hub is unreachable (127.0.0.1:" in last, last
