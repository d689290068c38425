"""Files written whole and read only from where they belong.

A file is written under a temporary name of its own (this process, this call) and renamed into place, so a reader
never sees half of it and two writers never share a temporary. Files named by what a run directory says (task keys,
run ids) are opened only inside that directory: a name that would lead out of it, or a symbolic link that points
out of it, is refused.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def temp_beside(path: Path) -> Path:
    """A temporary name in ``path``'s folder, unique to this process and this call (hidden: no glob of ``*.json`` sees it)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def write_text_atomic(path: Path, text: "str | bytes") -> None:
    """Write ``text`` (or bytes) to ``path`` whole: under a temporary name of its own, then renamed into place."""
    tmp = temp_beside(path)
    try:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            tmp.write_text(text)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class OutsideRoot(ValueError):
    """A path read back from a run directory leads out of it."""


def inside(root: Path, *parts: str) -> Path:
    """``root / parts``, refused (``OutsideRoot``) when a part is absolute or has ``..``, or when the path, once
    symbolic links are followed, is not under ``root`` (itself resolved)."""
    for part in parts:
        if not part or Path(part).is_absolute() or ".." in Path(part).parts or "\x00" in part:
            raise OutsideRoot(f"{part!r} is not a name inside {root}")
    path = root.joinpath(*parts)
    # os.path on strings, not Path.resolve and .parents: a leaderboard checks every records file of every run it reads
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise OutsideRoot(f"{path} leads out of {root} (to {real})")
    return path
