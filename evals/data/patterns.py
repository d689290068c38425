"""Which files of a Hub repo hold a config's split: the dataset card's ``configs:`` block, else the usual parquet layouts."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


def readme_patterns(readme: str, config: str | None, split: str) -> list[str] | None:
    """The ``data_files`` patterns a dataset card's YAML gives ``config``/``split``, or None if it says nothing."""
    m = re.match(r"^---\s*\n(.*?)\n---", readme, re.S)
    meta = _card_yaml(m.group(1)) if m else None
    if not isinstance(meta, dict):
        return None
    for entry in meta.get("configs") or []:
        if not isinstance(entry, dict) or entry.get("config_name", "default") != (config or "default"):
            continue
        files = entry.get("data_files")
        if isinstance(files, str):
            return [files]
        if isinstance(files, dict):
            files = [{"split": k, "path": v} for k, v in files.items()]
        for f in files if isinstance(files, list) else []:
            if isinstance(f, dict) and f.get("split") == split:
                path = f.get("path")
                return [path] if isinstance(path, str) else list(path or [])
        return None
    return None


@lru_cache(maxsize=64)
def _card_yaml(text: str) -> Any:
    """A dataset card's YAML header, parsed once per process (a run opens a mirror's card for every split it reads),
    by libyaml where PyYAML has it: the pure-Python parser took 10-20 ms a card. None if it is not YAML."""
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return None


def default_patterns(config: str | None, split: str) -> list[str]:
    """The parquet layouts Hub repos use when the card does not say (converted repos, lmms-lab repos)."""
    folders = [config] if config else []
    folders += ["data", f"data/{config}"] if config else ["data", "default"]
    out = []
    for folder in folders:
        out += [f"{folder}/{split}-*", f"{folder}/{split}/*", f"{folder}/{split}.parquet"]
    return out + [f"{split}-*.parquet", f"{split}/*"]
