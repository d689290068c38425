"""Prompt templates: Jinja2 compiled in an immutable sandbox, errors named by file and key.

A task file is data anyone can send; its template must not reach Python
objects (``{{ cycler.__init__.__globals__.os }}``) or mutate what it is given.
The sandbox refuses both at render time; syntax errors are caught when the
spec loads. Otherwise rendering is plain Jinja2: undefined variables are errors
(StrictUndefined), nothing is escaped, a trailing newline is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from evals.errors import SpecError
from evals.scoring.answers import json_field

if TYPE_CHECKING:
    from evals.spec.task import TaskSpec

_ENV = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


_ENV.filters["json_field"] = json_field


class PromptTemplate:
    """One compiled template; ``render`` raises ``SpecError`` naming the file and key for template faults."""

    def __init__(self, source: str, where: str, key: str) -> None:
        self.where, self.key = where, key
        try:
            self._template = _ENV.from_string(source)
        except jinja2.TemplateSyntaxError as e:
            raise SpecError(f"{where}: {key}: template error line {e.lineno}: {e.message}") from None

    def render(self, **variables: Any) -> str:
        """The text for one sample; an undefined variable or a sandbox violation is a ``SpecError``."""
        try:
            return self._template.render(**variables)
        except jinja2.TemplateError as e:  # UndefinedError, SecurityError and other runtime faults of the task's template
            raise SpecError(f"{self.where}: {self.key}: {e.message or type(e).__name__}") from None


def template_problem(source: str) -> str | None:
    """Why ``source`` does not compile (line and message), or None; for validators that add the file and key."""
    try:
        _ENV.compile(source)  # compiling, not just parsing: unknown filters and tests are found here
    except jinja2.TemplateSyntaxError as e:
        return f"template error line {e.lineno}: {e.message}"
    return None


def compile_prompt(spec: TaskSpec) -> tuple[PromptTemplate, PromptTemplate | None]:
    """The task's (user, system) templates, compiled in the sandbox; system is None when the task has none."""
    where = spec.source_file or spec.name
    user = PromptTemplate(spec.prompt.user, where, "prompt.user")
    system = PromptTemplate(spec.prompt.system, where, "prompt.system") if spec.prompt.system else None
    return user, system
