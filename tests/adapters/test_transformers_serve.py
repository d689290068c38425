"""``openai:`` against a real ``transformers serve`` on loopback, serving a tiny local LLaVA."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evals.adapters.base import create_adapter
from tests.adapters.test_hf import image_requests

_SERVE = shutil.which("transformers", path=str(Path(sys.executable).parent))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(_SERVE is None, reason="transformers CLI missing")
def test_transformers_serve_answers_like_the_hf_adapter(tiny_model, tmp_path):
    pytest.importorskip("fastapi", reason="needs pip install 'transformers[serving]'")
    pytest.importorskip("uvicorn", reason="needs pip install 'transformers[serving]'")
    import httpx

    path = str(tiny_model("llava"))
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen([_SERVE, "serve", path, "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"transformers serve did not start: {(tmp_path / 'serve.log').read_text()[-2000:]}")
            time.sleep(0.5)
        requests = image_requests(n=3, multi=False)
        remote = create_adapter(f"openai:{path}", {"base_url": f"http://127.0.0.1:{port}/v1", "max_retries": 0, "timeout_s": 60})
        try:
            served = remote.generate(requests)
        finally:
            remote.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    local = create_adapter(f"hf:{path}", {})
    expected = local.generate(requests)
    assert all(r.ok for r in served), [r.error for r in served]
    # Same weights, same chat template, greedy: the image travelled as a data URL and was used.
    assert [r.text for r in served] == [r.text for r in expected]
    assert [r.input_tokens for r in served] == [r.input_tokens for r in expected]
