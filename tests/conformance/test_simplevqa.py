"""SimpleVQA's judge prompt and grade reading against the official code.

``data/simplevqa_official.json`` holds what SimpleVQA/SimpleVQA's own code gave when it was run (repository, files, commit
and command in its header): the grader prompt ``llm_as_a_vqa_judger.py`` builds for a few (question, answer, prediction)
rows, and, for official-style judge replies, the class ``simpleVQA_eval.py`` counted each in. tasks/vqa/simplevqa.yaml's
judge prompt must render byte for byte as the official one, and ``read_simplevqa_grade`` must read every reply as the
official code does. The departure: where the official code counts a reply in no class or raises, omnieval reports a
scoring error for that sample, never a grade.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.simplevqa import read_simplevqa_grade, score_simplevqa
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template

DATA = json.loads((Path(__file__).parent / "data" / "simplevqa_official.json").read_text(encoding="utf-8"))


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"]["repository"] == "SimpleVQA/SimpleVQA" and len(DATA["official"]["commit"]) == 40 and DATA["command"]
    assert len(DATA["replies"]) >= 35 and len({c["reply"] for c in DATA["replies"]}) == len(DATA["replies"])
    assert {c["official"] for c in DATA["replies"]} == {"correct", "incorrect", "not_attempted", None}


@pytest.mark.parametrize("case", DATA["prompts"], ids=[c["answer"] for c in DATA["prompts"]])
def test_the_judge_prompt_renders_byte_for_byte_as_the_official_one(case):
    spec = load_task("simplevqa")
    template = judge_template(spec.judge.prompt, "simplevqa", "judge.prompt")
    rendered = template.render(question=case["question"], answer=case["answer"], references=[case["answer"]], prediction=case["prediction"])
    assert rendered == case["official"]


@pytest.mark.parametrize("case", DATA["replies"], ids=[f"{i}:{c['reply'][:30]!r}" for i, c in enumerate(DATA["replies"])])
def test_each_reply_is_read_as_the_official_code_reads_it(case):
    grade, why = read_simplevqa_grade(case["reply"])
    read = {"正确": "correct", "错误": "incorrect", "未尝试": "not_attempted"}.get(grade)
    assert read == case["official"], why
    # Deliberate departure: where the official code raises or counts the reply in no class, the sample is a scoring error.
    assert (why is not None) == (case["official_error"] is not None)


def test_rates_and_f_score_as_the_official_aggregate():
    replies = ['{"预测答案0": "正确"}', '{"预测答案0": "正确"}', '{"预测答案0": "错误"}', '{"预测答案0": "未尝试"}', "答案解析失败"]
    items = [ScoreInput(id=str(i), prediction="x", references=["y"], metadata={"judge": {"score": 1.0, "raw": r, "error": None}})
             for i, r in enumerate(replies)]
    scores = score_simplevqa(items, NoOptions())
    assert [s.extracted for s in scores] == ["correct", "correct", "incorrect", "not_attempted", None] and scores[4].error
    from evals.scoring.registry import get_scorer

    table = {c: [s.stats[c] for s in scores[:4]] for c in ("correct", "incorrect", "not_attempted")}
    metrics = get_scorer("simplevqa_grade").aggregate(table, NoOptions())
    given = 0.5 / 0.75
    assert metrics == pytest.approx({"correct": 0.5, "incorrect": 0.25, "not_attempted": 0.25, "correct_given_attempted": given,
                                     "f_score": 2 * given * 0.5 / (given + 0.5)})
