"""Process-wide allocator settings that keep a long run's memory flat without paying page faults.

glibc adapts its mmap threshold (raising it after the first large free) and its trim
threshold with it; setting either by hand freezes both. The CLI sets both: blocks of
4 MiB and more (whole batches of pixels) are mmapped and returned when freed; smaller
ones (a decoded 640x480 image, a processor's pixel array, an encoded JPEG) are reused
from the heap, which is trimmed only past 64 MiB of free space at its top. (The
previous fixed 128 KiB threshold left trimming at 128 KiB too and made every
image-sized buffer a fresh mmap: a processor call cost 4.9 instead of 3.0 ms an image
here.) Arrow gets the system allocator, so the row groups it has read are freed, not
pooled. Measured with `benchmarks/run.py`'s harness: peak RSS 434 MB at 20,000
samples against 415 MB at 2,000.

Pillow, in turn, gives each freed image back to malloc; its own block cache keeps
freed image blocks for the next decode instead; it never holds more than the images
that were alive at once, which the runner bounds.
"""

from __future__ import annotations

import ctypes
import sys
from evals.settings import pillow_blocks_set_by_user

_M_MMAP_THRESHOLD = -3
_M_TRIM_THRESHOLD = -1
_MMAP_THRESHOLD = 4 << 20
_TRIM_THRESHOLD = 64 << 20
_PILLOW_BLOCKS = 256  # a few chunks of decoded images (the runner's chunks hold at most 4 batches of misses)
_done = False


def tune_allocators() -> None:
    """Fix glibc's mmap (4 MiB) and trim (64 MiB) thresholds, give Arrow the system allocator, let Pillow reuse image blocks.

    Idempotent. ``PILLOW_BLOCKS_MAX``, when set, is Pillow's own setting and is left as it is.
    """
    global _done
    if _done:
        return
    _done = True
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
        except (OSError, AttributeError):
            pass  # not glibc (musl): nothing to tune
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    if not pillow_blocks_set_by_user():
        from PIL import Image

        Image.core.set_blocks_max(max(_PILLOW_BLOCKS, Image.core.get_blocks_max()))
