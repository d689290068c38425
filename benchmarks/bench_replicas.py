"""Throughput of ``openai:`` over several loopback replicas against one (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_replicas.py [--replicas 4] [--slots 8] [--latency 0.2] [--n 800] [--out FILE]

Each replica is a loopback chat-completions server with the capacity of a model server: at most ``slots`` requests
are worked on at once (a batch), each for ``latency`` seconds; more wait in its queue. One replica's ceiling is
``slots / latency`` requests per second (8 / 0.2 s = 40/s), ``replicas`` of them ``replicas`` times that. The
replicas run in one child process (asyncio: they only wait, so they do not share the client's GIL or each other's
CPU). The same ``n`` text requests go through the real ``GenerationEngine`` (as ``benchmarks/remote_throughput.py``
measures it) to one replica and then to all of them as ``base_url=a,b,c,d``, ``concurrency=slots`` in both runs
(in flight per replica). Printed: requests per second of each and their ratio; the target is >= 3.6x for 4 replicas.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


async def _replicas(count: int, slots: int, latency: float) -> None:
    """``count`` servers on 127.0.0.1, their ports printed on one line; they live until stdin closes."""
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, busy: asyncio.Semaphore) -> None:
        try:
            for _ in range(1_000_000):  # bounded, even for a client that never closes
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(v) for k, _, v in (h.partition(":") for h in head.decode("latin-1").split("\r\n"))
                               if k.strip().lower() == "content-length"), 0)
                req = json.loads(await reader.readexactly(length))
                async with busy:  # the server's batch: at most `slots` at once
                    await asyncio.sleep(latency)
                payload = json.dumps({"id": "x", "object": "chat.completion", "model": req["model"], "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "yes"}, "finish_reason": "stop"}]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    servers = []
    for _ in range(count):
        busy = asyncio.Semaphore(slots)
        servers.append(await asyncio.start_server(lambda r, w, b=busy: serve(r, w, b), "127.0.0.1", 0, backlog=1024))
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    for s in servers:
        s.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--slots", type=int, default=8, help="requests each replica works on at once (and the adapter's concurrency)")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_replicas(args.replicas, args.slots, args.latency))
        os._exit(0)  # the stdin reader thread may still block
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from remote_throughput import engine_throughput

    proc = subprocess.Popen([sys.executable, __file__, "--serve", "--replicas", str(args.replicas), "--slots", str(args.slots),
                             "--latency", str(args.latency)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        urls = [f"http://127.0.0.1:{p}/v1" for p in proc.stdout.readline().split()]
        one = engine_throughput(urls[0], args.n, args.slots, None, "one")
        many = engine_throughput(",".join(urls), args.n, args.slots, None, "many")
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    ceiling = args.slots / args.latency
    ratio = many["req_per_s"] / one["req_per_s"]
    for name, r, c in (("1 replica", one, ceiling), (f"{args.replicas} replicas", many, ceiling * args.replicas)):
        print(f"{name:11s} {r['n']:5d} requests  {r['wall_s']:6.2f} s  {r['req_per_s']:6.1f} req/s  {r['req_per_s'] / c:6.1%} of {c:.0f}/s  "
              f"errors {r['errors']}", flush=True)
    target = 0.9 * args.replicas
    print(f"ratio {ratio:.2f}x (target >= {target:.1f}x: {'ok' if ratio >= target else 'BELOW'})")
    if args.out:
        args.out.write_text(json.dumps({"replicas": args.replicas, "slots": args.slots, "latency_s": args.latency, "cpus": os.cpu_count(),
                                        "one": one, "many": many, "ratio": ratio}, indent=2) + "\n")


if __name__ == "__main__":
    main()
