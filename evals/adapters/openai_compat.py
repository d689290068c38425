"""``openai:`` — any server speaking the OpenAI chat-completions protocol.

vLLM, SGLang, TGI, llama.cpp, Ollama, ``transformers serve`` and hosted APIs.
``openai:<model name as the server knows it>``.

- Images go as ``data:`` URLs of their original encoded bytes (no re-encode).
- Audio goes as ``input_audio`` parts. The protocol only names ``wav`` and
  ``mp3``: wav/mp3 bytes go as they are, anything else (FLAC, OGG) is decoded
  with soundfile and re-encoded as 16-bit PCM WAV at the file's own rate.
- Video parts are that request's error until video input is supported.
- Requests run concurrently (at most ``concurrency`` in flight) and are retried
  on 429, 5xx, timeouts and dropped connections with exponential backoff and
  jitter, honouring ``Retry-After``. A request that still fails comes back as
  ``Response(error="HTTP 500 after 4 attempts: ...")``, never as an empty answer.
- The API key is read from the environment variable named by ``api_key_env``;
  only that name is recorded, never the key.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import io
import random
import threading
import time
from typing import Any

from evals.adapters.base import Adapter, AdapterArgs, Capabilities
from evals.errors import AdapterError
from evals.requests import MediaPart, Request, Response, TextPart
from evals.settings import secret

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIArgs(AdapterArgs):
    base_url: str = "http://localhost:8000/v1"
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 8
    max_retries: int = 3
    timeout_s: float = 120.0
    initial_backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    extra_body: dict[str, Any] = {}


def _encoded(part: MediaPart) -> bytes:
    try:
        return part.read()
    except OSError as e:
        raise ValueError(f"cannot read {part.kind} file {part.path}: {e.strerror}") from None


def audio_payload(part: MediaPart) -> dict[str, str]:
    """The ``input_audio`` object for one audio part: original wav/mp3 bytes, anything else as WAV."""
    data = _encoded(part)
    if part.mime in ("audio/wav", "audio/x-wav"):
        return {"data": base64.b64encode(data).decode(), "format": "wav"}
    if part.mime in ("audio/mpeg", "audio/mp3"):
        return {"data": base64.b64encode(data).decode(), "format": "mp3"}
    import soundfile as sf

    try:
        array, rate = sf.read(io.BytesIO(data), dtype="float32")
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise ValueError(f"cannot decode {part.mime} audio to re-encode as wav: {e}") from None
    out = io.BytesIO()
    sf.write(out, array, rate, format="WAV", subtype="PCM_16")
    return {"data": base64.b64encode(out.getvalue()).decode(), "format": "wav"}


def chat_messages(request: Request) -> list[dict[str, Any]]:
    """The request's messages in the chat-completions wire format."""
    out = []
    for m in request.messages:
        if all(isinstance(p, TextPart) for p in m.content):
            out.append({"role": m.role, "content": "\n".join(p.text for p in m.content)})  # type: ignore[union-attr]
            continue
        content: list[dict[str, Any]] = []
        for p in m.content:
            if isinstance(p, TextPart):
                content.append({"type": "text", "text": p.text})
            elif p.kind == "image":
                url = f"data:{p.mime};base64,{base64.b64encode(_encoded(p)).decode()}"
                content.append({"type": "image_url", "image_url": {"url": url}})
            elif p.kind == "audio":
                content.append({"type": "input_audio", "input_audio": audio_payload(p)})
            else:
                raise ValueError(f"{p.kind} parts are not supported yet")
        out.append({"role": m.role, "content": content})
    return out


def request_body(model: str, request: Request, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    g = request.generation
    body: dict[str, Any] = {
        "model": model, "messages": chat_messages(request), "max_tokens": g.max_new_tokens,
        "temperature": g.temperature, "top_p": g.top_p, "seed": g.seed,
    }
    if g.stop:
        body["stop"] = list(g.stop)
    body.update(extra or {})
    return body


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAIAdapter(Adapter):
    kind = "openai"
    version = "1"
    Args = OpenAIArgs
    description = "OpenAI-compatible chat completions server (vLLM, SGLang, TGI, hosted APIs); async, retries"
    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, batch=True, decode_media=False)

    def __init__(self, model: str, args: OpenAIArgs) -> None:
        if not model:
            raise AdapterError("openai: give the model name the server serves, e.g. openai:Qwen/Qwen2.5-VL-7B-Instruct")
        if args.concurrency < 1 or args.max_retries < 0:
            raise AdapterError("openai: concurrency must be >= 1 and max_retries >= 0")
        try:
            import httpx  # noqa: F401
        except ImportError as e:
            raise AdapterError("openai: needs httpx: pip install 'omnieval[openai]'") from e
        super().__init__(model, args)
        self._url = args.base_url.rstrip("/") + "/chat/completions"
        # One event loop on its own thread for the adapter's lifetime: one connection pool, reused across batches.
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="omnieval-openai")
        self._thread.start()
        self._client = None

    @property
    def capabilities(self) -> Capabilities:
        # The runner hands over up to this many requests at once; all of them are in flight together.
        return self.declared_capabilities.model_copy(update={"max_batch_size": max(self.args.concurrency, 1) * 4})

    def fingerprint(self) -> dict[str, Any]:
        fp = super().fingerprint()
        # Where the model is served and how it is retried do not change its outputs.
        for key in ("base_url", "api_key_env", "concurrency", "max_retries", "timeout_s", "initial_backoff_s", "max_backoff_s"):
            fp["args"].pop(key, None)
        return fp

    def _headers(self) -> dict[str, str]:
        key = secret(self.args.api_key_env)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    async def _client_get(self):
        import httpx

        if self._client is None:
            limits = httpx.Limits(max_connections=self.args.concurrency, max_keepalive_connections=self.args.concurrency)
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(self.args.timeout_s), limits=limits, headers=self._headers())
        return self._client

    async def _one(self, request: Request, semaphore: asyncio.Semaphore) -> Response:
        import httpx

        try:
            body = request_body(self.model, request, self.args.extra_body)
        except ValueError as e:
            return Response(error=f"openai: cannot encode request: {e}")
        client = await self._client_get()
        attempts = self.args.max_retries + 1
        last = ""
        for attempt in range(1, attempts + 1):
            wait: float | None = None
            async with semaphore:
                start = time.perf_counter()
                try:
                    r = await client.post(self._url, json=body)
                except httpx.TimeoutException:
                    last = f"timeout after {self.args.timeout_s:g} s"
                except httpx.TransportError as e:
                    last = f"connection error: {type(e).__name__}: {e}".rstrip(": ")
                else:
                    latency = time.perf_counter() - start
                    if r.status_code == 200:
                        return self._parse(r, latency)
                    last = f"HTTP {r.status_code}: {r.text[:300]}"
                    if r.status_code not in _RETRY_STATUS:
                        return Response(error=f"{last} ({self._url})")
                    wait = _retry_after(r.headers.get("Retry-After"))
            if attempt < attempts:
                if wait is None:
                    backoff = min(self.args.max_backoff_s, self.args.initial_backoff_s * 2 ** (attempt - 1))
                    wait = backoff * (0.5 + random.random() / 2)
                await asyncio.sleep(min(wait, self.args.max_backoff_s))
        head, _, rest = last.partition(":")
        return Response(error=f"{head} after {attempts} attempts:{rest} ({self._url})")

    def _parse(self, r: Any, latency: float) -> Response:
        try:
            data = r.json()
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
            return Response(error=f"openai: malformed response from {self._url}: {type(e).__name__}: {r.text[:200]}")
        usage = data.get("usage") or {}
        return Response(text=text.strip(), latency_s=latency, input_tokens=usage.get("prompt_tokens"),
                        output_tokens=usage.get("completion_tokens"))

    async def _all(self, requests: list[Request]) -> list[Response]:
        semaphore = asyncio.Semaphore(self.args.concurrency)
        return list(await asyncio.gather(*(self._one(r, semaphore) for r in requests)))

    def generate(self, requests: list[Request]) -> list[Response]:
        return asyncio.run_coroutine_threadsafe(self._all(requests), self._loop).result()

    def close(self) -> None:
        if self._client is not None:
            asyncio.run_coroutine_threadsafe(self._client.aclose(), self._loop).result()
            self._client = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


ADAPTER = OpenAIAdapter
