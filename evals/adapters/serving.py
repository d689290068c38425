"""Serving engines as adapters: ``vllm:<model>`` and ``sglang:<model>`` start the engine's own OpenAI-compatible server.

The server is a child process in its own process group (``vllm serve MODEL --port P ...``,
``python -m sglang.launch_server --model-path MODEL --port P ...``), started on the first request
the cache cannot answer, polled until ``/health`` and ``/v1/models`` answer (``startup_timeout_s``),
and stopped on exit, on error, on Ctrl-C and on a SIGTERM to omnieval: SIGTERM to the whole group,
SIGKILL after ``stop_timeout_s``, so no worker is left behind and the port is free again. (A second
Ctrl-C or a SIGKILL of omnieval itself skips that clean-up: the server is in its own session and stays.)

Requests go through the ``openai:`` adapter (``OpenAIAdapter``, composed, not copied): images
and audio as it sends them, videos as timed frames or, with ``-a video_url=true``, as the whole
file for an engine that samples it itself (vLLM). Every ``openai:`` argument is accepted too.

- ``tensor_parallel_size``, ``data_parallel_size``, ``max_model_len`` and ``dtype`` become the
  engine's own flags; ``engine_args="--enable-prefix-caching --seed 0"`` is passed through as it is.
- ``base_url=http://host:port/v1`` uses a server that is already running: nothing is started,
  and launch arguments are refused (they would change nothing).
- The engine's name and version (``vllm --version``; ``sglang.__version__`` of the interpreter that
  launches it; with ``base_url``, the server's ``/version`` or ``/get_server_info``) and the launch
  arguments are part of the model's identity (``fingerprint``), so a different engine or flag is
  a different model in the cache.
- A server that exits before it is ready, is not ready in time, or dies mid-run stops the run with
  one line naming its command, exit code and the tail of its log; the answers it gave are cached
  and the same command resumes with a fresh server.
"""

from __future__ import annotations

import atexit
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from evals.adapters.base import Adapter, Capabilities, ModelUnavailable
from evals.adapters.openai_compat import OpenAIAdapter, OpenAIArgs
from evals.adapters.replicas import split_base_urls
from evals.errors import AdapterError
from evals.requests import Request, Response

_LAUNCH_ARGS = ("tensor_parallel_size", "data_parallel_size", "max_model_len", "dtype", "engine_args")
_PLACE_ARGS = ("executable", "host", "port", "startup_timeout_s", "stop_timeout_s")


class EngineArgs(OpenAIArgs):
    base_url: str = Field("", description="an engine server already running (http://host:port/v1); empty: start one")
    tensor_parallel_size: int = Field(1, ge=1)
    data_parallel_size: int = Field(1, ge=1)
    max_model_len: int | None = Field(None, ge=1, description="the engine's context length (vLLM --max-model-len, SGLang --context-length)")
    dtype: str = "auto"
    engine_args: str = Field("", description="further engine flags, split as a shell would: \"--enable-prefix-caching --seed 0\"")
    executable: str = Field("", description="vllm: the `vllm` executable; sglang: the Python that has sglang (default: this one)")
    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535, description="0: a free port")
    startup_timeout_s: float = Field(1800.0, gt=0, description="how long the server may take to load the model and answer /health")
    stop_timeout_s: float = Field(30.0, ge=0, description="after SIGTERM, how long before the server's process group is killed")


def _one_line(text: str, limit: int = 600) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines() if line.strip())[-limit:]


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """A GET without proxies (the server is this machine's or the cluster's): (status, body); status 0 when none answered."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (OSError, ValueError):
        return 0, b""


class EngineServer:
    """One engine server child process: started in its own process group, polled until ready, stopped with its group."""

    def __init__(self, label: str, command: list[str], host: str, port: int) -> None:
        self.label, self.command, self.host, self.port = label, command, host, port
        self.origin = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    @property
    def shown(self) -> str:
        return shlex.join(self.command)

    def log_tail(self, chars: int = 600) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        with open(self.log_path, "rb") as f:
            f.seek(max(0, self.log_path.stat().st_size - 8 * chars))
            return _one_line(f.read().decode("utf-8", "replace"), chars) or "(empty log)"

    def _failure(self, what: str) -> str:
        return f"{self.label}: {what} (`{self.shown}`); its log {self.log_path} ends: {self.log_tail()}"

    def start(self, timeout_s: float) -> None:
        if not _port_free(self.host, self.port):
            raise ModelUnavailable(f"{self.label}: port {self.port} on {self.host} is already in use; pass -a port=N (0: a free one) or "
                                   f"-a base_url=... to use the server there")
        fd, name = tempfile.mkstemp(prefix=f"omnieval-{self.label.split(':')[0]}-", suffix=".log")
        self.log_path = Path(name)
        try:
            self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=fd, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            raise ModelUnavailable(f"{self.label}: cannot start `{self.shown}`: {e.strerror or e}") from None
        finally:
            os.close(fd)
        _LIVE.add(self)
        _stop_on_sigterm()
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                code = self.proc.poll()
                if code is not None:
                    raise ModelUnavailable(self._failure(f"the server exited with code {code} before it was ready"))
                if _http_get(self.origin + "/health")[0] == 200 and _http_get(self.origin + "/v1/models")[0] == 200:
                    return
                if time.monotonic() > deadline:
                    raise ModelUnavailable(self._failure(f"the server was not ready within startup_timeout_s={timeout_s:g} s"))
                time.sleep(0.25)
        except ModelUnavailable:  # not ready: nothing stays behind, the log stays for reading
            self.stop(5.0, keep_log=True)
            raise
        except BaseException:  # Ctrl-C while it loads: no grace
            self.stop(0.0, keep_log=True)
            raise

    def died(self, grace_s: float = 0.0) -> str | None:
        """Why the server is gone (one line naming it), or None while it runs. ``grace_s``: wait that long for an exit under
        way (its sockets close before the process is reported as ended)."""
        if self.proc is None:
            return None
        try:
            code = self.proc.wait(timeout=grace_s) if grace_s else self.proc.poll()
        except subprocess.TimeoutExpired:
            code = None
        return None if code is None else self._failure(f"the server exited with code {code} during the run")

    def stop(self, grace_s: float, keep_log: bool = False) -> None:
        """SIGTERM to the process group, SIGKILL after ``grace_s``; then the group's stragglers are killed too."""
        proc, self.proc = self.proc, None
        _LIVE.discard(self)
        if proc is None:
            return
        pgid = proc.pid  # start_new_session: the leader's pid is the group's id
        for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(pgid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=wait)
                if sig == signal.SIGTERM:
                    try:  # workers the leader left behind
                        os.killpg(pgid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                break
            except subprocess.TimeoutExpired:
                continue
        if not keep_log and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)


_LIVE: set[EngineServer] = set()


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM (``kill``, Slurm's ``scancel``) while a server runs: unwind like an exit, so that ``close()`` stops the server."""
    if not _LIVE:  # nothing of ours left: the default action
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise SystemExit(128 + signum)


def _stop_on_sigterm() -> None:
    """Where SIGTERM would end the process at once (its default), make it unwind instead; only the main thread may set it."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)


@atexit.register
def _stop_all() -> None:  # a path that skipped close(): never leave a server behind
    for server in list(_LIVE):
        server.stop(5.0, keep_log=True)


_VERSIONS: dict[tuple[str, ...], str] = {}


class EngineAdapter(Adapter):
    """An engine's OpenAI-compatible server, started here (or found at ``base_url``) and asked through ``OpenAIAdapter``."""

    engine: ClassVar[str]
    version = "1"
    Args = EngineArgs
    declared_capabilities = OpenAIAdapter.declared_capabilities

    def __init__(self, model: str, args: EngineArgs) -> None:
        if not model:
            raise AdapterError(f"{self.kind}: give the model to serve, e.g. {self.kind}:Qwen/Qwen2.5-VL-3B-Instruct")
        super().__init__(model, args)
        self.label = f"{self.kind}:{model}"
        self._external = bool(args.base_url)
        self._server: EngineServer | None = None
        if self._external:
            given = sorted(k for k in (*_LAUNCH_ARGS, *_PLACE_ARGS) if k in args.model_fields_set)
            if given:
                raise AdapterError(f"{self.label}: {', '.join(given)} would change nothing with base_url (a server already running); "
                                   f"drop them, or drop base_url to start one")
            url = args.base_url
        else:
            try:
                self._extra = shlex.split(args.engine_args)
            except ValueError as e:
                raise AdapterError(f"{self.label}: engine_args {args.engine_args!r}: {e}") from None
            self._exe = self._executable()
            port = args.port or _free_port(args.host)
            self._server = EngineServer(self.label, self.launch_command(port), args.host, port)
            url = self._server.origin + "/v1"
        passed = {k: getattr(args, k) for k in OpenAIArgs.model_fields if k in args.model_fields_set and k != "base_url"}
        self._client = OpenAIAdapter(model, OpenAIArgs(**passed, base_url=url))
        self._lock = threading.Lock()
        self._ready = self._external
        self._gone: str | None = None

    # -- what each engine defines ----------------------------------------------------------------------------------
    default_executable: ClassVar[str] = ""
    """The program that starts the server when ``executable`` is not given ("": this Python)."""
    executable_hint: ClassVar[str]

    def _executable(self) -> str:
        exe = self.args.executable or self.default_executable or sys.executable
        found = shutil.which(exe)
        if found is None:
            raise AdapterError(f"{self.kind}: {exe!r} is not found: {self.executable_hint}, "
                               f"or -a base_url=http://host:port/v1 for a server already running")
        return found

    parallel_flags: ClassVar[tuple[str, str, str]]
    """The engine's names for tensor_parallel_size, data_parallel_size and max_model_len."""

    def serve_command(self) -> list[str]:
        """The command that serves ``self.model``, before the flags."""
        raise NotImplementedError

    def launch_command(self, port: int) -> list[str]:
        a = self.args
        tp, dp, length = self.parallel_flags
        return [*self.serve_command(), "--host", a.host, "--port", str(port), "--dtype", a.dtype, *_flag(tp, a.tensor_parallel_size, 1),
                *_flag(dp, a.data_parallel_size, 1), *_flag(length, a.max_model_len), *self._extra]

    def version_command(self) -> list[str]:
        raise NotImplementedError

    # -- identity ---------------------------------------------------------------------------------------------------
    def engine_version(self) -> str:
        if self._external:
            return self._served_version()
        key = tuple(self.version_command())
        if key not in _VERSIONS:
            try:
                out = subprocess.run(list(key), capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired) as e:
                raise AdapterError(f"{self.label}: cannot read the engine's version with `{shlex.join(key)}`: {e}") from None
            lines = out.stdout.strip().splitlines()
            if out.returncode != 0 or not lines:
                raise AdapterError(f"{self.label}: `{shlex.join(key)}` failed (exit {out.returncode}): {_one_line(out.stderr, 300)}")
            _VERSIONS[key] = lines[-1].strip()
        return _VERSIONS[key]

    def _served_version(self) -> str:
        # Several replicas of one server (base_url=a,b: evals/adapters/replicas.py) run one engine version: ask the first.
        origin = split_base_urls(self.args.base_url)[0].removesuffix("/v1")
        for path, key in (("/version", "version"), ("/get_server_info", "version"), ("/server_info", "version")):
            status, body = _http_get(origin + path, timeout=10.0)
            if status == 200:
                try:
                    value = json.loads(body).get(key)
                except (ValueError, AttributeError):
                    continue
                if value:
                    return str(value)
        raise AdapterError(f"{self.label}: the server at {origin} did not tell its version (/version, /get_server_info); "
                           f"is it a {self.engine} server, and running?")

    def fingerprint(self) -> dict[str, Any]:
        fp = self._client.fingerprint()
        fp.update(kind=self.kind, adapter_version=self.version, engine={"name": self.engine, "version": self.engine_version()})
        if not self._external:
            fp["args"].update({k: getattr(self.args, k) for k in _LAUNCH_ARGS})
        return fp

    @property
    def capabilities(self) -> Capabilities:
        return self._client.capabilities

    # -- the server's life ------------------------------------------------------------------------------------------
    def load(self) -> None:
        with self._lock:
            if self._gone:
                raise ModelUnavailable(self._gone)
            if not self._ready and self._server is not None:
                self._server.start(self.args.startup_timeout_s)
                self._ready = True

    def generate(self, requests: list[Request]) -> list[Response]:
        self.load()
        responses = self._client.generate(requests)
        refused = any(r.error and r.error.startswith("connection error") for r in responses)
        gone = self._server.died(2.0 if refused else 0.0) if self._server is not None else None
        if gone:  # what it answered before it died is kept (and cached); the rest names it, and the next batch stops the run
            self._gone = gone
            return [r if not r.error else Response(error=gone) for r in responses]
        return [r if not r.error else Response(error=f"{self.label}: {r.error}") for r in responses]  # the server's errors name it

    def close(self) -> None:
        try:
            self._client.close()
        finally:
            if self._server is not None:
                self._server.stop(self.args.stop_timeout_s, keep_log=self._gone is not None)


def _flag(name: str, value: Any, default: Any = None) -> list[str]:
    return [] if value is None or value == default else [name, str(value)]


class VLLMAdapter(EngineAdapter):
    kind = "vllm"
    engine = "vllm"
    description = "vLLM's OpenAI-compatible server, started as a child process (`vllm serve`); TP/DP, engine flags; or base_url"

    default_executable = "vllm"
    executable_hint = "pip install vllm, or pass -a executable=/path/to/vllm"

    parallel_flags = ("--tensor-parallel-size", "--data-parallel-size", "--max-model-len")

    def serve_command(self) -> list[str]:
        return [self._exe, "serve", self.model]

    def version_command(self) -> list[str]:
        return [self._exe, "--version"]


class SGLangAdapter(EngineAdapter):
    kind = "sglang"
    engine = "sglang"
    description = "SGLang's OpenAI-compatible server, started as a child process (`python -m sglang.launch_server`); TP/DP, flags; or base_url"

    executable_hint = "pass -a executable=/path/to/python, a Python that has sglang"

    parallel_flags = ("--tp-size", "--dp-size", "--context-length")

    def serve_command(self) -> list[str]:
        return [self._exe, "-m", "sglang.launch_server", "--model-path", self.model]

    def version_command(self) -> list[str]:
        return [self._exe, "-c", "import sglang; print(sglang.__version__)"]
