"""Transforms a task may declare (``transforms: [circular]``): their names and option models.

A transform turns one planned request into 0..n variants (circular rotations of
multiple-choice options, perturbations). Their implementations live with the
runner; the spec only needs to know which names exist and what options each
accepts, so a typo fails when the task loads.
"""

from __future__ import annotations

from typing import Callable, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from evals.registry import Registry

TRANSFORM_OPTIONS: Registry[type[BaseModel]] = Registry("transform")
"""Each declared transform's options model; the model's ``REDUCER`` names the question reducer of its variants."""


class TransformOptions(BaseModel):
    """Base of transform option models: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    REDUCER: ClassVar[str] = ""
    """The question reducer of the transform's variants (set by ``register_transform``)."""


def register_transform(name: str, reducer: str) -> Callable[[type[BaseModel]], type[BaseModel]]:
    """Declare transform ``name`` with the decorated class as its options model, and the question reducer
    (``evals.scoring.reducers``) that combines the variants it makes of one question."""

    def decorate(model: type[BaseModel]) -> type[BaseModel]:
        model.REDUCER = reducer  # type: ignore[attr-defined]
        return TRANSFORM_OPTIONS.register(name)(model)

    return decorate


def transform_names() -> list[str]:
    """Every declared transform name, sorted."""
    return TRANSFORM_OPTIONS.names()


def transform_options_model(name: str) -> type[BaseModel]:
    """The options model of transform ``name``; ``KeyError`` naming the known ones if there is none."""
    return TRANSFORM_OPTIONS.get(name)


def transform_reducer(name: str) -> str:
    """The question reducer transform ``name`` declares for its variants."""
    return transform_options_model(name).REDUCER  # type: ignore[attr-defined]


@register_transform("circular", reducer="all_right")
class CircularOptions(TransformOptions):
    """Circular multiple choice (VLMEvalKit): the question is asked once per rotation of its options."""

    rotations: int | None = Field(None, ge=1, description="rotations per question; None: as many as the question has options")
