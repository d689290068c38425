"""LogicVista's judge-reply check, letter-set comparison and judge prompt against VLMEvalKit's, case by case.

``data/logicvista_vlmevalkit.json`` holds judge replies (single and several letters in either order, with commas, lower
case, ``Z``, digits, empty, surrounding spaces, sentences) for answers with one letter, two letters (``B, D``), a digit and
nothing, with what VLMEvalKit's own ``LogicVista_auxeval`` (vlmeval/dataset/utils/logicvista.py; repository, commit and
command in the file) returned (``res``, ``hit``, and how often it asked its judge), and the prompt its
``build_prompt_logicvista`` wrote. ``logicvista_match`` asks its judge once and reads the reply's first line stripped
(the text verdict): where VLMEvalKit asked again, the difference is pinned below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.logicvista import judge_reply_letters, logicvista_hit, read_letters, score_logicvista
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template

DATA = json.loads((Path(__file__).parent / "data" / "logicvista_vlmevalkit.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "open-compass/VLMEvalKit" and official["path"] == "vlmeval/dataset/utils/logicvista.py"
    assert len(official["commit"]) == 40 and "LogicVista_auxeval" in DATA["command"]
    assert len(CASES) >= 100 and len({(c["answer"], tuple(c["judge_replies"])) for c in CASES}) == len(CASES)
    assert 5 <= sum(c["official"]["hit"] for c in CASES) and sum(c["official"]["judge_calls"] > 1 for c in CASES) >= 20
    assert set(DATA["departures"]) == {"asked_once", "first_line_stripped"}


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['answer']!r}:{c['judge_replies'][0]!r}" for i, c in enumerate(CASES)])
def test_a_judge_reply_is_accepted_and_compared_as_vlmevalkit_does(case):
    reply, off = case["judge_replies"][0], case["official"]
    letters = judge_reply_letters(reply.strip())
    if off["judge_calls"] == 1:
        assert letters == (off["res"] or None)
        assert (letters is not None and logicvista_hit(letters, case["answer"])) == bool(off["hit"])
    elif reply.strip() != reply and letters is not None:
        # Departure (first_line_stripped): VLMEvalKit refuses " C" / "C\n" and asks again; the text verdict reads C.
        assert not (reply.isupper() and reply.isalpha())
    else:
        # Departure (asked_once): an unreadable first reply is no reading here; VLMEvalKit asks again.
        assert letters is None


def test_the_judge_prompt_is_vlmevalkits():
    spec = load_task("logicvista")
    prompt = judge_template(spec.judge.prompt, "logicvista", "judge.prompt").render(**DATA["prompt_input"])
    assert prompt == DATA["prompt"]


@pytest.mark.parametrize("response, letters, rule", [
    ("C", "C", "letters"), ("(C)", "C", "letters"), ("C.", "C", "letters"), ("B, D", "BD", "letters"), ("D and B", "DB", "letters"),
    ("[A] & [C]", "AC", "letters"), ("The answer is C.", "C", "answer_is"), ("The answers are B and D", "BD", "answer_is"),
    ("**Answer:** B", "B", "answer_is"), ("Answer: (A)", "A", "answer_is"),
    ("I think A", None, "unparsed"), ("a", None, "unparsed"), ("The answer is a.", None, "unparsed"), ("", None, "unparsed"),
    ("It is C because D is wrong", None, "unparsed"), ("The answer is C, not D", None, "unparsed"), ("ABCDE", None, "unparsed"),
])
def test_the_rules_read_only_answers_that_are_letters(response, letters, rule):
    assert read_letters(response) == (letters, rule)


def test_the_scorer_compares_letter_sets_and_counts_unread_answers():
    items = [ScoreInput(id=str(i), prediction=p, references=[a]) for i, (p, a) in enumerate([("D, B", "B, D"), ("B", "B, D"), ("x", "C"), ("3", "3")])]
    scores = score_logicvista(items, NoOptions())
    assert [(s.extracted, s.rule, s.stats["score"], s.stats["unparsed"]) for s in scores] == [
        ("DB", "letters", 1.0, 0.0), ("B", "letters", 0.0, 0.0), (None, "unparsed", 0.0, 1.0), (None, "unparsed", 0.0, 1.0)]
