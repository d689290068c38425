"""A small OpenAI-compatible server on loopback that injects faults on demand.

The last user text part decides what happens: ``fail:429:N`` answers 429 with
``Retry-After`` for the first N attempts, ``fail:500:N`` answers 500 N times,
``fail:stall:N`` sleeps past the client timeout N times, ``fail:drop:N`` closes
the connection without a response N times (N=all: always). Anything else is
answered with the reversed text after ``delay`` seconds. The server records
every attempt's arrival time and the peak number of requests in flight.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultServer:
    def __init__(self, delay: float = 0.05, retry_after: str = "1", stall_s: float = 2.0) -> None:
        self.delay, self.retry_after, self.stall_s = delay, retry_after, stall_s
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.attempts: dict[str, list[float]] = {}
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

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
                finally:
                    with server.lock:
                        server.in_flight -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FaultServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
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

    def handle(self, handler, body: dict) -> None:
        text = self._last_text(body)
        with self.lock:
            seen = self.attempts.setdefault(text, [])
            seen.append(time.monotonic())
            attempt = len(seen)
        if text.startswith("fail:"):
            _, kind, n = text.split(":")[:3]
            if n == "all" or attempt <= int(n):
                if kind == "429":
                    return self._send(handler, 429, {"error": "slow down"}, {"Retry-After": self.retry_after})
                if kind == "500":
                    return self._send(handler, 500, {"error": "internal boom"})
                if kind == "400":
                    return self._send(handler, 400, {"error": "bad request"})
                if kind == "stall":
                    time.sleep(self.stall_s)
                    return self._send(handler, 200, self._completion(body, text))
                if kind == "drop":
                    handler.close_connection = True
                    handler.connection.shutdown(2)
                    return
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
