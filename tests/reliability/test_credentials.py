"""Credentials are never written: not from a URL's userinfo, not from model arguments, not from an error body a server echoes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from evals.redact import redact, redact_argv, redact_value
from tests.adapters.fault_server import STOP_POLL_S
from tests.cli_process import run_omnieval

USERINFO_KEY = "sk-userinfo0secret0123456"
BODY_KEY = "sk-extrabody0secret0987654"
ENV_KEY = "envsecret-4f9a1c0d2e"


class _EchoingServer:
    """Answers 401 with a body that repeats the request's Authorization header and path, as careless servers do."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                data = json.dumps({"error": f"bad key {self.headers.get('Authorization')} for {self.path}"}).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(STOP_POLL_S,), daemon=True).start()


def test_redaction_rules():
    assert USERINFO_KEY not in redact(f"POST http://me:{USERINFO_KEY}@host/v1 failed")
    assert redact("https://h/v1?api_key=abcdef123&x=1") == "https://h/v1?api_key=***&x=1"
    assert redact("Authorization: Bearer abcdefghijkl") == "Authorization: Bearer ***"
    assert redact_value({"extra_body": {"api_key": BODY_KEY, "top_k": 5}}) == {"extra_body": {"api_key": "***", "top_k": 5}}
    argv = ["omnieval", "run", "-a", f"extra_body={{\"api_key\": \"{BODY_KEY}\"}}", "-a", f"base_url=http://u:{USERINFO_KEY}@h/v1"]
    assert not any(BODY_KEY in a or USERINFO_KEY in a for a in redact_argv(argv))
    # Ordinary text is left alone.
    assert redact("The answer is 42 (token budget exceeded)") == "The answer is 42 (token budget exceeded)"


def test_no_credential_reaches_any_file_or_the_terminal(tmp_path, monkeypatch):
    server = _EchoingServer()
    monkeypatch.setenv("MY_KEY", ENV_KEY)
    args = [
        "run", "-t", "easyvqa", "--limit", "3", "-o", str(tmp_path / "runs"), "--no-progress",
        "-m", "openai:some-model",
        "-a", f"base_url=http://user:{USERINFO_KEY}@127.0.0.1:{server.port}/v1",
        "-a", f"extra_body={{\"api_key\": \"{BODY_KEY}\"}}",
        "-a", "api_key_env=MY_KEY", "-a", "max_retries=0",
    ]
    proc = run_omnieval(*args, timeout=300)
    server.httpd.shutdown()
    run_dirs = list((tmp_path / "runs").iterdir())
    assert run_dirs, proc.stderr
    texts = {"stdout": proc.stdout, "stderr": proc.stderr}
    for path in [*Path(tmp_path / "runs").rglob("*"), *Path(str(tmp_path)).glob("*.sqlite")]:
        if path.is_file():
            texts[str(path)] = path.read_text(errors="replace")
    samples = (run_dirs[0] / "samples" / "easyvqa.jsonl").read_text()
    assert "401" in samples  # the errors were recorded...
    for where, text in texts.items():  # ...without any of the keys
        for secret in (USERINFO_KEY, BODY_KEY, ENV_KEY):
            assert secret not in text, f"{secret} written to {where}"
    assert USERINFO_KEY not in run_dirs[0].name and BODY_KEY not in run_dirs[0].name
