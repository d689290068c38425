"""Throughput of the ``openai:`` adapter against a loopback server with a fixed latency per request.

    .venv/bin/python benchmarks/remote_throughput.py [--n 2000] [--concurrency 32] [--latency 0.2] [--quick]

The server is an asyncio HTTP/1.1 server in a process of its own (so it does not
share the client's GIL) on 127.0.0.1: it reads each request, parses its JSON,
waits ``latency`` seconds and answers a chat completion. With ``concurrency``
requests in flight the ceiling is ``concurrency / latency`` requests per second
(32 / 0.2 s = 160/s); the target is 90% of it.

Measured, each with a fresh response cache (every request is a miss):

- ``engine_text``: the real ``GenerationEngine`` over ``n`` text-only requests, at the
  batch size the adapter declares (``max_batch_size`` = concurrency x 4);
- ``engine_image``: the same with one ~100 KB 640x480 JPEG per request (sent as a data URL);
- ``run_image``: ``evaluate_model`` (what ``omnieval run -b <max_batch_size>`` does: data,
  planning, engine, scoring, records) on a synthetic VQAv2-schema mirror of ``n`` rows;
- ``run_image_b8``: the same at ``--batch-size 8``, the CLI's default, which caps the
  requests in flight at 8 whatever ``concurrency`` says (fewer rows: it is slow).

Each figure is requests per second over the whole run and its share of the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# ---------------------------------------------------------------- the server (child process)

async def _serve(latency: float, lifetime_s: float, ready, slots: int = 0) -> None:
    """``slots`` > 0: at most that many requests are worked on at once (a model server's batch), the rest queue."""
    stats = {"requests": 0, "in_flight": 0, "peak": 0}
    busy = asyncio.Semaphore(slots) if slots > 0 else None
    max_per_connection = 1_000_000  # bounded loops, even for a client that never closes

    async def answer(body: bytes) -> bytes:
        req = json.loads(body)
        content = req["messages"][-1]["content"]
        text = content if isinstance(content, str) else [p["text"] for p in content if p["type"] == "text"][-1]
        stats["in_flight"] += 1
        stats["peak"] = max(stats["peak"], stats["in_flight"])
        try:
            if busy is None:
                await asyncio.sleep(latency)
            else:
                async with busy:
                    await asyncio.sleep(latency)
        finally:
            stats["in_flight"] -= 1
        stats["requests"] += 1
        return json.dumps({
            "id": "x", "object": "chat.completion", "model": req["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "yes" if len(text) % 2 else "no"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(text), "completion_tokens": 1, "total_tokens": len(text) + 1},
        }).encode()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(max_per_connection):
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                length = next((int(v) for k, _, v in (h.partition(":") for h in lines) if k.strip().lower() == "content-length"), 0)
                body = await reader.readexactly(length) if length else b""
                if request_line.startswith("GET /stats"):
                    payload = json.dumps(stats).encode()
                else:
                    payload = await answer(body)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    ready(server.sockets[0].getsockname()[1])
    loop = asyncio.get_running_loop()
    # Ends with its lifetime or when the parent closes our stdin (it died or is done).
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    await asyncio.wait([stdin_closed], timeout=lifetime_s)
    server.close()


def serve_main(latency: float, lifetime_s: float, slots: int = 0) -> None:
    def ready(port: int) -> None:
        print(port, flush=True)

    asyncio.run(_serve(latency, lifetime_s, ready, slots))
    os._exit(0)  # the stdin reader thread may still block


class LoopbackServer:
    """The fixed-latency server in a child process: ``with LoopbackServer(0.2) as server: server.url ...``."""

    def __init__(self, latency: float, lifetime_s: float = 1800.0, slots: int = 0) -> None:
        self.latency, self.lifetime_s, self.slots = latency, lifetime_s, slots

    def __enter__(self) -> "LoopbackServer":
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", "--latency", str(self.latency), "--lifetime-s", str(self.lifetime_s),
                                      "--slots", str(self.slots)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/v1"
        return self

    def stats(self) -> dict:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as r:
            return json.loads(r.read())

    def __exit__(self, *exc) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---------------------------------------------------------------- the client

HTTP_CLIENT = "auto"


def _adapter(url: str, concurrency: int):
    from evals.adapters.base import create_adapter

    return create_adapter("openai:bench-model", {"base_url": url, "concurrency": concurrency, "max_retries": 0, "timeout_s": 30,
                                                 "http_client": HTTP_CLIENT})


def _requests(n: int, images: list[bytes] | None, tag: str) -> list:
    from evals.requests import GenerationSettings, MediaPart, Message, Request, TextPart

    gen = GenerationSettings(max_new_tokens=8)
    out = []
    for i in range(n):
        parts: list = [TextPart(f"[{tag}] Is there a shape number {i}?\nAnswer the question using a single word or phrase.")]
        if images:
            parts.insert(0, MediaPart("image", "image/jpeg", f"img{i % len(images)}-{tag}", data=images[i % len(images)]))
        out.append(Request(id=str(i), messages=[Message("user", parts)], generation=gen))
    return out


def engine_throughput(url: str, n: int, concurrency: int, images: list[bytes] | None, tag: str) -> dict:
    from evals.run.cache import ResponseCache
    from evals.run.engine import GenerationEngine, Job

    adapter = _adapter(url, concurrency)
    batch = adapter.capabilities.max_batch_size
    with tempfile.TemporaryDirectory() as tmp:
        cache = ResponseCache(Path(tmp) / "c.sqlite")
        try:
            engine = GenerationEngine(adapter, cache, batch_size=batch)
            list(engine.run(Job(r) for r in _requests(concurrency, images, tag + "-warm")))  # connections up, imports done
            requests = _requests(n, images, tag)
            start = time.perf_counter()
            done = [j for chunk in engine.run(Job(r) for r in requests) for j in chunk]
            wall = time.perf_counter() - start
        finally:
            adapter.close()
    errors = sum(j.failure is not None for j in done)
    return {"n": len(done), "errors": errors, "batch_size": batch, "wall_s": wall, "req_per_s": n / wall}


def run_throughput(url: str, n: int, concurrency: int, mirror: Path, batch_size: int | None) -> dict:
    from evals.run.cache import ResponseCache
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions
    from evals.spec.catalog import load_task

    adapter = _adapter(url, concurrency)
    batch = batch_size or adapter.capabilities.max_batch_size
    spec = load_task(str(mirror / "synthetic_vqa.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        cache = ResponseCache(Path(tmp) / "c.sqlite")
        try:
            # Start-up, paid once per process (benchmarks/run.py reports it apart): `datasets` imports torch on the
            # first streaming dataset. A separate cache, so the measured run below asks the server for every row.
            evaluate_model(adapter, [spec], Path(tmp) / "warm", ResponseCache(Path(tmp) / "warm.sqlite"),
                           RunOptions(batch_size=batch, data_dir=str(mirror), limit=8, n_resamples=10))
            start = time.perf_counter()
            res = evaluate_model(adapter, [spec], Path(tmp) / "run", cache,
                                 RunOptions(batch_size=batch, data_dir=str(mirror), limit=n, n_resamples=200))
            wall = time.perf_counter() - start
        finally:
            adapter.close()
    task = res.tasks["synthetic_vqa"]
    return {"n": task.n_samples, "errors": task.n_errors, "batch_size": batch, "wall_s": wall, "req_per_s": task.n_samples / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--quick", action="store_true", help="500 requests and no batch-size-8 run (a smoke test, not the figures)")
    parser.add_argument("--skip-b8", action="store_true", help="leave out the slow run at the CLI's default --batch-size 8")
    parser.add_argument("--http-client", choices=["auto", "builtin", "httpx"], default="auto",
                        help="the adapter's http_client (httpx: the figures the adapter had before its built-in client)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--lifetime-s", type=float, default=1800.0, help=argparse.SUPPRESS)
    parser.add_argument("--slots", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_main(args.latency, args.lifetime_s, args.slots)
        return
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    global HTTP_CLIENT
    HTTP_CLIENT = args.http_client
    from synthetic import jpeg_pool, write_mirror

    n = 500 if args.quick else args.n
    ceiling = args.concurrency / args.latency
    images = jpeg_pool(50)
    results: dict = {"n": n, "http_client": args.http_client, "concurrency": args.concurrency, "latency_s": args.latency, "ceiling_req_per_s": ceiling, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as data, LoopbackServer(args.latency) as server:
        url = server.url
        mirror = Path(data) / "mirror"
        write_mirror(mirror, n, per_image=5)
        runs = [
            ("engine_text", lambda: engine_throughput(url, n, args.concurrency, None, "text")),
            ("engine_image", lambda: engine_throughput(url, n, args.concurrency, images, "image")),
            ("run_image", lambda: run_throughput(url, n, args.concurrency, mirror, None)),
        ]
        if not (args.quick or args.skip_b8):
            runs.append(("run_image_b8", lambda: run_throughput(url, min(n, 400), args.concurrency, mirror, 8)))
        for name, fn in runs:
            before = server.stats()
            r = fn()
            after = server.stats()
            r["server_requests"] = after["requests"] - before["requests"]
            r["server_peak_in_flight"] = after["peak"]
            r["share_of_ceiling"] = r["req_per_s"] / ceiling
            results[name] = r
            verdict = "ok" if r["share_of_ceiling"] >= 0.9 else "BELOW 90%"
            print(f"{name:13s} {r['n']:5d} requests  batch {r['batch_size']:3d}  {r['wall_s']:6.2f} s  {r['req_per_s']:6.1f} req/s  "
                  f"{r['share_of_ceiling']:6.1%} of {ceiling:.0f}/s  errors {r['errors']}  server peak {r['server_peak_in_flight']}  [{verdict}]", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
