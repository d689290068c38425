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
- ``timeout_s`` bounds each whole attempt (connect, send and every read), so a
  server that trickles its answer a byte at a time is a timeout, not a stall.
- A 200 whose completion is empty (``content`` null, missing or blank; no
  choices or no message) is that request's error, so it is never cached and a
  resume asks again; ``allow_empty=true`` makes empty content a legitimate answer.
- Failures a retry cannot fix (connection refused, unknown host, HTTP
  401/403/404, an unknown model) stop the adapter after ``fail_fast_after``
  identical ones in a row: every later request fails at once with one line
  naming the cause. Any other outcome breaks the streak; 0 turns this off.
- ``http://`` servers (vLLM, SGLang, ... on a cluster or this machine) are spoken to by
  a small built-in HTTP/1.1 client: httpx costs ~1 ms of Python per request, a fifth
  of the throughput at 32 in flight. It does not use proxy environment variables;
  ``http_client=httpx`` does. ``https://`` always goes through httpx.
- Several replicas of one server: ``base_url=http://a:8000/v1,http://b:8000/v1`` (comma-separated). Each attempt
  goes to the least-loaded healthy replica, ``concurrency`` in flight on each; a replica that fails (refused, or
  dropped, timed out or 5xx ``max_retries + 1`` times in a row) is taken out and probed again after a back-off; a
  request whose connection it refused or dropped goes to another replica at once. When every replica is out, a request fails with one line
  naming each and why (``evals/adapters/replicas.py``). The URLs are not part of the model's identity.
- The API key is read from the environment variable named by ``api_key_env``;
  only that name is recorded, never the key.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import errno
import io
import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field

from evals.adapters.base import Adapter, AdapterArgs, Capabilities
from evals.adapters.replicas import ReplicaPool, split_base_urls
from evals.errors import AdapterError
from evals.requests import MediaPart, Request, Response, TextPart, VideoFrames
from evals.settings import secret

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_FATAL_STATUS = {401, 403, 404}
# A server naming the model as unknown: vLLM/OpenAI answer 404, others 400 or 422.
_UNKNOWN_MODEL = re.compile(
    r"(?is)model_not_found|(unknown|invalid) model|model\b.{0,120}\b(not found|does not exist|doesn't exist|not exist|unknown|no such)")

# A server refusing a prompt longer than the model's context, in the words of OpenAI, vLLM, SGLang, TGI, llama.cpp and
# transformers serve (>= 5.25). Not retried and not a reason to stop the run (a shorter prompt may fit), but named,
# so that a judge prompt too long for the judge reads as that, not as an unexplained HTTP 400.
_TOO_LONG = re.compile(
    r"(?is)context_length_exceeded|maximum context length|exceeds? the (available )?context|context (length|size|window)"
    r".{0,80}(exceed|too long|longer)|longer than the model'?s context|prompt has \d+ tokens, but the model takes at most"
    r"|tokens \+ `?max_new_tokens`? must be <=")


class OpenAIArgs(AdapterArgs):
    base_url: str = Field("http://localhost:8000/v1", description="the server's /v1 URL; several replicas of it comma-separated")
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 8
    max_retries: int = 3
    timeout_s: float = 120.0
    initial_backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    extra_body: dict[str, Any] = {}
    allow_empty: bool = Field(False, description="an empty completion (content null or blank) is a legitimate answer, not an error")
    video_url: bool = Field(False, description="send a video as a video_url data URL of the file (servers that sample it themselves, "
                            "vLLM) instead of the task's sampled frames; only for whole clips without a separate sound track")
    fail_fast_after: int = Field(8, ge=0, description="after this many identical failures in a row that a retry cannot fix, fail the rest at once; 0: never")
    http_client: Literal["auto", "builtin", "httpx"] = Field(
        "auto", description="auto: the built-in HTTP/1.1 client for http:// (fast; proxy variables unused), httpx for https://")


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


def video_content(clip: VideoFrames) -> list[dict[str, Any]]:
    """A sampled video as chat content: each frame a JPEG data URL after a ``Frame at 12.0 s:`` line (servers that take
    images take videos this way), then the sound track as ``input_audio`` when the task asked for it."""
    content: list[dict[str, Any]] = []
    for t, frame in zip(clip.timestamps, clip.frames):
        buf = io.BytesIO()
        frame.save(buf, format="JPEG", quality=90)
        content.append({"type": "text", "text": f"Frame at {t:.1f} s:"})
        content.append({"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{base64.b64encode(buf.getvalue()).decode()}"}})
    if clip.audio is not None:
        content.append({"type": "input_audio", "input_audio": _wav_payload(*clip.audio)})
    return content


def _wav_payload(samples: Any, rate: int) -> dict[str, str]:
    import soundfile as sf

    out = io.BytesIO()
    sf.write(out, samples, rate, format="WAV", subtype="PCM_16")
    return {"data": base64.b64encode(out.getvalue()).decode(), "format": "wav"}


def chat_messages(request: Request, video_url: bool = False) -> list[dict[str, Any]]:
    """The request's messages in the chat-completions wire format (a video as its timed frames, or with ``video_url`` as
    the file itself)."""
    out = []
    for m in request.messages:
        if all(isinstance(p, TextPart) for p in m.content):
            out.append({"role": m.role, "content": "\n".join(p.text for p in m.content)})  # type: ignore[union-attr]
            continue
        content: list[dict[str, Any]] = []
        for p in m.content:
            if isinstance(p, TextPart):
                content.append({"type": "text", "text": p.text})
            elif p.kind == "image" and p.needs_decoding:  # perturbed, or a frame of a video: the engine decoded it; send it as PNG
                buf = io.BytesIO()
                request.media.image(p).save(buf, format="PNG")
                content.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"}})
            elif p.kind == "image":
                url = f"data:{p.mime};base64,{base64.b64encode(_encoded(p)).decode()}"
                content.append({"type": "image_url", "image_url": {"url": url}})
            elif p.kind == "audio" and p.condition is not None:
                content.append({"type": "input_audio", "input_audio": _wav_payload(*request.media.audio(p))})
            elif p.kind == "audio":
                content.append({"type": "input_audio", "input_audio": audio_payload(p)})
            elif p.kind == "video" and video_url:
                sampling = p.sampling
                if sampling is not None and (sampling.start_s is not None or sampling.end_s is not None or sampling.audio):
                    raise ValueError("video_url sends whole files: this task asks for a segment or a sound track (drop -a video_url)")
                if p.condition is not None:
                    raise ValueError(f"video_url sends whole files: the condition {p.condition} changes the sampled frames (drop -a video_url)")
                content.append({"type": "video_url", "video_url": {"url": f"data:{p.mime};base64,{base64.b64encode(_encoded(p)).decode()}"}})
            elif p.kind == "video":
                content.extend(video_content(request.media.video(p)))
            else:
                raise ValueError(f"{p.kind} parts are not supported yet")
        out.append({"role": m.role, "content": content})
    return out


def request_body(model: str, request: Request, extra: dict[str, Any] | None = None, video_url: bool = False) -> dict[str, Any]:
    g = request.generation
    body: dict[str, Any] = {
        "model": model, "messages": chat_messages(request, video_url), "max_tokens": g.max_new_tokens,
        "temperature": g.temperature, "top_p": g.top_p, "seed": g.seed,
    }
    if g.stop:
        body["stop"] = list(g.stop)
    body.update(extra or {})
    return body


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(text[:limit].split())


def _connect_reason(e: BaseException) -> str:
    """Why a connection could not be made: the OS error under httpx's "All connection attempts failed"."""
    seen: BaseException | None = e
    for _ in range(8):
        if seen is None:
            break
        # asyncio joins the failures of several addresses (localhost: ::1 and 127.0.0.1) into one OSError without errno.
        if isinstance(seen, ConnectionRefusedError) or f"[Errno {errno.ECONNREFUSED}]" in str(seen):
            return "connection refused"
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
        seen = seen.__cause__ or seen.__context__
    return str(e) or type(e).__name__


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


class _ConnectFailed(Exception):
    """No connection could be made (refused, unknown host): the same on every try."""


class _Dropped(Exception):
    """The connection broke or the server spoke something other than HTTP/1.1."""


class _Stale(Exception):
    """A kept-alive connection the server had closed before our request reached it."""


@dataclass
class _Reply:
    status: int
    headers: dict[str, str]  # lower-cased names
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


_MAX_REPLY = 64 * 1024 * 1024
_MAX_HEADERS = 200


class _PlainHttp:
    """A small HTTP/1.1 client for one ``http://`` origin: keep-alive connections, used from one event loop.

    Local inference servers are where hundreds of requests a second are asked of this
    adapter; httpx spends ~1 ms of Python per request (its pool rescans every connection
    on every event), which at 32 in flight costs a fifth of the throughput. This speaks
    just what a chat-completions exchange needs: one POST, a Content-Length, chunked or
    close-delimited reply, optionally gzip/deflate-encoded. ``https://`` goes through httpx.
    """

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise AdapterError(f"openai: the built-in client speaks http:// only, not {url!r}; use http_client=httpx")
        try:
            self.host, self.port = parts.hostname, parts.port or 80
        except ValueError as e:
            raise AdapterError(f"openai: bad base_url {url!r}: {e}") from None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        if ":" in parts.hostname:
            host = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
        fixed = {"Host": host, "User-Agent": "omnieval", "Accept": "application/json", "Accept-Encoding": "gzip, deflate", **headers}
        if parts.username is not None and "Authorization" not in fixed:
            user_pass = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            fixed["Authorization"] = "Basic " + base64.b64encode(user_pass).decode()
        if any("\r" in v or "\n" in v for v in fixed.values()):
            raise AdapterError("openai: a header value (the API key?) contains a line break")
        try:
            self._head = (f"POST {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fixed.items())).encode("latin-1")
        except UnicodeEncodeError:
            raise AdapterError("openai: a header value (the API key?) or the URL has characters HTTP headers cannot carry") from None
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        except OSError as e:
            raise _ConnectFailed(_connect_reason(e)) from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    def _take_idle(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        while self._idle:
            reader, writer = self._idle.pop()  # the most recently used: the likeliest still open
            if reader.at_eof() or writer.is_closing():
                writer.close()
                continue
            return reader, writer
        return None

    async def post(self, body: bytes) -> _Reply:
        conn = self._take_idle()
        for fresh in ((False, True) if conn is not None else (True,)):
            if fresh:
                conn = await self._connect()
            reader, writer = conn  # type: ignore[misc]
            try:
                reply, keep = await self._exchange(reader, writer, body, reused=not fresh)
            except _Stale:
                writer.close()
                continue
            except BaseException:  # a timeout or cancellation mid-exchange leaves the connection unusable
                writer.close()
                raise
            if keep:
                self._idle.append((reader, writer))
            else:
                writer.close()
            return reply
        raise _Dropped("the server closed the connection without a response")

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes, reused: bool) -> tuple[_Reply, bool]:
        try:
            writer.write(self._head + b"Content-Length: %d\r\n\r\n" % len(body))
            writer.write(body)
            await writer.drain()
            line = await reader.readline()
        except OSError as e:
            if reused:
                raise _Stale from None
            raise _Dropped(f"{type(e).__name__}: {e}") from None
        if not line:
            if reused:
                raise _Stale
            raise _Dropped("the server closed the connection without a response")
        try:
            while True:  # interim 1xx replies come before the real one
                version, status, headers = self._status_and_headers(line, await self._header_lines(reader))
                if not 100 <= status < 200:
                    break
                line = await reader.readline()
            content, delimited = await self._body(reader, headers)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            raise _Dropped(f"{type(e).__name__}: {e}") from None
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            content = self._decompress(content, encoding)
        elif encoding not in ("identity", ""):
            raise _Dropped(f"unsupported Content-Encoding {encoding!r}")
        connection = headers.get("connection", "").lower()
        keep = delimited and "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
        return _Reply(status, headers, content), keep

    @staticmethod
    async def _header_lines(reader: asyncio.StreamReader) -> list[bytes]:
        lines = []
        for _ in range(_MAX_HEADERS):
            line = await reader.readline()
            if line in (b"\r\n", b"\n"):
                return lines
            if not line:
                raise _Dropped("the connection closed inside the response headers")
            lines.append(line)
        raise _Dropped(f"more than {_MAX_HEADERS} response headers")

    @staticmethod
    def _status_and_headers(line: bytes, lines: list[bytes]) -> tuple[str, int, dict[str, str]]:
        version, _, rest = line.decode("latin-1").strip().partition(" ")
        if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
            raise _Dropped(f"not an HTTP/1.x response: {_one_line(line.decode('latin-1'), 80)!r}")
        headers: dict[str, str] = {}
        for raw in lines:
            name, sep, value = raw.decode("latin-1").partition(":")
            if sep:
                key = name.strip().lower()
                headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        return version, int(rest[:3]), headers

    @staticmethod
    async def _body(reader: asyncio.StreamReader, headers: dict[str, str]) -> tuple[bytes, bool]:
        """The reply body, and whether its end was delimited (so the connection can be reused)."""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks, total = [], 0
            while True:  # ends at the zero-size chunk; bounded by _MAX_REPLY
                size = int((await reader.readline()).split(b";")[0].strip() or b"x", 16)
                if size == 0:
                    await _PlainHttp._header_lines(reader)  # trailers
                    return b"".join(chunks), True
                total += size
                if total > _MAX_REPLY:
                    raise _Dropped(f"response larger than {_MAX_REPLY} bytes")
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
        if "content-length" in headers:
            n = int(headers["content-length"].split(",")[0])
            if n > _MAX_REPLY:
                raise _Dropped(f"response larger than {_MAX_REPLY} bytes")
            return await reader.readexactly(n), True
        data = bytearray()  # delimited by the server closing the connection
        while len(data) <= _MAX_REPLY:
            more = await reader.read(1 << 16)
            if not more:
                return bytes(data), False
            data += more
        raise _Dropped(f"response larger than {_MAX_REPLY} bytes")

    @staticmethod
    def _decompress(content: bytes, encoding: str) -> bytes:
        import zlib

        d = zlib.decompressobj(zlib.MAX_WBITS | 32 if encoding != "deflate" else zlib.MAX_WBITS)
        try:
            out = d.decompress(content, _MAX_REPLY)
        except zlib.error as e:
            if encoding != "deflate":
                raise _Dropped(f"bad {encoding} body: {e}") from None
            out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(content, _MAX_REPLY)  # raw deflate, as some servers send
        if d.unconsumed_tail:
            raise _Dropped(f"response inflates past {_MAX_REPLY} bytes")
        return out

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop()[1].close()


class _HttpxClient:
    """``https://`` (and ``http_client=httpx``): httpx, with its TLS set-up, proxies from the environment and HTTP/1.1 details."""

    def __init__(self, url: str, headers: dict[str, str], concurrency: int, timeout_s: float) -> None:
        import httpx

        self.url = url
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        # httpx's timeout bounds each phase (connect, one read, one write); the adapter bounds the whole attempt.
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s), limits=limits, headers=headers)

    async def post(self, body: bytes) -> _Reply:
        import httpx

        try:
            r = await self.client.post(self.url, content=body)
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.ConnectError as e:
            raise _ConnectFailed(_connect_reason(e)) from None
        except httpx.TransportError as e:
            raise _Dropped(f"{type(e).__name__}: {e}") from None
        return _Reply(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content)

    async def aclose(self) -> None:
        await self.client.aclose()


class OpenAIAdapter(Adapter):
    kind = "openai"
    version = "1"
    Args = OpenAIArgs
    description = "OpenAI-compatible chat completions server (vLLM, SGLang, TGI, hosted APIs); async, retries"
    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, video=True, batch=True, decode_media=False,
                                         decode_video=True)

    def __init__(self, model: str, args: OpenAIArgs) -> None:
        if not model:
            raise AdapterError("openai: give the model name the server serves, e.g. openai:Qwen/Qwen2.5-VL-7B-Instruct")
        if args.concurrency < 1 or args.max_retries < 0 or args.timeout_s <= 0:
            raise AdapterError("openai: concurrency must be >= 1, max_retries >= 0 and timeout_s > 0")
        super().__init__(model, args)
        try:
            urls = [u + "/chat/completions" for u in split_base_urls(args.base_url)]
        except ValueError as e:
            raise AdapterError(f"openai: {e}") from None
        self._url = ", ".join(urls)
        self._urls = urls
        schemes = {urlsplit(u).scheme for u in urls}
        self._builtin = args.http_client == "builtin" or (args.http_client == "auto" and schemes == {"http"})
        if self._builtin:
            for u in urls:
                _PlainHttp(u, {})  # checks the URL now, not at the first request
        else:
            try:
                import httpx  # noqa: F401
            except ImportError as e:
                raise AdapterError("openai: https:// needs httpx: pip install 'omnieval[openai]'") from e
        # One event loop on its own thread for the adapter's lifetime: one connection pool, reused across batches.
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="omnieval-openai")
        self._thread.start()
        self._client = None
        self._pool: ReplicaPool | None = None  # several base URLs: made on the loop's thread at the first request
        # Failures a retry cannot fix, in the order they happened (touched only on the loop's thread).
        self._streak_kind: str | None = None
        self._streak = 0
        self._stopped: str | None = None
        """Set once ``fail_fast_after`` identical unfixable failures came in a row: every later request's error."""

    @property
    def capabilities(self) -> Capabilities:
        # The runner hands over up to this many requests at once; all of them are in flight together.
        return self.declared_capabilities.model_copy(update={"max_batch_size": max(self.args.concurrency, 1) * 4 * len(self._urls)})

    def fingerprint(self) -> dict[str, Any]:
        fp = super().fingerprint()
        # Where the model is served and how it is retried do not change its outputs.
        for key in ("base_url", "api_key_env", "concurrency", "max_retries", "timeout_s", "initial_backoff_s", "max_backoff_s",
                    "fail_fast_after", "http_client"):
            fp["args"].pop(key, None)
        # Accepting empty answers changes what is stored: such a run has its own identity (and cache entries),
        # while the default keeps the fingerprint runs had before the argument existed.
        if not self.args.video_url:  # added later: at its default, model identities are as they were
            fp["args"].pop("video_url", None)
        if not self.args.allow_empty:
            fp["args"].pop("allow_empty", None)
        return fp

    def _headers(self) -> dict[str, str]:
        key = secret(self.args.api_key_env)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    async def _client_get(self) -> _PlainHttp | _HttpxClient:
        if self._client is None:
            headers = self._headers()
            self._client = _PlainHttp(self._url, headers) if self._builtin else \
                _HttpxClient(self._url, headers, self.args.concurrency, self.args.timeout_s)
        return self._client

    @staticmethod
    def _unfixable(status: int, text: str) -> str | None:
        """The kind of an HTTP failure that no retry can fix (bad key, wrong URL, unknown model), or None."""
        if status in (400, 404, 422) and _UNKNOWN_MODEL.search(text[:2000]):
            return "unknown model"
        if status in _FATAL_STATUS:
            return f"HTTP {status}"
        return None

    def _note(self, kind: str | None, error: str = "") -> None:
        """Record one attempt's outcome: ``kind`` names a failure a retry cannot fix, None anything else."""
        if kind != self._streak_kind:
            self._streak_kind, self._streak = kind, 0
        if kind is None:
            return
        self._streak += 1
        n = self.args.fail_fast_after
        if n and self._streak >= n and self._stopped is None:
            self._stopped = (f"not sent: the previous {self._streak} attempts failed in a row with an error a retry cannot fix "
                             f"({_one_line(error, 240)}) ({self._url}); fix that and run again (fail_fast_after={n})")

    async def _attempt(self, client: _PlainHttp | _HttpxClient, body: bytes, replica: str | None = None
                       ) -> tuple[Response | None, str, float | None]:
        """One POST, bounded as a whole by ``timeout_s``: (the final response, or None to retry; the error; Retry-After).
        To a ``replica``, a connection that cannot be made raises ``_ConnectFailed``: the replica is out, not the run."""
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self.args.timeout_s):
                r = await client.post(body)
        except TimeoutError:
            self._note(None)
            return None, f"timeout: no complete response within timeout_s={self.args.timeout_s:g} s", None
        except _ConnectFailed as e:
            if replica is not None:
                raise
            last = f"connection error: {e}"
            self._note(last, last)  # refused or unknown host: the same on every try
            return None, last, None
        except _Dropped as e:
            self._note(None)
            return None, f"connection error: {_one_line(str(e))}", None
        latency = time.perf_counter() - start
        if r.status == 200:
            self._note(None)
            return self._parse(r, latency), "", None
        text = r.text
        last = f"HTTP {r.status}: {_one_line(text)}"
        self._note(self._unfixable(r.status, text), last)
        if r.status not in _RETRY_STATUS:
            if r.status in (400, 413, 422) and _TOO_LONG.search(text[:2000]):
                last = f"prompt too long for the model's context: {last}"
            return Response(error=f"{last} ({replica or self._url})"), last, None
        return None, last, _retry_after(r.headers.get("retry-after"))

    async def _one(self, request: Request, semaphore: asyncio.Semaphore) -> Response:
        if self._stopped:
            return Response(error=self._stopped)
        try:
            body = json.dumps(request_body(self.model, request, self.args.extra_body, self.args.video_url), separators=(",", ":")).encode()
        except ValueError as e:
            return Response(error=f"openai: cannot encode request: {e}")
        if len(self._urls) > 1:
            return await self._routed(body)
        client = await self._client_get()
        attempts = self.args.max_retries + 1
        last = ""
        for attempt in range(1, attempts + 1):
            async with semaphore:
                if self._stopped:  # tripped while this request waited for a slot or backed off
                    return Response(error=self._stopped)
                final, last, wait = await self._attempt(client, body)
            if final is not None:
                return final
            if attempt < attempts:
                if wait is None:
                    backoff = min(self.args.max_backoff_s, self.args.initial_backoff_s * 2 ** (attempt - 1))
                    wait = backoff * (0.5 + random.random() / 2)
                await asyncio.sleep(min(wait, self.args.max_backoff_s))
        head, _, rest = last.partition(":")
        return Response(error=f"{head} after {attempts} attempt{'s' if attempts > 1 else ''}:{rest} ({self._url})")

    async def _routed(self, body: bytes) -> Response:
        """One request over the replicas, each retry preferring a replica it has not tried. A connection refused or
        dropped sends it on to another at once, uncounted while an untried one is healthy; a timeout or a 5xx, a round
        over all of them, any other retryable failure and a wait while every replica is out each cost one of the
        ``max_retries + 1`` attempts, as with one URL."""
        if self._pool is None:
            headers = self._headers()
            make = (lambda u: _PlainHttp(u, headers)) if self._builtin else \
                (lambda u: _HttpxClient(u, headers, self.args.concurrency, self.args.timeout_s))
            self._pool = ReplicaPool(self._urls, make, self.args.concurrency, self.args.max_retries + 1,
                                     self.args.initial_backoff_s, self.args.max_backoff_s)
        pool, attempts = self._pool, self.args.max_retries + 1
        tried: set = set()
        tries, last, where = 0, "", ""
        while tries < attempts:
            if self._stopped:
                return Response(error=self._stopped)
            replica = await pool.acquire(tried)
            if replica is None:  # every replica is out: wait for the first probe
                tries += 1
                if tries < attempts:
                    await asyncio.sleep(min(pool.next_probe_in(), self.args.max_backoff_s))
                continue
            refused = False
            try:
                final, last, wait = await self._attempt(replica.client, body, replica.url)
            except _ConnectFailed as e:
                final, last, wait, refused = None, f"connection error: {e}", None, True
            fault = None if final is not None or last.startswith("HTTP 4") else _one_line(last, 160)
            await pool.release(replica, fault, refused)
            if final is not None:
                return final
            where = replica.url
            if fault is not None:
                fresh = replica not in tried
                tried.add(replica)  # the retry prefers another replica
                if len(tried) >= len(pool):
                    tried.clear()
                elif fresh and fault.startswith("connection error"):
                    continue  # the replica broke the connection (died?): on to another at once, uncounted
            tries += 1
            if tries < attempts:
                backoff = min(self.args.max_backoff_s, self.args.initial_backoff_s * 2 ** (tries - 1))
                await asyncio.sleep(min(wait if wait is not None else backoff * (0.5 + random.random() / 2), self.args.max_backoff_s))
        if pool.all_down():
            why = f"{pool.down_message()}; start them or leave them out of base_url, and run again (what was answered is kept)"
            if self.args.fail_fast_after and self._stopped is None:
                self._stopped = f"not sent: {why}"
            return Response(error=why)
        head, _, rest = last.partition(":")
        return Response(error=f"{head} after {attempts} attempt{'s' if attempts > 1 else ''}:{rest} ({where})")

    def _empty(self, why: str, choice: dict[str, Any] | None) -> Response:
        finish = choice.get("finish_reason") if isinstance(choice, dict) else None
        tail = f"; finish_reason={finish}" if finish else ""
        return Response(error=f"empty completion: {why}{tail} ({self._url}); pass allow_empty=true if empty answers are legitimate")

    def _parse(self, r: _Reply, latency: float) -> Response:
        """A 200's completion; an empty or missing one is an error (never cached), unless ``allow_empty``."""
        def malformed(what: str) -> Response:
            return Response(error=f"openai: malformed response from {self._url}: {what}: {_one_line(r.text, 200)}")

        try:
            data = json.loads(r.content)
        except ValueError as e:
            return malformed(f"not JSON ({e})")
        if not isinstance(data, dict):
            return malformed("not a JSON object")
        choices = data.get("choices")
        if not choices:
            return self._empty("the response has no choices", None)
        choice = choices[0] if isinstance(choices, list) else None
        if not isinstance(choice, dict):
            return malformed("choices[0] is not an object")
        message = choice.get("message")
        if message is None:
            return self._empty("choices[0] has no message", choice)
        if not isinstance(message, dict):
            return malformed("choices[0].message is not an object")
        content = message.get("content")
        if isinstance(content, list):  # a few servers answer with content parts
            content = "".join(p.get("text") or "" for p in content if isinstance(p, dict) and p.get("type") in ("text", "output_text"))
        elif content is not None and not isinstance(content, str):
            return malformed("choices[0].message.content is not a string")
        text = (content or "").strip()
        if not text and not self.args.allow_empty:
            if "content" not in message:
                why = "the message has no content"
            elif content is None:
                why = "content is null"
            else:
                why = "content is empty" if not content else "content is only whitespace"
            reasoning = message.get("reasoning_content") or message.get("reasoning")
            if isinstance(reasoning, str) and reasoning.strip():
                why += (f" but reasoning_content has {len(reasoning)} characters: a reasoning model that never reached its answer "
                        f"(raise max_new_tokens?)")
            return self._empty(why, choice)
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        details = usage.get("completion_tokens_details") if isinstance(usage.get("completion_tokens_details"), dict) else {}
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        reasoning_tokens = details.get("reasoning_tokens")
        return Response(text=text, latency_s=latency, input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens"),
                        reasoning=reasoning if isinstance(reasoning, str) and reasoning.strip() else None,
                        reasoning_tokens=reasoning_tokens if isinstance(reasoning_tokens, int) and reasoning_tokens > 0 else None)

    async def _all(self, requests: list[Request]) -> list[Response]:
        semaphore = asyncio.Semaphore(self.args.concurrency)  # one server's; the replica pool bounds each replica's
        return list(await asyncio.gather(*(self._one(r, semaphore) for r in requests)))

    def generate(self, requests: list[Request]) -> list[Response]:
        if self._stopped:  # nothing goes on the wire any more
            return [Response(error=self._stopped) for _ in requests]
        return asyncio.run_coroutine_threadsafe(self._all(requests), self._loop).result()

    def close(self) -> None:
        if self._client is not None:
            asyncio.run_coroutine_threadsafe(self._client.aclose(), self._loop).result()
            self._client = None
        if self._pool is not None:
            asyncio.run_coroutine_threadsafe(self._pool.aclose(), self._loop).result()
            self._pool = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


ADAPTER = OpenAIAdapter
