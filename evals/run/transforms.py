"""Transforms: one planned sample becomes one or more variants, each scored, then combined per sample.

A transform is declared in a task's YAML (``transforms: [{name: circular}]``;
names and option models are declared in ``evals.spec.transforms``) and
implemented here, registered under the same name. It runs between planning
and the engine: ``expand`` turns the fields of one planned sample into
variants (each with a name and parameters that enter its request key and its
records). How the variants' statistics become the question's one row is the
question reducer the transform declares (``evals.spec.transforms``; the
functions are in ``evals.scoring.reducers``), read from the spec by the runner.

Transforms are seeded (``seed`` is the run's seed), so a re-run plans the same
variants and is served from the cache.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from evals.registry import Registry
from evals.scoring.metrics.choice import LETTERS
from evals.spec.transforms import transform_options_model


@dataclass(frozen=True)
class Fields:
    """What a transform may change about one sample before its prompt is rendered."""

    choices: list[str] | None
    references: list[str]


@dataclass(frozen=True)
class Variant:
    """One transformed version of a sample: ``name`` is unique within the sample, ``params`` enter its request key."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    fields: Fields | None = None


class Transform(ABC):
    """A registered transform. ``options`` are validated by ``evals.spec.transforms``."""

    name: ClassVar[str]

    def __init__(self, options: BaseModel, seed: int = 0) -> None:
        self.options, self.seed = options, seed

    @abstractmethod
    def expand(self, sample_id: str, fields: Fields) -> list[Variant]:
        """The variants of one sample, in a fixed order (one variant means: unchanged)."""



TRANSFORMS: Registry[type[Transform]] = Registry("transform")


def register_transform(cls: type[Transform]) -> type[Transform]:
    TRANSFORMS.register(cls.name)(cls)
    return cls


def build_transforms(specs: list[Any], seed: int = 0) -> list[Transform]:
    """The transform objects of a task's ``transforms:`` list, options parsed as the spec declared them."""
    return [TRANSFORMS.get(s.name)(transform_options_model(s.name).model_validate(dict(s.options or {})), seed) for s in specs]


def _reference_index(reference: str, n: int) -> int | None:
    letter = reference.strip().strip("()[]. ").upper()
    return LETTERS.index(letter) if len(letter) == 1 and letter in LETTERS[:n] else None


@register_transform
class Circular(Transform):
    """VLMEvalKit's CircularEval: the options rotated N ways; a question counts only if every rotation is right.

    Rotation ``k`` presents option ``(i + k) mod N`` at position ``i``, so each
    option takes each position once and the reference letter moves with its
    option. Samples without options (MMMU's open questions) or whose reference
    is not an option letter stay as they are.
    """

    name = "circular"

    def expand(self, sample_id: str, fields: Fields) -> list[Variant]:
        choices = fields.choices or []
        n = len(choices)
        ref = _reference_index(fields.references[0], n) if fields.references and n >= 2 else None
        if ref is None:
            return [Variant("")]
        rotations = min(n, self.options.rotations or n)  # type: ignore[attr-defined]
        out = []
        for k in range(rotations):
            rotated = choices[k:] + choices[:k]
            out.append(Variant(f"circular{k}", {"circular": k}, Fields(rotated, [LETTERS[(ref - k) % n]])))
        return out
