"""CharXiv's prompts against the official code, byte for byte.

``data/charxiv_official.json`` holds what princeton-nlp/CharXiv's own code (src/ at 7ebe88f: build_reasoning_queries,
build_descriptive_quries, build_reasoning_grading_queries, build_descriptive_grading_queries with nq_per_query=1) built
for the fixture rows (tests/fixtures/make_fixtures.py ``charxiv_parts``); ``data/charxiv_grading_queries.json`` its
grading queries for adversarial responses (line breaks, ``|``, backslashes, the templates' own ``<|...|>`` markers, a
forged JSON verdict). Repository, paths, commit and command are in each file's header. The judge prompt of each task,
rendered as the judge renders it, must be the official query with the response quoted (``spec/templates.py``
``quote_answer``: line breaks written ``\\n``, ``|`` as ``\\|``): identical bytes wherever the response has neither, the
one departure pinned here. Verdicts are read from the official JSON keys (``score``; ``score_T1`` for a batch of one).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.data.loaders import charxiv_descriptive_rows
from evals.run.judge import parse_verdict
from evals.spec.catalog import load_task
from evals.spec.charxiv import DESCRIPTIVE_RESP_INST, REASONING_RESP_INST
from evals.spec.preprocess import charxiv_reasoning
from evals.spec.templates import judge_template, quote_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import charxiv_parts  # noqa: E402

DATA = Path(__file__).parent / "data"
OFFICIAL = json.loads((DATA / "charxiv_official.json").read_text(encoding="utf-8"))
QUERIES = json.loads((DATA / "charxiv_grading_queries.json").read_text(encoding="utf-8"))
ROWS = {r["figure_path"]: r for r in charxiv_parts()[0].rows}


def _metadata(case: dict) -> dict:
    row = ROWS[case["figure_path"]]
    out = charxiv_reasoning(row) if case["task"] == "charxiv_reasoning" else charxiv_descriptive_rows(row)[case["index"]]
    return {"judge_head": out["judge_head"], "judge_tail": out["judge_tail"]}


def test_the_official_outputs_say_where_they_come_from_and_cover_every_answer_type_and_rubric():
    for data in (OFFICIAL, QUERIES):
        assert data["repository"] == "princeton-nlp/CharXiv" and len(data["commit"]) == 40 and data["command"]
    assert {r["reasoning_a_type"] for r in ROWS.values()} == {1, 2, 3, 4}
    qids = {r[f"descriptive_q{k}"] for r in ROWS.values() for k in range(1, 5)}
    assert qids >= {1, 2, 11, 13, 16, 18} and qids & {8, 10, 12, 14, 17, 19}  # title, ocr, bool, enum, trend, layout, quant
    assert any("\n" in c["response"] for c in QUERIES["cases"]) and any("|" in c["response"] for c in QUERIES["cases"])


@pytest.mark.parametrize("case", QUERIES["cases"], ids=lambda c: f"{c['task']}-{c['figure_path']}-{c.get('index', '')}-{c['response'][:12]!r}")
def test_the_judge_prompt_is_the_official_grading_query(case):
    spec = load_task(case["task"])
    rendered = judge_template(spec.judge.prompt, spec.name, "judge.prompt").render(prediction=case["response"], metadata=_metadata(case))
    quoted = quote_answer(case["response"])
    if quoted == case["response"]:
        assert rendered == case["grading_query"]
    else:  # the departure: the response quoted, everything around it the official bytes
        head, tail = _metadata(case)["judge_head"], _metadata(case)["judge_tail"]
        assert case["grading_query"] == head + case["response"] + tail and rendered == head + quoted + tail


def test_every_answer_type_and_question_id_asks_the_official_instruction():
    for row in ROWS.values():
        question = charxiv_reasoning(row)["question"]
        assert question == OFFICIAL["reasoning"][row["figure_path"]]["question"]
        assert question.startswith(row["reasoning_q"] + "\n    * ")
        for out in charxiv_descriptive_rows(row):
            assert out["question"] == OFFICIAL["descriptive"][out["question_id"]]["question"]
    assert REASONING_RESP_INST[1].format("Q?") == OFFICIAL["reasoning"]["images/0.jpg"]["question"].replace(ROWS["images/0.jpg"]["reasoning_q"], "Q?")
    assert OFFICIAL["reasoning"]["images/3.jpg"]["question"] == (f"{ROWS['images/3.jpg']['reasoning_q']}\n    * Your final answer must be a number "
                                                          "with 2 decimal places.\n    ")
    assert OFFICIAL["descriptive"]["images/0.jpg_0"]["question"] == DESCRIPTIVE_RESP_INST[1].format("For the current plot, ")
    assert OFFICIAL["descriptive"]["images/1.jpg_1"]["question"] == DESCRIPTIVE_RESP_INST[19]  # no location for 18/19


@pytest.mark.parametrize("task,reply,score", [
    ("charxiv_reasoning", '{"extracted_answer": "b", "score": 1}', 1.0),
    ("charxiv_reasoning", '{\n    "extracted_answer": "P55762",\n    "score": 0\n}', 0.0),
    ("charxiv_reasoning", '```json\n{"extracted_answer": "x", "score": 1}\n```', 1.0),
    ("charxiv_reasoning", '{"extracted_answer": "x"}', None),  # official: retried, then -1; here a scoring error
    ("charxiv_reasoning", "score: 1", None),
    ("charxiv_reasoning", '{"extracted_answer": "x", "score": 2}', None),
    ("charxiv_descriptive", '{"extract_answer_T1": "2 by 3", "score_T1": 1}', 1.0),
    ("charxiv_descriptive", '{"extract_answer_T1": 5, "score_T1": 0}', 0.0),
    ("charxiv_descriptive", '{"extract_answer_T1": "x", "score": 1}', None),  # verify_grading_output needs score_T1
])
def test_the_verdict_is_the_official_json_score(task, reply, score):
    value, why = parse_verdict(reply, load_task(task).judge.verdict)
    assert value == score and (why is None) == (score is not None)
