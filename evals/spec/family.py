"""Task families: one YAML file, a base spec and ``variants:`` that each override a few keys.

::

    name: pope                  # the family; not itself a task
    ...base keys...
    variants:
      pope_adversarial: {dataset: {split: adversarial}}
      pope_popular: {dataset: {split: popular}}

Each variant is the base deep-merged with its overrides (mappings merged key by
key, lists and scalars replaced) and named by its key, so a variant validates
and hashes exactly like the single file it stands for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from evals.errors import SpecError
from evals.names import task_name_problem


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` on top: mappings merged recursively, anything else (lists too) replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def is_family(data: Mapping[str, Any]) -> bool:
    """Whether a parsed task file declares variants."""
    return "variants" in data


def variant_overrides(data: Mapping[str, Any], path: str | Path) -> dict[str, dict[str, Any]]:
    """Each variant's name and overrides, checked for shape and names; errors name the file and key."""
    variants = data["variants"]
    if not isinstance(variants, Mapping) or not variants:
        raise SpecError(f"{path}: variants: expected a mapping of task name -> overrides, got {variants!r}")
    family = data.get("name")
    if not isinstance(family, str) or task_name_problem(family):
        why = task_name_problem(family) if isinstance(family, str) else "required: the family's name"
        raise SpecError(f"{path}: name: {why}")
    out: dict[str, dict[str, Any]] = {}
    for name, override in variants.items():
        if not isinstance(name, str) or task_name_problem(name):
            why = task_name_problem(name) if isinstance(name, str) else f"a variant's key is its task name, got {name!r}"
            raise SpecError(f"{path}: variants.{name}: {why}")
        override = {} if override is None else override
        if not isinstance(override, Mapping):
            raise SpecError(f"{path}: variants.{name}: expected a mapping of keys to override, got {override!r}")
        for key in ("name", "variants"):
            if key in override:
                raise SpecError(f"{path}: variants.{name}.{key}: a variant cannot set {key!r} (its name is its key)")
        out[name] = dict(override)
    return out


def variant_data(data: Mapping[str, Any], override: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The full task mapping of one variant: base without ``variants``, overrides merged, ``name`` set."""
    base = {k: v for k, v in data.items() if k != "variants"}
    return {**deep_merge(base, override), "name": name}


def error_key(variant: str, override: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    """Where to point for an error at ``loc`` of a variant: ``variants.<name>.<loc>`` when the variant sets that key.

    An error in a key the variant inherits is in the base; the variant is named
    after it so the reader knows which task failed.
    """
    node: Any = override
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            dotted = ".".join(map(str, loc)) or "<top>"
            return f"{dotted} (variant {variant})"
    return ".".join(["variants", variant, *map(str, loc)])
