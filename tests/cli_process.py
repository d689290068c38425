"""``python -m evals ARGS`` run to its end, as ``subprocess.run(..., capture_output=True, text=True)`` runs it, for
the tests that check what a command prints, writes and exits with.

A fresh interpreter spends about 0.9 s of CPU importing what every ``omnieval run`` imports, and the suite runs such
commands about a hundred times. Here each one is a process forked from a warm interpreter of this pytest worker
(tests/cli_forkserver.py), which imported those modules and indexed the catalogue once: a real process all the same,
with the command's own arguments, environment, working directory, standard streams and exit code, and everything else
it imports (datasets, torch, a backend) imported in it as in a fresh one. Where the environment differs from the
server's in what an interpreter reads as it starts (``PYTHON*``, the locale, thread counts, typer's switches) the
command runs in a fresh interpreter instead. Tests of what a process imports, of how it starts, or that signal or
race running commands keep ``subprocess`` and a fresh interpreter.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_SERVER = Path(__file__).with_name("cli_forkserver.py")
_STARTUP_VARS = ("PYTHON", "LANG", "LC_", "TYPER_", "_TYPER_", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables an interpreter or a preloaded module reads as it starts or imports (prefixes)."""

_FORKS = hasattr(os, "fork") and hasattr(socket, "SOCK_SEQPACKET") and sys.platform.startswith("linux")
"""Where the server can work (Linux: fork, descriptors passed over a SOCK_SEQPACKET pair); elsewhere every command
runs in a fresh interpreter."""
_lock = threading.Lock()
_server: tuple[subprocess.Popen, socket.socket, dict[str, str]] | None = None


def _startup_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(_STARTUP_VARS)}


def _stop() -> None:
    global _server
    if _server is not None:
        proc, sock, _ = _server
        _server = None
        sock.close()  # the server exits when its end reads nothing
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


atexit.register(_stop)


def _started() -> tuple[subprocess.Popen, socket.socket, dict[str, str]]:
    global _server
    if _server is not None and _server[0].poll() is None:
        return _server
    _stop()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    env = dict(os.environ)
    with theirs:
        proc = subprocess.Popen([sys.executable, str(_SERVER), str(theirs.fileno())], pass_fds=[theirs.fileno()],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env, cwd=_SERVER.parent.parent)
    ours.settimeout(300)
    try:
        ready = ours.recv(4096)
    except TimeoutError:
        ready = b""
    ours.settimeout(None)
    if ready != b'{"ready": true}':
        proc.kill()
        proc.wait()
        raise RuntimeError(f"the CLI fork server did not start (exit code {proc.poll()}; its errors are above)")
    _server = (proc, ours, env)
    return _server


def _read(file) -> bytes:  # noqa: ANN001 - a temporary file
    file.seek(0)
    return file.read()


def _text(data: bytes) -> str:
    """Bytes as ``subprocess.run(text=True)`` gives them: the locale's encoding, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(data)).read()


def run_omnieval(*args: str, env: dict[str, str] | None = None, cwd: str | os.PathLike | None = None,
                 timeout: float = 300, input: str | None = None) -> subprocess.CompletedProcess:
    """``python -m evals ARGS`` with ``env`` (default: this process's environment) in ``cwd`` (default: this
    process's), ``input`` on its standard input (default: none, as /dev/null); its output and exit code as
    ``subprocess.run(capture_output=True, text=True)`` returns them, ``subprocess.TimeoutExpired`` after ``timeout``
    seconds (the command killed)."""
    cmd = [sys.executable, "-m", "evals", *args]
    env = dict(os.environ if env is None else env)
    cwd = os.path.abspath(cwd if cwd is not None else os.getcwd())
    with _lock:
        server = _started() if _FORKS else None
        if server is None or _startup_env(env) != _startup_env(server[2]):
            return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, input=input or "")
        proc, sock, _ = server
        with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            stdin.write((input or "").encode())
            stdin.seek(0)
            request = json.dumps({"args": list(args), "env": env, "cwd": cwd}).encode()
            socket.send_fds(sock, [request], [stdin.fileno(), out.fileno(), err.fileno()])
            pid = json.loads(sock.recv(4096))["pid"]
            sock.settimeout(timeout)
            try:
                reply = sock.recv(4096)
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                sock.settimeout(None)
                sock.recv(4096)
                raise subprocess.TimeoutExpired(cmd, timeout, _read(out), _read(err)) from None
            finally:
                sock.settimeout(None)
            if not reply:
                raise RuntimeError(f"the CLI fork server exited ({proc.wait()}) while running {' '.join(args)}")
            return subprocess.CompletedProcess(cmd, json.loads(reply)["returncode"], _text(_read(out)), _text(_read(err)))
