"""A small OpenAI-compatible server on loopback that injects faults on demand.

The last user text part decides what happens: a directive ``fail:KIND:N``
anywhere in it makes the first N attempts of that text fail as KIND (N=all:
every attempt); anything else, and every attempt after the first N, is answered
with the reversed text after ``delay`` seconds. Kinds:

- ``429`` (with ``Retry-After``), ``500``, ``400``, ``401``, ``403``, ``404``: that status;
- ``model``: 404 ``The model ... does not exist`` (as vLLM says of an unknown model);
- ``context``: 400 with ``transformers serve``'s (5.25) words for a prompt longer than the model's context;
- ``stall``: sleeps ``stall_s`` (past the client's timeout), then answers;
- ``drop``: closes the connection without a response;
- ``trickle``: sends the headers at once, then the body one byte every ``trickle_s``
  (each read is quick, the whole response is not; at most ``trickle_max_s`` in all);
- ``null`` / ``reasoning`` / ``empty`` / ``blank`` / ``nocontent`` / ``nochoices``: a 200 whose
  completion is ``content: null``, null with ``reasoning_content``, ``""``, ``"  "``, a
  message without content, or ``choices: []``.

The server records every attempt's arrival time per text (``attempts``) and the
peak number of requests in flight. It listens on 127.0.0.1 only, and every loop
in it is bounded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STOP_POLL_S = 0.02
"""How often a test server's loop looks for ``shutdown()``: the standard library's 0.5 s made each of the suite's
~100 loopback servers take half a second to stop."""

_DIRECTIVE = re.compile(r"fail:([a-z0-9]+):(all|\d+)")
EMPTY_KINDS = ("null", "reasoning", "empty", "blank", "nocontent", "nochoices")


class FaultServer:
    def __init__(self, delay: float = 0.05, retry_after: str = "1", stall_s: float = 2.0, trickle_s: float = 0.05,
                 trickle_max_s: float = 30.0) -> None:
        self.delay, self.retry_after, self.stall_s = delay, retry_after, stall_s
        self.trickle_s, self.trickle_max_s = trickle_s, trickle_max_s
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.in_flight = 0
        self.peak = 0
        self.attempts: dict[str, list[float]] = {}
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go as two writes: no 40 ms delayed-ACK stall between them

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.in_flight += 1
                    server.peak = max(server.peak, server.in_flight)
                    server.bodies.append(body)
                    server.headers.append(dict(self.headers))
                try:
                    server.handle(self, body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up on this response
                    self.close_connection = True
                finally:
                    with server.lock:
                        server.in_flight -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(STOP_POLL_S,), daemon=True)

    def __enter__(self) -> "FaultServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def _last_text(body: dict) -> str:
        content = body["messages"][-1]["content"]
        if isinstance(content, str):
            return content
        return [p["text"] for p in content if p["type"] == "text"][-1]

    def _send(self, handler, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _trickle(self, handler, payload: dict) -> None:
        """Headers now, then the body a byte at a time: every read is quick, the response takes ages."""
        data = json.dumps(payload).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.flush()
        deadline = time.monotonic() + self.trickle_max_s
        for k in range(len(data)):  # bounded by the body's length and by trickle_max_s
            if self.closing.is_set() or time.monotonic() > deadline:
                handler.close_connection = True
                return
            handler.wfile.write(data[k:k + 1])
            handler.wfile.flush()
            time.sleep(self.trickle_s)

    @staticmethod
    def _empty_completion(body: dict, kind: str) -> dict:
        message: dict = {"role": "assistant", "content": None}
        if kind == "reasoning":
            message["reasoning_content"] = "Let me think step by step about this question. " * 4
        elif kind == "empty":
            message["content"] = ""
        elif kind == "blank":
            message["content"] = "  \n "
        elif kind == "nocontent":
            del message["content"]
        choices = [] if kind == "nochoices" else [{"index": 0, "message": message, "finish_reason": "length" if kind == "reasoning" else "stop"}]
        return {"id": "x", "object": "chat.completion", "model": body["model"], "choices": choices}

    def handle(self, handler, body: dict) -> None:
        text = self._last_text(body)
        with self.lock:
            seen = self.attempts.setdefault(text, [])
            seen.append(time.monotonic())
            attempt = len(seen)
        directive = _DIRECTIVE.search(text)
        if directive:
            kind, n = directive.groups()
            if n == "all" or attempt <= int(n):
                if kind == "429":
                    return self._send(handler, 429, {"error": "slow down"}, {"Retry-After": self.retry_after})
                if kind in ("500", "400", "401", "403", "404"):
                    messages = {"500": "internal boom", "400": "bad request", "401": "invalid api key", "403": "forbidden", "404": "not found"}
                    return self._send(handler, int(kind), {"error": messages[kind]})
                if kind == "model":
                    return self._send(handler, 404, {"object": "error", "message": f"The model `{body['model']}` does not exist.",
                                                     "type": "NotFoundError", "code": 404})
                if kind == "context":
                    return self._send(handler, 400, {"error": {"message": "The prompt has 2346 tokens, but the model takes at most 2048, "
                                                               "prompt and answer (`--max-model-len`).", "type": "invalid_request_error"}})
                if kind == "stall":
                    self.closing.wait(self.stall_s)
                    return self._send(handler, 200, self._completion(body, text))
                if kind == "drop":
                    handler.close_connection = True
                    handler.connection.shutdown(2)
                    return
                if kind == "trickle":
                    return self._trickle(handler, self._completion(body, text))
                if kind in EMPTY_KINDS:
                    return self._send(handler, 200, self._empty_completion(body, kind))
        time.sleep(self.delay)
        self._send(handler, 200, self._completion(body, text))

    @staticmethod
    def _completion(body: dict, text: str) -> dict:
        answer = text[::-1]
        return {
            "id": "x", "object": "chat.completion", "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(text), "completion_tokens": len(answer), "total_tokens": 2 * len(text)},
        }
