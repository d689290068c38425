"""Throughput of ``openai:`` over several loopback replicas against one (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_replicas.py [--replicas 4] [--slots 8] [--latency 0.2] [--n 800] [--out FILE]

Each replica is ``benchmarks/remote_throughput.py``'s loopback server (an asyncio process of its own) with the
capacity of a model server: at most ``slots`` requests are worked on at once (a batch), each for ``latency`` seconds;
more wait in its queue. One replica's ceiling is ``slots / latency`` requests per second (8 / 0.2 s = 40/s),
``replicas`` of them ``replicas`` times that. The same ``n`` text requests go through the real ``GenerationEngine``
(``remote_throughput.engine_throughput``) to one replica and then to all of them as ``base_url=a,b,c,d``, with
``concurrency=slots`` (in flight per replica) in both runs. Printed: requests per second of each and their ratio;
the target is >= 0.9 x replicas (3.6x for 4).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=4)
    parser.add_argument("--slots", type=int, default=8, help="requests each replica works on at once (and the adapter's concurrency)")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from remote_throughput import LoopbackServer, engine_throughput

    with ExitStack() as stack:
        urls = [stack.enter_context(LoopbackServer(args.latency, slots=args.slots)).url for _ in range(args.replicas)]
        one = engine_throughput(urls[0], args.n, args.slots, None, "one")
        many = engine_throughput(",".join(urls), args.n, args.slots, None, "many")
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
