"""Process-wide allocator settings that keep a long run's memory flat.

Two allocators otherwise hold on to memory a streaming run has finished with:
glibc raises its mmap threshold after the first large free, so later decoded
images (about 1 MB each) land in fragmented heap arenas shared by the decode
threads; and Arrow's mimalloc pool keeps the row groups it has read. Both are
set once per process by the CLI (a library user may call this too).
"""

from __future__ import annotations

import ctypes
import sys

_M_MMAP_THRESHOLD = -3
_done = False


def tune_allocators() -> None:
    """Fix glibc's mmap threshold at 128 KiB and give Arrow the system allocator. Idempotent."""
    global _done
    if _done:
        return
    _done = True
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
        except (OSError, AttributeError):
            pass  # not glibc (musl): nothing to tune
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
