"""A stand-in for an engine's server (``vllm serve MODEL --port P``, ``python -m sglang.launch_server --model-path MODEL --port P``):
the OpenAI chat-completions protocol on loopback, answering "yes" to everything, shaped by environment variables:

- ``STANDIN_EXIT_AT_START``: print it to stderr and exit with code 3 at once;
- ``STANDIN_NOT_READY_S``: /health answers 503 for this many seconds;
- ``STANDIN_DIE_AFTER``: the server process exits (code 9) on the completion request after this many;
- ``STANDIN_DELAY_S``: seconds each completion takes;
- ``STANDIN_RECORD``: a file the stand-in writes {"argv", "pid", "worker_pid"} to once it listens
  (it also starts a "worker" child, as engines do, to show the whole process group is stopped).

``engine_standin.py --version`` prints the version, as ``vllm --version`` does. ``install`` puts a ``vllm`` executable and an
``sglang`` package (``launch_server`` and ``__version__``) that run this file into a directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

VERSION = "0.0.standin"


def install(root: Path) -> tuple[Path, Path]:
    """``root/bin/vllm`` and ``root/py/sglang``: (the directory to put first on PATH, the one for PYTHONPATH)."""
    here = Path(__file__).resolve()
    bin_dir, py_dir = root / "bin", root / "py" / "sglang"
    bin_dir.mkdir(parents=True)
    py_dir.mkdir(parents=True)
    vllm = bin_dir / "vllm"
    vllm.write_text(f"#!{sys.executable}\nimport runpy\nrunpy.run_path({str(here)!r}, run_name='__main__')\n")
    vllm.chmod(0o755)
    (py_dir / "__init__.py").write_text(f"__version__ = {VERSION!r}\n")
    (py_dir / "launch_server.py").write_text(f"import runpy\nrunpy.run_path({str(here)!r}, run_name='__main__')\n")
    return bin_dir, py_dir.parent


def _option(argv: list[str], name: str, default: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else default


class _Handler(BaseHTTPRequestHandler):
    started = time.monotonic()
    answered = 0
    lock = threading.Lock()

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            ready = time.monotonic() - self.started >= float(os.environ.get("STANDIN_NOT_READY_S", "0"))
            self._send(200 if ready else 503, {})
        elif self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": self.server.model, "object": "model"}]})  # type: ignore[attr-defined]
        elif self.path == "/version":
            self._send(200, {"version": VERSION})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            die_after = os.environ.get("STANDIN_DIE_AFTER")
            if die_after is not None and _Handler.answered >= int(die_after):
                print("stand-in: dying mid-run as asked", file=sys.stderr, flush=True)
                os._exit(9)
            _Handler.answered += 1
        time.sleep(float(os.environ.get("STANDIN_DELAY_S", "0")))
        if body.get("model") != self.server.model:  # type: ignore[attr-defined]
            self._send(404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}})
            return
        self._send(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": "yes"}, "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 5, "completion_tokens": 1}})


def main(argv: list[str]) -> None:
    if argv[:1] == ["--version"]:
        print(VERSION)
        return
    if os.environ.get("STANDIN_EXIT_AT_START"):
        print(f"stand-in: {os.environ['STANDIN_EXIT_AT_START']}", file=sys.stderr, flush=True)
        sys.exit(3)
    model = argv[1] if argv[:1] == ["serve"] else _option(argv, "--model-path", "")
    server = ThreadingHTTPServer((_option(argv, "--host", "127.0.0.1"), int(_option(argv, "--port", "8000"))), _Handler)
    server.model = model  # type: ignore[attr-defined]
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    record = os.environ.get("STANDIN_RECORD")
    if record:
        Path(record).write_text(json.dumps({"argv": argv, "pid": os.getpid(), "worker_pid": worker.pid}))
    print(f"stand-in: serving {model} on port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
