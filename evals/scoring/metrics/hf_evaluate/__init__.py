"""Hugging Face ``evaluate`` wrappers around omnieval scorers.

Each folder is an ``evaluate`` metric script: ``evaluate.load(str(folder))``
works offline and ``.compute(predictions=..., references=...)`` returns the
same numbers as the omnieval scorer of that name (they call it). ``evals``
must be importable where the metric runs. ``metric_dir(name)`` gives the path.
"""

from __future__ import annotations

from pathlib import Path

AVAILABLE = ("anls", "cer", "vqa_accuracy", "wer")


def metric_dir(name: str) -> Path:
    if name not in AVAILABLE:
        raise KeyError(f"no evaluate wrapper for {name!r}; available: {', '.join(AVAILABLE)}")
    return Path(__file__).with_name(name)
