"""Reaching the Hugging Face Hub: probed once per process, before the first Hub request.

Without a network, ``huggingface_hub`` retries every request with back-off (about 25 s
per file) before ``datasets`` or ``transformers`` give up. One short TCP probe of the
Hub endpoint avoids that: when it fails, the process switches both libraries to
offline mode, so files already in the local cache still load and the rest fail at
once, and errors can say why (`unreachable_reason`).
"""

from __future__ import annotations

import socket
import sys
import threading
from urllib.parse import urlsplit

from evals.settings import hub_offline_flag

PROBE_TIMEOUT_S = 3.0

_lock = threading.Lock()
_probed = False
_reason: str | None = None


def _flag_set() -> bool:
    return (hub_offline_flag() or "").strip().lower() in ("1", "true", "yes", "on")


def _go_offline() -> None:
    # Both libraries copy the flag into module constants at import; they read those
    # constants on every request, so setting them here takes effect at once.
    import huggingface_hub.constants as hub_constants

    hub_constants.HF_HUB_OFFLINE = True
    if "datasets.config" in sys.modules:
        sys.modules["datasets.config"].HF_HUB_OFFLINE = True


def ensure_hub_or_offline() -> str | None:
    """Probe the Hub endpoint once; return why it is unreachable (offline mode now on), or None when it answers.

    ``HF_HUB_OFFLINE=1`` counts as unreachable without a probe.
    """
    global _probed, _reason
    with _lock:
        if _probed:
            return _reason
        _probed = True
        if _flag_set():
            _reason = "HF_HUB_OFFLINE is set"
            return _reason
        from huggingface_hub import constants

        url = urlsplit(constants.ENDPOINT)
        host = url.hostname or "huggingface.co"
        port = url.port or (80 if url.scheme == "http" else 443)
        try:
            with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
                pass
        except OSError as e:
            _reason = f"the Hub is unreachable ({host}:{port}: {e.strerror or type(e).__name__})"
            _go_offline()
        return _reason


def unreachable_reason() -> str | None:
    """Why the Hub is unreachable, if a probe found so (or HF_HUB_OFFLINE is set); None otherwise."""
    return _reason
