"""An adapter that answers instantly but, like a real VLM/ASR model, asks for decoded media.

Used to measure the harness's own cost: everything but the model.
"""

from __future__ import annotations

from evals.adapters.base import Adapter, AdapterArgs, Capabilities
from evals.requests import Request, Response


class InstantAdapter(Adapter):
    kind = "instant"
    Args = AdapterArgs
    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, batch=True, decode_media=True)

    def generate(self, requests: list[Request]) -> list[Response]:
        out = []
        for r in requests:
            for p in r.images:
                r.media.image(p)  # raises MediaNotDecoded when the engine did not decode it
            out.append(Response(text="yes"))
        return out


ADAPTER = InstantAdapter
