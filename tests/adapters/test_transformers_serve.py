"""``openai:`` against a real ``transformers serve`` on loopback, serving a tiny local LLaVA."""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def _served(path: str, tmp_path: Path):
    """``transformers serve PATH`` on a free loopback port; yields its base URL once it answers /health."""
    pytest.importorskip("fastapi", reason="needs pip install 'transformers[serving]'")
    pytest.importorskip("uvicorn", reason="needs pip install 'transformers[serving]'")
    import httpx

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
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def served(tiny_model, tmp_path_factory):
    """One ``transformers serve`` for the file (a server start imports torch and loads the model): a tiny LLaVA with
    8k positions, room for MM-Vet's grader prompt (a judge too short for it: test_judged.py)."""
    if _SERVE is None:
        pytest.skip("transformers CLI missing")
    path = str(tiny_model("llava_8k"))
    with _served(path, tmp_path_factory.mktemp("serve")) as url:
        yield path, url


def test_transformers_serve_answers_like_the_hf_adapter(served):
    path, url = served
    requests = image_requests(n=3, multi=False)
    remote = create_adapter(f"openai:{path}", {"base_url": url, "max_retries": 0, "timeout_s": 60})
    try:
        served_replies = remote.generate(requests)
    finally:
        remote.close()
    local = create_adapter(f"hf:{path}", {})
    expected = local.generate(requests)
    assert all(r.ok for r in served_replies), [r.error for r in served_replies]
    # Same weights, same chat template, greedy: the image travelled as a data URL and was used.
    assert [r.text for r in served_replies] == [r.text for r in expected]
    assert [r.input_tokens for r in served_replies] == [r.input_tokens for r in expected]


def test_a_served_local_model_judges_mmvet_and_a_rerun_asks_only_what_was_not_a_verdict(served, tmp_path):
    """The judge plumbing against a real server: a random tiny model rarely gives a number, so each sample ends with
    the judge's raw reply and either its score or a counted 'unparseable verdict' error; never a silent 0. The rerun
    is served its verdicts from the cache and asks again only for the replies that were not verdicts."""
    import json

    from typer.testing import CliRunner

    from evals.cli.main import app

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    import make_fixtures

    mirror = make_fixtures.write_fixtures(tmp_path / "mirror", {"lmms-lab-encoder/MMVet"})
    path, url = served
    runs = []
    for out in ("first", "again"):
        result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", "text=x = -1", "-t", "mmvet", "--data-dir", str(mirror),
                                          "-o", str(tmp_path / out), "--cache", str(tmp_path / "c.sqlite"), "--no-progress",
                                          "--judge", f"openai:{path}", "-J", f"base_url={url}", "-J", "max_retries=0"])  # fmt: skip
        assert result.exit_code in (0, 1), result.output  # 1 when some verdict did not parse (--max-error-rate 0)
        [run] = (tmp_path / out).iterdir()
        runs.append(([json.loads(line) for line in (run / "samples" / "mmvet.jsonl").read_text().splitlines()],
                     json.loads((run / "results.json").read_text())["tasks"]["mmvet"]))
    (first, res), (again, res_again) = runs
    assert len(first) == 4 and all(r["judge"]["raw"] is not None for r in first)
    for r in first:
        assert (r["judge"].get("score") is not None) != ("unparseable verdict" in (r.get("score_error") or "")), r
    assert res["n_score_errors"] == sum(1 for r in first if r.get("score_error"))
    # A verdict is served from the cache; a reply that was not one is asked again (issue 27), the same greedy reply here.
    by_id = {r["id"]: r for r in first}
    assert all(r["judge"]["cached"] == (by_id[r["id"]]["judge"].get("score") is not None) for r in again)
    assert res_again["metrics"] == res["metrics"]
