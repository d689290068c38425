"""Prompt templates run in Jinja's immutable sandbox: a task file cannot reach Python, and honest templates render as before."""

from __future__ import annotations

import io

import jinja2
import pytest

from evals.errors import SpecError
from evals.run.plan import RequestPlanner, format_options
from evals.spec.catalog import load_task, task_names
from evals.spec.task import load_task_file
from evals.spec.templates import PromptTemplate, compile_prompt

from .helpers import TASK, write


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, format="PNG")
    return buf.getvalue()


ROW = {"question_id": 7, "image": {"bytes": _png(), "path": None}, "question": "What colour?", "answers": [{"answer": "red"}]}


def _payload(target) -> str:
    return "{{ cycler.__init__.__globals__.os.popen('touch " + str(target) + "').read() }}"


def test_sandbox_refuses_a_template_that_reaches_os(tmp_path):
    target = tmp_path / "pwned"
    template = PromptTemplate(_payload(target), "evil.yaml", "prompt.user")
    with pytest.raises(SpecError, match=r"^evil\.yaml: prompt\.user: .*__init__"):
        template.render(question="q")
    assert not target.exists()


def test_the_planner_renders_in_the_sandbox_and_names_the_file(tmp_path):
    target = tmp_path / "pwned"
    path = write(tmp_path, TASK.replace('"<image>\\n{{ question }}\\nAnswer with one word."', '"' + _payload(target) + '"'))
    spec = load_task_file(path)  # the payload is valid Jinja: only rendering can refuse it
    planner = RequestPlanner(spec)
    with pytest.raises(SpecError, match=rf"^{path}: prompt\.user: "):
        planner.plan(0, ROW)
    assert not target.exists()


def test_an_honest_template_plans_as_before(tmp_path):
    sample = RequestPlanner(load_task_file(write(tmp_path))).plan(0, ROW)
    texts = [p.text for p in sample.request.messages[0].content if p.type == "text"]
    assert texts == ["What colour?\nAnswer with one word."] and sample.references == ["red"]


def test_undefined_variable_at_render_names_file_and_key(tmp_path):
    path = write(tmp_path, TASK.replace("{{ question }}", "{{ questoin }}"))
    with pytest.raises(SpecError, match=rf"^{path}: prompt\.user: 'questoin' is undefined"):
        RequestPlanner(load_task_file(path)).plan(0, ROW)


def test_template_syntax_error_fails_at_load_with_file_and_key(tmp_path):
    path = write(tmp_path, TASK.replace("{{ question }}", "{{ question }"))
    with pytest.raises(SpecError, match=rf"^{path}: prompt\.user: template error line 2: "):
        load_task_file(path)
    path = write(tmp_path, TASK.replace("prompt:\n", "prompt:\n  system: '{{ x | no_such_filter }}'\n"))
    with pytest.raises(SpecError, match=rf"^{path}: prompt\.system: template error line 1: .*no_such_filter"):
        load_task_file(path)


PLAIN = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


@pytest.mark.parametrize("choices", [[], ["a cat", "a dog", "{{ not a template }}"]])
def test_every_catalogue_prompt_renders_as_with_plain_jinja(choices):
    for name in task_names():
        spec = load_task(name)
        # Extras are strings, but times (SONIC-O1's prompts format segment bounds and durations as seconds) are numbers,
        # and a *_map is a mapping (Video-Holmes's options, letter -> text).
        variables = {name: 12.5 if name.startswith("segment_") or name == "duration" else {"A": "<a>", "B": "<b>"}
                     if name.endswith("_map") else f"<{name}>" for name in spec.fields.extra}
        variables.update(question="Which one?\n", choices=choices, options=format_options(choices),
                         letters=["A", "B", "C"][: len(choices)], id="s1")
        user, system = compile_prompt(spec)
        assert user.render(**variables) == PLAIN.from_string(spec.prompt.user).render(**variables), name
        if system is not None:
            assert system.render(**variables) == PLAIN.from_string(spec.prompt.system).render(**variables), name
