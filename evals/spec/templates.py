"""Prompt templates: Jinja2 compiled in an immutable sandbox, errors named by file and key.

A task file is data anyone can send; its template must not reach Python
objects (``{{ cycler.__init__.__globals__.os }}``) or mutate what it is given.
The sandbox refuses both at render time; syntax errors are caught when the
spec loads. Otherwise rendering is plain Jinja2: undefined variables are errors
(StrictUndefined), nothing is escaped, a trailing newline is dropped.

Judge prompts are the exception (``judge_template``): the model's answer is text anyone's model
wrote, so wherever a judge template outputs it (``prediction``, ``first``, ``second``: any
``{{ }}`` whose expression reads one of them, through whatever filters, or a name set from one),
the output goes through ``quote_answer``. The answer then stays on its line and in its table cell:
it cannot end its field, forge a row of a few-shot table or put an instruction on a line of its own.
This is decided here, when the template compiles, not by each task's template.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from evals.errors import SpecError
from evals.scoring.answers import json_field, tag_text

if TYPE_CHECKING:
    from evals.spec.task import TaskSpec

_ENV = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


_ENV.filters["json_field"] = json_field
_ENV.filters["tag_text"] = tag_text

ANSWER_VARIABLES = frozenset({"prediction", "first", "second"})
"""The judge template variables that hold a model's answer (``first`` and ``second``: the two answers of a pair
verdict, the reference among them, so both are shown alike and the judge cannot tell them apart by their quoting)."""

_QUOTE_FILTER = "quote_answer"
_BREAK_ESCAPES = {"\r\n": "\\n", "\n": "\\n", "\r": "\\r", "\v": "\\v", "\f": "\\f", "\x1c": "\\x1c", "\x1d": "\\x1d",
                  "\x1e": "\\x1e", "\x85": "\\x85", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_BREAKS = re.compile("|".join(re.escape(b) for b in _BREAK_ESCAPES))  # "\r\n" first: one break, one escape
_BACKSLASHES_BEFORE_SEPARATOR = re.compile(r"(\\+)(?=\||\Z|" + "|".join(re.escape(b) for b in _BREAK_ESCAPES) + ")")


def quote_answer(value: Any) -> str:
    """A model's answer as one field of a judge prompt: every line break (each one ``str.splitlines`` knows) becomes
    its escape (``\\n``, ``\\r``, ``\\u2028``), every ``|`` becomes ``\\|``, and a run of backslashes before a ``|``, a
    line break or the end is doubled, so the answer cannot end its line, its table cell or escape the template's next
    separator. Everything else is kept as written (LaTeX, brackets, quotes)."""
    text = _BACKSLASHES_BEFORE_SEPARATOR.sub(lambda m: m.group(1) * 2, str(value))
    text = text.replace("|", "\\|")
    return _BREAKS.sub(lambda m: _BREAK_ESCAPES[m.group()], text)


_ENV.filters[_QUOTE_FILTER] = quote_answer


def _names(node: nodes.Node) -> set[str]:
    """The variables an expression (or a block) reads, a namespace's name for ``ns.x``."""
    return {n.name for n in [node, *node.find_all((nodes.Name, nodes.NSRef))] if isinstance(n, (nodes.Name, nodes.NSRef))}


def _quote_answers(template: nodes.Template) -> nodes.Template:
    """``template`` with every output that reads a model's answer passed through ``quote_answer``.

    A name set from an answer (``{% set %}``, a ``{% for %}`` over it, ``{% with %}``) is an answer too; a block that
    would rewrite quoted text after quoting (``{% filter %}``, ``{% macro %}``, ``{% call %}``) is refused."""
    refused = next(template.find_all((nodes.FilterBlock, nodes.Macro, nodes.CallBlock)), None)
    if refused is not None:
        raise jinja2.TemplateSyntaxError("a judge prompt cannot use {% filter %}, {% macro %} or {% call %} (the model's "
                                         "answer is quoted as the template outputs it)", refused.lineno)
    tainted = set(ANSWER_VARIABLES)
    while True:
        before = len(tainted)
        for node in template.find_all((nodes.Assign, nodes.AssignBlock, nodes.For, nodes.With)):
            if isinstance(node, nodes.Assign) and _names(node.node) & tainted:
                tainted |= _names(node.target)
            elif isinstance(node, nodes.AssignBlock) and any(_names(b) & tainted for b in node.body):
                tainted |= _names(node.target)
            elif isinstance(node, nodes.For) and _names(node.iter) & tainted:
                tainted |= _names(node.target)
            elif isinstance(node, nodes.With):
                for target, value in zip(node.targets, node.values):
                    if _names(value) & tainted:
                        tainted |= _names(target)
        if len(tainted) == before:
            break
    for output in template.find_all(nodes.Output):
        output.nodes = [
            node if isinstance(node, nodes.TemplateData) or not _names(node) & tainted
            or (isinstance(node, nodes.Filter) and node.name == _QUOTE_FILTER)  # quoted once, whoever wrote it
            else nodes.Filter(node, _QUOTE_FILTER, [], [], None, None, lineno=node.lineno)
            for node in output.nodes
        ]  # fmt: skip
    return template


class PromptTemplate:
    """One compiled template; ``render`` raises ``SpecError`` naming the file and key for template faults.

    ``quote_answers``: a judge prompt, whose every output of a model's answer is quoted (``quote_answer``)."""

    def __init__(self, source: str, where: str, key: str, quote_answers: bool = False) -> None:
        self.where, self.key = where, key
        try:
            self._template = _ENV.from_string(_quote_answers(_ENV.parse(source)) if quote_answers else source)
        except jinja2.TemplateSyntaxError as e:
            raise SpecError(f"{where}: {key}: template error line {e.lineno}: {e.message}") from None

    def render(self, **variables: Any) -> str:
        """The text for one sample; an undefined variable or a sandbox violation is a ``SpecError``."""
        try:
            return self._template.render(**variables)
        except jinja2.TemplateError as e:  # UndefinedError, SecurityError and other runtime faults of the task's template
            raise SpecError(f"{self.where}: {self.key}: {e.message or type(e).__name__}") from None


def template_problem(source: str, quote_answers: bool = False) -> str | None:
    """Why ``source`` does not compile (line and message), or None; for validators that add the file and key.
    ``quote_answers``: as a judge prompt (``judge_template``)."""
    try:
        # compiling, not just parsing: unknown filters and tests are found here
        _ENV.compile(_quote_answers(_ENV.parse(source)) if quote_answers else source)
    except jinja2.TemplateSyntaxError as e:
        return f"template error line {e.lineno}: {e.message}"
    return None


def judge_template(source: str, where: str, key: str) -> PromptTemplate:
    """A judge prompt (``judge.prompt``, ``judge.system``): compiled with the model's answer quoted wherever it is output."""
    return PromptTemplate(source, where, key, quote_answers=True)


def compile_prompt(spec: TaskSpec) -> tuple[PromptTemplate, PromptTemplate | None]:
    """The task's (user, system) templates, compiled in the sandbox; system is None when the task has none."""
    where = spec.source_file or spec.name
    user = PromptTemplate(spec.prompt.user, where, "prompt.user")
    system = PromptTemplate(spec.prompt.system, where, "prompt.system") if spec.prompt.system else None
    return user, system
