"""MathVerse's official rule-based pieces against omnieval's, case by case.

The official evaluation is GPT extraction then GPT scoring; its rule-based parts are the extraction prompt it builds
(``extract_answer_s1.create_test_prompt``) and the quick match (``score_answer_s2.match_answer(quick_match=True)``;
VLMEvalKit's ``post_check_score`` is the same on stripped text). ``data/mathverse_official.json`` holds what they
returned on adversarial responses and (extraction, answer) pairs (repository, commit and command in the file):

- the task's judge prompt is the official extraction prompt, the response quoted as every judge prompt here is (line
  breaks written ``\\n``, ``|`` as ``\\|``): identical wherever the response has neither (pinned departure otherwise);
- an extraction the official quick match accepts is right here, by that rule (no ``explanation``); one it does not is
  decided by our comparisons in place of the GPT check, which are pinned below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.metrics.mathverse import matches
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template, quote_answer

DATA = json.loads((Path(__file__).parent / "data" / "mathverse_official.json").read_text(encoding="utf-8"))
MULTIPLE_CHOICE_ANSWERS = {"B", "(C)", "C\nD", "False", "F"}
OURS_RIGHT = {  # pairs the official quick match rejects (they would go to GPT) and our comparisons accept
    ("(B)", "B"), ("B.", "B"), ("B:50°", "B"), ("C", "(C)"),  # the same option letter
    ("14.0", "14"), ("14.00", "14"), ("L = 14", "14"), ("0.5", "\\frac{1}{2}"), ("1/2", "\\frac{1}{2}"), ("9.80", "4\\sqrt{6}"),
    ("4 \\sqrt{6}", "4\\sqrt{6}"), ("60", "60^\\circ"), ("62", "62^\\circ "), ("53.6", "53.6^\\circ "), ("7.00", "$$r=7.00$$"),
    ("7", "$$r=7.00$$"), ("13.37", "$D=13.37$"), ("24.4", "$r=24.4$"), ("7.79", "\\frac{9\\sqrt{3}}{2}"), ("10.93", "4+4\\sqrt{3}"),
    ("315^\\circ T", "315^\\circT"), ("y = -x^2 - 2x + 1", "y=-x^2-2x+1"), ("(-2, 1)", "(-2,1)"), ("(-2, 1]", "(-2,1]"),
}


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"]["repository"] == "ZrrSkywalker/MathVerse" and len(DATA["official"]["commit"]) == 40
    assert DATA["vlmevalkit"]["function"] == "post_check_score" and DATA["command"]
    assert len(DATA["pairs"]) >= 50 and len(DATA["prompts"]) >= 10
    assert {p["quick_match"] for p in DATA["pairs"]} == {"0", "1"}


@pytest.mark.parametrize("case", DATA["prompts"], ids=[repr(c["response"][:20]) for c in DATA["prompts"]])
def test_the_judge_prompt_is_the_official_extraction_prompt(case):
    spec = load_task("mathverse_testmini")
    assert spec.judge is not None and spec.judge.optional and spec.judge.when == "unparsed"
    ours = judge_template(spec.judge.prompt, "mathverse_testmini", "judge.prompt").render(prediction=case["response"])
    official, response = case["official_prompt"], case["response"]
    head = official[: official.rindex("Model response: '")]
    assert official == f"{head}Model response: '{response}'\nExtracted Answer: "
    assert ours == f"{head}Model response: '{quote_answer(response)}'\nExtracted Answer: "
    if not any(c in response for c in "\n\r|") and not response.endswith("\\"):
        assert ours == official  # departure otherwise: the response's line breaks and | quoted


@pytest.mark.parametrize("pair", DATA["pairs"], ids=[f"{p['extraction'][:15]!r}~{p['answer'][:15]!r}" for p in DATA["pairs"]])
def test_the_official_quick_match_and_ours_in_place_of_gpt(pair):
    extraction, answer = pair["extraction"], pair["answer"]
    assert (pair["quick_match"] == "1") <= pair["post_check_score"]  # the stripped comparison accepts all the exact one does
    right, how = matches(extraction, answer, answer in MULTIPLE_CHOICE_ANSWERS)
    if pair["post_check_score"]:
        assert right and how is None
    else:
        assert how is not None and right == ((extraction, answer) in OURS_RIGHT)
