"""``fields.history`` (a conversation's earlier turns before the user turn) and a scale verdict's ``pattern`` (MM-MT-Bench's
[[rating]]): what they do, what they refuse, and that a task without them hashes as it did before they existed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evals.requests import TextPart
from evals.run.judge import parse_verdict
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task
from evals.spec.task import TaskSpec, VerdictSpec

PNG = {"bytes": b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "path": "x.png"}


def conversation_task(system: str | None = None) -> TaskSpec:
    prompt = {"user": "{{ question }}", **({"system": system} if system else {})}
    return TaskSpec.model_validate({"name": "chat", "modality": "image", "kind": "vqa", "dataset": {"path": "x", "split": "test"},
                                    "fields": {"image": "image", "question": "question", "references": "answer", "history": "history"},
                                    "prompt": prompt, "scorers": ["exact_match"]})


def test_earlier_turns_come_before_the_user_turn_and_the_image_goes_in_the_first_user_turn():
    history = [{"role": "user", "content": "What is this?"}, {"role": "assistant", "content": "A square."}]
    row = {"image": PNG, "question": "Which colour?", "answer": "red", "history": history}
    messages = RequestPlanner(conversation_task("Be brief.")).plan(0, row).request.messages
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1].content[0].kind == "image" and [p.text for p in messages[1].content[1:]] == ["What is this?"]
    assert all(isinstance(p, TextPart) for m in messages[2:] for p in m.content)
    # no earlier turn: one user turn, the image first, as every task without history
    first = RequestPlanner(conversation_task()).plan(0, {**row, "history": []}).request.messages
    assert [m.role for m in first] == ["user"] and first[0].content[0].kind == "image"


@pytest.mark.parametrize("history", ["not a list", [{"role": "system", "content": "x"}], [{"role": "user", "content": ["x"]}]])
def test_a_history_that_is_not_a_list_of_turns_is_that_rows_error(history):
    row = {"image": PNG, "question": "q", "answer": "a", "history": history}
    assert "fields.history (history)" in RequestPlanner(conversation_task()).plan(0, row).error


def test_a_pattern_reads_the_score_from_its_first_group():
    verdict = VerdictSpec(kind="scale", min=0, max=10, pattern=r"\[\[(\d+\.?\d*)\]\]")
    assert parse_verdict("Fine. Rating: [[7]] (not [[2]])", verdict) == (7.0, None)
    assert parse_verdict("Rating: 7", verdict)[0] is None and parse_verdict("[[11]]", verdict)[0] is None


@pytest.mark.parametrize("verdict", [{"kind": "labels", "labels": {"A": 1}, "pattern": "(A)"}, {"kind": "scale", "pattern": "(x"},
                                     {"kind": "scale", "pattern": "rating"}, {"kind": "scale", "field": "s", "pattern": "(1)"}])
def test_a_pattern_must_be_a_regular_expression_with_a_group_on_a_plain_scale_verdict(verdict):
    with pytest.raises(ValidationError, match="pattern"):
        VerdictSpec.model_validate(verdict)


def test_tasks_without_them_hash_as_before():
    spec = load_task("mmvet")
    assert "pattern" not in spec.judge.verdict.model_dump() and "history" in spec.fields.model_dump()
    assert spec.spec_hash == spec.model_copy(update={"fields": spec.fields.model_copy(update={"history": None})}).spec_hash
    assert load_task("mmvet").spec_hash == "3617e731771e54ad"  # its hash before fields.history and pattern existed
