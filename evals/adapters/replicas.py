"""Several servers behind one ``openai:`` model: ``-a base_url=http://a:8000/v1,http://b:8000/v1``.

The same model is served at each URL (replicas of one deployment), so the replica set is not part of the model's
identity. The pool hands each attempt to the least-loaded healthy replica, at most ``per_replica`` requests in flight
on each. A replica that fails (connection refused: at once; a dropped connection, a timeout or a 5xx:
``threshold`` times in a row) is taken out and probed again by one request after a back-off that doubles on each
failed probe (up to ``max_backoff_s``); a success puts it back. Used from the adapter's one event loop only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Callable


def split_base_urls(value: str) -> list[str]:
    """The URLs of a ``base_url`` value: comma-separated, blanks dropped, each once (a repeated URL is an error)."""
    urls = [u.strip().rstrip("/") for u in value.split(",") if u.strip()]
    seen: set[str] = set()
    for u in urls:
        if u in seen:
            raise ValueError(f"base_url names {u} twice")
        seen.add(u)
    if not urls:
        raise ValueError("base_url is empty")
    return urls


@dataclass(eq=False)
class Replica:
    url: str  # the chat-completions endpoint
    client: Any
    in_flight: int = 0
    failures: int = 0  # replica faults in a row while healthy
    down_until: float | None = None  # monotonic time of the next probe; None: healthy
    backoff_s: float = 0.0
    probing: bool = False
    reason: str = ""  # the fault that took it out


class ReplicaPool:
    def __init__(self, urls: list[str], make_client: Callable[[str], Any], per_replica: int, threshold: int,
                 initial_backoff_s: float, max_backoff_s: float) -> None:
        self.replicas = [Replica(u, make_client(u)) for u in urls]
        self.per_replica, self.threshold = per_replica, max(threshold, 1)
        self.initial_backoff_s, self.max_backoff_s = initial_backoff_s, max_backoff_s
        self._changed: asyncio.Condition | None = None  # made on the loop's thread, at the first acquire

    def __len__(self) -> int:
        return len(self.replicas)

    def all_down(self) -> bool:
        return all(r.down_until is not None for r in self.replicas)

    def _pick(self, avoid: set[Replica]) -> Replica | None:
        now = time.monotonic()
        for r in self.replicas:  # a replica due for its probe gets this request (one probe at a time)
            if r.down_until is not None and not r.probing and r.down_until <= now and r not in avoid:
                r.probing = True
                return r
        healthy = [r for r in self.replicas if r.down_until is None and r.in_flight < self.per_replica]
        preferred = [r for r in healthy if r not in avoid] or healthy
        return min(preferred, key=lambda r: r.in_flight) if preferred else None  # the first of the least loaded

    async def acquire(self, avoid: set[Replica]) -> Replica | None:
        """A replica with a free slot (waits for one), its slot taken; None when every replica is down and none is due."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            while True:
                r = self._pick(avoid)
                if r is not None:
                    r.in_flight += 1
                    return r
                if self.all_down():
                    return None
                # Full: wait for a slot, or for a down replica's probe to fall due.
                due = [r.down_until for r in self.replicas if r.down_until is not None and not r.probing]
                timeout = max(0.0, min(due) - time.monotonic()) + 0.001 if due else None
                try:
                    await asyncio.wait_for(self._changed.wait(), timeout)
                except TimeoutError:
                    pass

    def next_probe_in(self) -> float:
        """Seconds until a down replica falls due for its probe (``initial_backoff_s`` while every one is being probed)."""
        due = [r.down_until for r in self.replicas if r.down_until is not None and not r.probing]
        return max(0.0, min(due) - time.monotonic()) if due else self.initial_backoff_s

    async def release(self, r: Replica, fault: str | None, refused: bool = False) -> bool:
        """Free ``r``'s slot and record the attempt: ``fault`` names a replica fault, None any other outcome.
        True when ``r`` is (now) out of the pool."""
        assert self._changed is not None
        async with self._changed:
            r.in_flight -= 1
            if fault is None:
                r.failures, r.probing, r.down_until, r.backoff_s, r.reason = 0, False, None, 0.0, ""
            elif r.probing:  # the probe failed: out again, for twice as long
                r.backoff_s = min(self.max_backoff_s, max(r.backoff_s, self.initial_backoff_s) * 2)
                r.down_until, r.probing, r.reason = time.monotonic() + r.backoff_s, False, fault
            elif r.down_until is None:  # healthy until now (one already out, by another request's fault, stays as it is)
                r.failures += 1
                if refused or r.failures >= self.threshold:
                    r.backoff_s = self.initial_backoff_s
                    r.down_until, r.reason = time.monotonic() + r.backoff_s, fault
            self._changed.notify_all()
            return r.down_until is not None

    def down_message(self) -> str:
        """One line naming every replica and why it is out."""
        parts = [f"{r.url} ({r.reason})" for r in self.replicas]
        return f"all {len(self.replicas)} replicas are down: {'; '.join(parts)}"

    async def aclose(self) -> None:
        for r in self.replicas:
            await r.client.aclose()
