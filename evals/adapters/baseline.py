"""Reference floors that need no model: any real model should beat them.

- ``baseline:vqa-prior`` answers "yes" to yes/no questions and ``answer`` otherwise,
  the language-only prior of the VQA paper reduced to its rule.
- ``baseline:constant`` always answers ``text``.
- ``baseline:caption`` always answers the caption ``text``.
"""

from __future__ import annotations

import re
import time

from pydantic import Field

from evals.adapters.base import Adapter, AdapterArgs, Capabilities
from evals.requests import Request, Response

_YES_NO = re.compile(r"^\s*(is|are|was|were|does|do|did|can|could|will|would|has|have|had|should)\b", re.I)


class BaselineArgs(AdapterArgs):
    text: str | None = None
    answer: str = "no"
    delay_s: float = Field(0.0, ge=0.0, description="simulated model time per request (benchmarks, resume tests); not part of the fingerprint")


_DEFAULT_TEXT = {"constant": "yes", "caption": "a picture of an object", "vqa-prior": None}


class BaselineAdapter(Adapter):
    kind = "baseline"
    Args = BaselineArgs
    description = "reference floors: vqa-prior, constant (text=...), caption (text=...)"

    def __init__(self, model: str, args: BaselineArgs) -> None:
        model = model or "constant"
        if model not in _DEFAULT_TEXT:
            from evals.errors import AdapterError

            raise AdapterError(f"unknown baseline {model!r}; known: {', '.join(_DEFAULT_TEXT)}")
        super().__init__(model, args)
        self._text = args.text if args.text is not None else _DEFAULT_TEXT[model]

    # It never looks at media, so it takes any kind.
    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, video=True, batch=True, decode_media=False)

    def _answer(self, request: Request) -> str:
        if self.model == "vqa-prior":
            question = request.text.strip().splitlines()[0] if request.text.strip() else ""
            return "yes" if _YES_NO.match(question) else self.args.answer
        return self._text  # type: ignore[return-value]

    def fingerprint(self) -> dict:
        fp = super().fingerprint()
        fp["args"].pop("delay_s", None)
        return fp

    def generate(self, requests: list[Request]) -> list[Response]:
        if self.args.delay_s:
            time.sleep(self.args.delay_s * len(requests))
        return [Response(text=self._answer(r), latency_s=self.args.delay_s) for r in requests]


ADAPTER = BaselineAdapter
