"""MathVista testmini: the official extraction order and normalisation, the optional extraction judge, skills as labels."""

from __future__ import annotations

import pytest
from helpers import ScriptedJudge, run_cli

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mathvista import score_mathvista

CHOICES = ["3/11", "8/11", "6/11", "3/5"]
MC = {"question_type": "multi_choice", "answer_type": "text", "precision": None}
INT = {"question_type": "free_form", "answer_type": "integer", "precision": None}
FLOAT2 = {"question_type": "free_form", "answer_type": "float", "precision": 2.0}
LIST = {"question_type": "free_form", "answer_type": "list", "precision": None}


@pytest.mark.parametrize("prediction, meta, answer, right, rule, extracted", [
    ("8/11", MC, "8/11", True, "choice_text", "8/11"),
    ("B", MC, "8/11", True, "letter", "8/11"),
    ("(B) 8/11", MC, "8/11", True, "letter", "8/11"),
    ('So the blue part is two thirds. The answer is "8/12".', MC, "8/11", True, "answer_is", "8/11"),  # nearest option
    ("14", INT, "14", True, "number", "14"),
    ('The answer is "14.0".', INT, "14", True, "answer_is", "14"),  # int(float("14.0"))
    ("1.449", FLOAT2, "1.45", True, "number", "1.45"),  # rounded to the answer's 2 places, as officially
    ("1.4", FLOAT2, "1.45", False, "number", "1.4"),
    ("Luca needs $1.45. \\boxed{1.45}", FLOAT2, "1.45", True, "boxed", "1.45"),
    ('The answer is "[2007, 2008]".', LIST, "[2007, 2008]", True, "answer_is", "[2007, 2008]"),
    ("The peak is between 2007 and 2008.", LIST, "[2007, 2008]", False, "unparsed", None),
    ('The answer is "fourteen".', INT, "14", False, "answer_is", "fourteen"),  # read, but not a number: wrong, not unparsed
    ('The answer is "AB".', MC, "3/5", True, "answer_is", "3/5"),  # not one letter: the nearest option (as officially), not option A by index
    ('The answer is "".', MC, "3/11", False, "answer_is", ""),  # an empty extraction picks nothing
])
def test_extraction_then_normalisation(prediction, meta, answer, right, rule, extracted):
    choices = CHOICES if meta is MC else []
    [s] = score_mathvista([ScoreInput(id="p", prediction=prediction, references=[answer], choices=choices, metadata=meta)], NoOptions())
    assert s.rule == rule and bool(s.stats["score"]) is right
    assert s.extracted == extracted
    assert s.stats["unparsed"] == (1.0 if rule == "unparsed" else 0.0)


def test_the_extraction_judge_reads_what_the_rules_cannot_with_the_official_prompt(fixture_mirror, tmp_path):
    def run(out: str, *judge: str) -> tuple[dict, list[dict]]:
        return run_cli(fixture_mirror, tmp_path / out, tmp_path / "c.sqlite", "mathvista_testmini", "I worked it out on paper.", *judge)

    # The judge's extractions; one names nothing after its prefix (no answer: unparsed).
    # (Keyed by the end of each problem's query: the official demo examples repeat these questions.)
    verdicts = {"(D) 3/5\n\nI worked": "Extracted answer: B", "Which number is missing?\n\nI worked": "14",
                "facing the camera?\n\nI worked": "0.60", "(Unit: $)\n\nI worked": "1.4", "maximum peak?\n\nI worked": "Extracted answer:"}
    with ScriptedJudge(verdicts) as judge:
        judged, records = run("judged", "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}")
        assert len(judge.prompts) == 5
        prompt = next(p for p in judge.prompts if "Which number is missing?\n\nI worked" in p)
        assert prompt.startswith("Please read the following example.") and prompt.endswith(
            "Hint: Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.\n"
            "Question: Which number is missing?\n\nI worked it out on paper.\n\nExtracted answer: ")
    # B -> 8/11 right; 14 right; 0.60 -> 0.6 right; 1.4 -> "1.4" != "1.45" wrong; nothing -> unparsed
    assert judged["metrics"]["accuracy"]["value"] == pytest.approx(3 / 5) and judged["metrics"]["unparsed_rate"]["value"] == pytest.approx(1 / 5)
    assert judged["extraction_rules"] == {"judge": 4, "unparsed": 1}
    assert {r["id"]: r.get("extracted") for r in records}["1"] == "8/11" and records[0]["metadata"]["question_type"] == "multi_choice"
    alone, _ = run("alone")
    assert alone["metrics"]["unparsed_rate"]["value"] == 1.0 and alone["metrics"]["accuracy"]["value"] == 0.0
    # Re-run: every answer cached, the plan (with each sample's metadata) read back instead of the data.
    rerun, again = run("again")
    assert rerun["n_cached"] == 5 and rerun["metrics"] == alone["metrics"]
    assert [r["metadata"] for r in again] == [r["metadata"] for r in records]
