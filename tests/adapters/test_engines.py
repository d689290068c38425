"""``vllm:`` and ``sglang:`` against stand-ins named like the engines (``tests/adapters/engine_standin.py``, first on PATH and
PYTHONPATH) serving the OpenAI protocol on loopback: launch with the engine's flags, readiness, a start that fails, a server
that dies mid-run (its answers cached, the same command resumes), Ctrl-C (no process left, the port free), identity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evals.adapters.base import ModelUnavailable, create_adapter
from evals.adapters.serving import _port_free
from evals.errors import AdapterError
from evals.requests import GenerationSettings, Message, Request, TextPart
from tests.adapters.engine_standin import VERSION, install
from tests.reliability.helpers import cached_rows, child_env, omnieval_cmd, samples, write_question_mirror

STANDIN = Path(__file__).with_name("engine_standin.py")


@pytest.fixture
def engines(tmp_path, monkeypatch) -> dict[str, str]:
    """The stand-ins first on PATH and PYTHONPATH, here and in child processes: the environment for ``omnieval``."""
    bin_dir, py_dir = install(tmp_path / "standin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(py_dir), os.environ.get("PYTHONPATH", "")) if p))
    monkeypatch.setenv("STANDIN_RECORD", str(tmp_path / "standin.json"))
    return child_env()


def _gone(pid: int, wait_s: float = 10.0) -> bool:
    """The process has ended (a SIGKILL is delivered asynchronously: give it a moment); a zombie nobody reaped yet has ended."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text():
                return True
        except FileNotFoundError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _record(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "standin.json").read_text())


def _port(argv: list[str]) -> int:
    return int(argv[argv.index("--port") + 1])


def _cmd(tmp_path: Path, model: str, *args: str, n: int = 4) -> list[str]:
    """``omnieval run`` of ``model`` on a mirror of ``n`` questions, into tmp_path's out/ and cache.sqlite."""
    spec = write_question_mirror(tmp_path / "mirror", [f"q{i}" for i in range(n)])
    return omnieval_cmd("run", "-m", model, *args, "-f", str(spec), "--data-dir", str(tmp_path / "mirror"), "--no-progress",
                        "-o", str(tmp_path / "out"), "--cache", str(tmp_path / "cache.sqlite"))


def _run(tmp_path: Path, env: dict[str, str], model: str, *args: str, n: int = 4, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(_cmd(tmp_path, model, *args, n=n), capture_output=True, text=True, timeout=120, env={**env, **kw})


def _interrupt(tmp_path: Path, env: dict[str, str], until, *args: str, n: int, sig: int = signal.SIGINT, code: int = 130) -> None:
    """Start ``omnieval run -m vllm:tiny-model``, send ``sig`` once ``until()`` holds: exit ``code``, the server and its worker gone."""
    proc = subprocess.Popen(_cmd(tmp_path, "vllm:tiny-model", *args, n=n), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)
    deadline = time.monotonic() + 60
    while not until() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read()  # type: ignore[union-attr]
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    _stopped(tmp_path)


def _stopped(tmp_path: Path) -> None:
    rec = _record(tmp_path)
    assert _gone(rec["pid"]) and _gone(rec["worker_pid"]), "a server process outlived the run"
    assert _port_free("127.0.0.1", _port(rec["argv"]))


def test_vllm_serve_is_launched_with_the_engine_flags_answers_and_is_stopped(tmp_path, engines):
    out = _run(tmp_path, engines, "vllm:tiny-model", "-a", "tensor_parallel_size=2", "-a", "max_model_len=4096",
               "-a", "engine_args=--enable-prefix-caching --seed 0")
    assert out.returncode == 0, out.stderr
    argv = _record(tmp_path)["argv"]
    assert argv[:2] == ["serve", "tiny-model"]
    assert " ".join(argv[2:]).endswith("--tensor-parallel-size 2 --max-model-len 4096 --enable-prefix-caching --seed 0")
    run_dir = next((tmp_path / "out").iterdir())
    assert [s["prediction"] for s in samples(run_dir, "faults")] == ["yes"] * 4
    _stopped(tmp_path)


def test_sglang_launch_server_is_run_as_a_module_with_its_own_flag_names(tmp_path, engines):
    out = _run(tmp_path, engines, "sglang:tiny-model", "-a", "tensor_parallel_size=2", "-a", "data_parallel_size=2",
               "-a", "max_model_len=2048", STANDIN_NOT_READY_S="1")  # /health says 503 for a second: no request before it is ready
    assert out.returncode == 0, out.stderr
    argv = _record(tmp_path)["argv"]
    assert argv[:2] == ["--model-path", "tiny-model"]
    assert " ".join(argv).endswith("--tp-size 2 --dp-size 2 --context-length 2048")
    _stopped(tmp_path)


def test_a_server_that_exits_at_start_is_one_line_naming_it_with_its_log_tail(tmp_path, engines):
    out = _run(tmp_path, engines, "vllm:tiny-model", STANDIN_EXIT_AT_START="CUDA error: no kernel image is available")
    assert out.returncode != 0
    line = out.stderr.strip().splitlines()[-1]
    assert "vllm:tiny-model" in line and "exited with code 3 before it was ready" in line and "vllm serve tiny-model" in line
    assert "CUDA error: no kernel image is available" in line
    assert cached_rows(tmp_path / "cache.sqlite") == 0


def test_a_server_not_ready_in_time_is_stopped_and_named(tmp_path, engines, monkeypatch):
    monkeypatch.setenv("STANDIN_NOT_READY_S", "60")
    adapter = create_adapter("vllm:tiny-model", {"startup_timeout_s": "1", "stop_timeout_s": "1"})
    try:
        with pytest.raises(ModelUnavailable, match=r"vllm:tiny-model: the server was not ready within startup_timeout_s=1 s"):
            adapter.load()
    finally:
        adapter.close()
    _stopped(tmp_path)


def test_a_server_that_dies_mid_run_keeps_what_it_answered_and_the_same_command_resumes(tmp_path, engines):
    args = ("-a", "concurrency=1", "-a", "max_retries=0", "--batch-size", "1")
    first = _run(tmp_path, engines, "vllm:tiny-model", *args, n=6, STANDIN_DIE_AFTER="3")
    assert first.returncode != 0
    assert "vllm:tiny-model: the server exited with code 9 during the run" in first.stderr, first.stdout + first.stderr
    assert "dying mid-run as asked" in first.stderr  # its log's tail
    assert cached_rows(tmp_path / "cache.sqlite") == 3
    _stopped(tmp_path)
    again = _run(tmp_path, engines, "vllm:tiny-model", *args, n=6)
    assert again.returncode == 0, again.stderr
    assert "6 samples (cached 3, new 3, errors 0" in again.stderr, again.stdout + again.stderr
    _stopped(tmp_path)


def test_ctrl_c_stops_the_server_and_frees_its_port(tmp_path, engines):
    cache = tmp_path / "cache.sqlite"
    _interrupt(tmp_path, {**engines, "STANDIN_DELAY_S": "0.2"}, lambda: cached_rows(cache) >= 2, "-a", "concurrency=1", "--batch-size", "1",
               n=40)


def test_the_engine_its_version_and_its_arguments_are_the_model_identity_and_nothing_starts_for_it(tmp_path, engines):
    def fp(name: str, **args: str) -> dict:
        adapter = create_adapter(name, args)
        try:
            return adapter.fingerprint()
        finally:
            adapter.close()

    plain = fp("vllm:tiny-model")
    assert plain["engine"] == {"name": "vllm", "version": VERSION} and plain["args"]["tensor_parallel_size"] == 1
    variants = [plain, fp("vllm:tiny-model", tensor_parallel_size="2"), fp("vllm:tiny-model", engine_args="--enable-prefix-caching"),
                fp("vllm:tiny-model", dtype="bfloat16"), fp("sglang:tiny-model")]
    assert len({json.dumps(v, sort_keys=True) for v in variants}) == len(variants)
    assert fp("vllm:tiny-model", port="8123", concurrency="32", startup_timeout_s="5") == plain  # where and how fast: not identity
    assert not (tmp_path / "standin.json").exists()  # no server was started to know all this


def test_base_url_uses_a_running_server_whose_version_it_asks_and_refuses_launch_arguments(tmp_path, engines):
    from evals.adapters.serving import _free_port, _http_get

    port = _free_port("127.0.0.1")
    server = subprocess.Popen([sys.executable, str(STANDIN), "serve", "tiny-model", "--port", str(port)], stdout=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while _http_get(f"http://127.0.0.1:{port}/health")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/v1"
        with pytest.raises(AdapterError, match="tensor_parallel_size would change nothing with base_url"):
            create_adapter("vllm:tiny-model", {"base_url": url, "tensor_parallel_size": "2"})
        adapter = create_adapter("vllm:tiny-model", {"base_url": url})
        try:
            assert adapter.fingerprint()["engine"] == {"name": "vllm", "version": VERSION}
            request = Request(id="a", messages=[Message("user", [TextPart("hi")])], generation=GenerationSettings(max_new_tokens=4))
            assert adapter.generate([request])[0].text == "yes"
        finally:
            adapter.close()
        # Replicas of one server (a comma-separated base_url): the engine's version is the first replica's.
        replicas = create_adapter("vllm:tiny-model", {"base_url": f"{url},http://127.0.0.1:1/v1"})
        try:
            assert replicas.fingerprint() == create_adapter("vllm:tiny-model", {"base_url": url}).fingerprint()
        finally:
            replicas.close()
        other = create_adapter("vllm:other-model", {"base_url": url, "max_retries": "0"})
        try:  # a server answering with an error: the request's error names the model and says what the server said
            error = other.generate([request])[0].error
            assert error.startswith("vllm:other-model: HTTP 404") and "does not exist" in error, error
        finally:
            other.close()
        assert server.poll() is None  # not ours to stop
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def test_a_missing_engine_is_named_when_the_adapter_is_made(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(AdapterError, match=r"vllm: 'vllm' is not found: pip install vllm, or pass -a executable=/path/to/vllm, or -a base_url="):
        create_adapter("vllm:tiny-model", {})


def test_ctrl_c_while_the_server_loads_stops_it_too(tmp_path, engines):
    _interrupt(tmp_path, {**engines, "STANDIN_NOT_READY_S": "120"}, (tmp_path / "standin.json").exists, n=1)


def test_sigterm_as_from_a_batch_scheduler_stops_the_server_too(tmp_path, engines):
    cache = tmp_path / "cache.sqlite"
    _interrupt(tmp_path, {**engines, "STANDIN_DELAY_S": "0.2"}, lambda: cached_rows(cache) >= 1, "-a", "concurrency=1", "--batch-size", "1",
               n=40, sig=signal.SIGTERM, code=128 + signal.SIGTERM)
