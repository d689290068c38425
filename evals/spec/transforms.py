"""Transforms a task may declare (``transforms: [circular]``): their names and option models.

A transform turns one planned request into 0..n variants (circular rotations of
multiple-choice options, perturbations). Their implementations live with the
runner; the spec only needs to know which names exist and what options each
accepts, so a typo fails when the task loads.
"""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

_OPTIONS: dict[str, type[BaseModel]] = {}


class TransformOptions(BaseModel):
    """Base of transform option models: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def register_transform(name: str) -> Callable[[type[BaseModel]], type[BaseModel]]:
    """Declare transform ``name`` with the decorated class as its options model."""

    def decorate(model: type[BaseModel]) -> type[BaseModel]:
        if name in _OPTIONS:
            raise ValueError(f"transform {name!r} is declared twice")
        _OPTIONS[name] = model
        return model

    return decorate


def transform_names() -> list[str]:
    """Every declared transform name, sorted."""
    return sorted(_OPTIONS)


def transform_options_model(name: str) -> type[BaseModel]:
    """The options model of transform ``name``; ``KeyError`` naming the known ones if there is none."""
    try:
        return _OPTIONS[name]
    except KeyError:
        raise KeyError(f"unknown transform {name!r}; known: {', '.join(transform_names())}") from None


@register_transform("circular")
class CircularOptions(TransformOptions):
    """Circular multiple choice (VLMEvalKit): the question is asked once per rotation of its options."""

    rotations: int | None = Field(None, ge=1, description="rotations per question; None: as many as the question has options")
