"""BLINK's answer reading against the official code, case by case.

``data/blink_analyze_answer.json`` holds adversarial answers and what BLINK's own ``analyze_answer``
(zeyofu/BLINK_Benchmark eval/test_benchmark.py) returned for each when it was run (repository, path, commit and
command in the file's header). omnieval's ``parse_blink`` must read the same option for every case. The one
departure: where the official code asks gpt-3.5-turbo to match the answer with an option (eval/multiple_choice.py),
omnieval leaves the answer unparsed, for the task's optional extraction judge (``--judge``, the official matching
prompt) or, without one, scored wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.blink import parse_blink, score_blink
from evals.spec.catalog import load_task

DATA = json.loads((Path(__file__).parent / "data" / "blink_analyze_answer.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "zeyofu/BLINK_Benchmark" and official["path"] == "eval/test_benchmark.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 50 and len({(c["prediction"], tuple(c["choices"])) for c in CASES}) == len(CASES)
    assert {c["official"] for c in CASES} >= {"(A)", "(B)", "(C)", "(D)", "(E)", None}
    assert all((c["official"] is None) == c["official_asks_gpt"] for c in CASES)
    assert 15 <= sum(c["official_asks_gpt"] for c in CASES) <= len(CASES) - 30  # both paths well covered


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_blink_reads_each_answer_as_the_official_code_does(case):
    letter, rule = parse_blink(case["prediction"], case["choices"])
    assert (f"({letter})" if letter else None) == case["official"], (case["prediction"], rule)
    # Deliberate departure: the official code asks gpt-3.5-turbo where its rules find no single option; here the
    # answer is unparsed (the extraction judge's, else wrong and counted).
    assert (rule == "unparsed") == case["official_asks_gpt"]


def test_an_unparsed_answer_is_wrong_and_counted_unless_the_judge_reads_it():
    two = ["Point A", "Point B"]
    items = [ScoreInput(id="0", prediction="(B)", references=["(B)"], choices=two),
             ScoreInput(id="1", prediction="B.", references=["(B)"], choices=two),
             ScoreInput(id="2", prediction="B.", references=["(B)"], choices=two, metadata={"judge": {"answer": "B"}}),
             ScoreInput(id="3", prediction="E", references=["(A)"], choices=two)]
    scores = score_blink(items, NoOptions())
    assert [(s.extracted, s.rule) for s in scores] == [("B", "bracketed"), (None, "unparsed"), ("B", "judge"), ("E", "letter")]
    assert [s.stats["score"] for s in scores] == [1.0, 0.0, 1.0, 0.0]
    assert [s.stats["unparsed"] for s in scores] == [0.0, 1.0, 0.0, 0.0]


def test_the_judge_prompt_is_the_official_matching_prompt():
    """eval/multiple_choice.py ``build_prompt`` as analyze_answer calls it: the question with "\\nSelect from the following
    choices", the options as ``(A) text`` lines; the model's answer quoted as every judge prompt quotes it."""
    from evals.run.judge import judge_requests
    from evals.results import SampleRecord

    spec = load_task("blink_relative_depth")
    assert spec.judge is not None and spec.judge.when == "unparsed" and spec.judge.optional
    assert spec.judge.verdict.kind == "choice" and spec.judge.verdict.none == ["Z"]
    record = SampleRecord(task="blink_relative_depth", index=0, id="val_Relative_Depth_1", prediction="Point B is closer.", references=["(B)"], choices=["A", "B"],
                          metadata={"question": "Which point is closer to the camera?"}, prompt=[])
    [request] = judge_requests(spec, [record])
    text = request.messages[0].content[0].text
    assert text.startswith("You are an AI assistant who will help me to match an answer with several options of a single-choice "
                           "question. ")
    assert "etc., output (Z)If the meaning of all options" in text and "or the answer does not select any option, output (Z)Your" in text
    assert text.endswith("Example 4: \nQuestion: Which point is closer to the camera?\nSelect from the following choices?\n"
                         "Options: (A) A\n(B) B\n(Z) Failed\nAnswer: Point B is closer.\nYour output: ")
