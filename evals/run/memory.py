"""Process-wide allocator settings that keep a long run's memory flat.

Two allocators otherwise hold on to memory a streaming run has finished with:
glibc raises its mmap threshold after the first large free, so later decoded
images (about 1 MB each) land in fragmented heap arenas shared by the decode
threads; and Arrow's mimalloc pool keeps the row groups it has read. Both are
set once per process by the CLI (a library user may call this too).

Pillow, in turn, gives each freed image back to malloc; with the threshold
fixed, every decoded image is then a fresh mmap whose pages are faulted in
again (about a third of the decode time of a 640x480 JPEG, measured). Pillow's own
block cache keeps freed image blocks for the next decode instead; it never
holds more than the images that were alive at once, which the runner bounds.
"""

from __future__ import annotations

import ctypes
import sys
from evals.settings import pillow_blocks_set_by_user

_M_MMAP_THRESHOLD = -3
_PILLOW_BLOCKS = 256  # a few chunks of decoded images (the runner's chunks hold at most 4 batches of misses)
_done = False


def tune_allocators() -> None:
    """Fix glibc's mmap threshold at 128 KiB, give Arrow the system allocator, let Pillow reuse image blocks.

    Idempotent. ``PILLOW_BLOCKS_MAX``, when set, is Pillow's own setting and is left as it is.
    """
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
    if not pillow_blocks_set_by_user():
        from PIL import Image

        Image.core.set_blocks_max(max(_PILLOW_BLOCKS, Image.core.get_blocks_max()))
