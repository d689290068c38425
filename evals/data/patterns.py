"""Which files of a Hub repo hold a config's split: the dataset card's ``configs:`` block, else the usual parquet layouts."""

from __future__ import annotations

import re


def readme_patterns(readme: str, config: str | None, split: str) -> list[str] | None:
    """The ``data_files`` patterns a dataset card's YAML gives ``config``/``split``, or None if it says nothing."""
    import yaml

    m = re.match(r"^---\s*\n(.*?)\n---", readme, re.S)
    if not m:
        return None
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        return None
    for entry in meta.get("configs") or []:
        if entry.get("config_name", "default") != (config or "default"):
            continue
        files = entry.get("data_files")
        if isinstance(files, str):
            return [files]
        if isinstance(files, dict):
            files = [{"split": k, "path": v} for k, v in files.items()]
        for f in files or []:
            if isinstance(f, dict) and f.get("split") == split:
                path = f.get("path")
                return [path] if isinstance(path, str) else list(path or [])
        return None
    return None


def default_patterns(config: str | None, split: str) -> list[str]:
    """The parquet layouts Hub repos use when the card does not say (converted repos, lmms-lab repos)."""
    folders = [config] if config else []
    folders += ["data", f"data/{config}"] if config else ["data", "default"]
    out = []
    for folder in folders:
        out += [f"{folder}/{split}-*", f"{folder}/{split}/*", f"{folder}/{split}.parquet"]
    return out + [f"{split}-*.parquet", f"{split}/*"]
