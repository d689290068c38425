"""Credentials never reach a file or the terminal: redaction of URLs, arguments and echoed error bodies.

Applied wherever omnieval records or prints something that may carry a key: the
command line in the manifest, model names and fingerprints (hence run
directories and the runs index), and every request error (hence sample records
and the leaderboard). Keys themselves only ever come from named environment
variables (``evals.settings.secret``), whose values are remembered here so that
a server echoing the key back in an error body is redacted too.
"""

from __future__ import annotations

import json
import re
from typing import Any

MASK = "***"
_SECRETS: set[str] = set()

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_QUERY = re.compile(r"(?i)(?P<name>[?&;](?:api[_-]?key|key|token|access[_-]?token|auth|sig|signature|password|secret)=)(?P<value>[^&#\s]+)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_KNOWN_KEYS = re.compile(r"\b(?:sk-[A-Za-z0-9_-]{12,}|sk_[A-Za-z0-9]{12,}|hf_[A-Za-z0-9]{16,}|gsk_[A-Za-z0-9]{16,}|AIza[A-Za-z0-9_-]{30,}|xox[abp]-[A-Za-z0-9-]{10,})")
_SECRET_NAME = re.compile(r"(?i)(api[_-]?key|token|secret|password|passwd|authorization|credential|private[_-]?key|^key$)")
_ASSIGNED = re.compile(r"""(?i)(?P<lead>["']?(?:api[_-]?key|token|secret|password|access[_-]?key)["']?\s*[:=]\s*["']?)(?P<value>[^"',}\s&]{4,})""")


def remember_secret(value: str | None) -> None:
    """Redact ``value`` wherever it appears from now on (a key read from the environment)."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with credentials masked: URL userinfo, key-like query parameters and assignments, bearer tokens, known key formats, remembered secrets."""
    if not text:
        return text
    for secret in _SECRETS:
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _QUERY.sub(lambda m: m["name"] + MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _ASSIGNED.sub(lambda m: m["lead"] + MASK, text)
    return _KNOWN_KEYS.sub(MASK, text)


def redact_value(value: Any, name: str = "") -> Any:
    """A JSON-like value with every secret-named entry masked and every string redacted."""
    if name and _SECRET_NAME.search(name) and value not in (None, "", {}, []):
        return MASK if not isinstance(value, (dict, list)) else redact_value(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


def redact_argv(argv: list[str]) -> list[str]:
    """A command line with credentials masked, including ``-a extra_body={...}`` JSON values."""
    out = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if sep and value.lstrip().startswith(("{", "[")):
            try:
                out.append(f"{key}={json.dumps(redact_value(json.loads(value)), separators=(',', ':'))}")
                continue
            except ValueError:
                pass
        if sep and _SECRET_NAME.search(key.lstrip("-")) and "://" not in value:
            out.append(f"{key}={MASK}")
            continue
        out.append(redact(arg))
    return out
