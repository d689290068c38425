"""A test adapter (registered the way a plugin is): fails some requests, raises on some batches."""

from __future__ import annotations

import threading

from evals.adapters.base import Adapter, AdapterArgs, Capabilities
from evals.errors import OutOfMemory
from evals.requests import Request, Response


class FlakyArgs(AdapterArgs):
    fail_ids: list[str] = []
    raise_on_id: str | None = None
    cpu_inference: bool = False
    oom_above: int | None = None


class FlakyAdapter(Adapter):
    kind = "flaky"
    Args = FlakyArgs
    declared_capabilities = Capabilities(image=True, audio=True, batch=True, decode_media=True)
    calls: list[list[str]] = []
    interrupt_on: str | None = None  # simulates Ctrl-C / a kill; not an argument, so not in the fingerprint
    threads_seen: set[str] = set()  # names of the threads alive while generate ran

    @property
    def capabilities(self) -> Capabilities:
        return self.declared_capabilities.model_copy(update={"cpu_inference": self.args.cpu_inference})

    def generate(self, requests: list[Request]) -> list[Response]:
        FlakyAdapter.calls.append([r.id for r in requests])
        FlakyAdapter.threads_seen.update(t.name for t in threading.enumerate())
        if FlakyAdapter.interrupt_on and any(r.id == FlakyAdapter.interrupt_on for r in requests):
            raise KeyboardInterrupt
        if self.args.raise_on_id and any(r.id == self.args.raise_on_id for r in requests):
            raise RuntimeError("backend exploded")
        if self.args.oom_above is not None and len(requests) > self.args.oom_above:
            raise OutOfMemory(f"{len(requests)} requests do not fit")
        out = []
        for r in requests:
            assert all(r.media.image(p) is not None for p in r.images), "media must arrive decoded"
            out.append(Response(error="server said no") if r.id in self.args.fail_ids else Response(text="yes"))
        return out


ADAPTER = FlakyAdapter
