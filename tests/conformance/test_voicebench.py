"""VoiceBench's AdvBench refusal rule, BBH answer chains and judge prompts against the official code, case by case.

``data/voicebench_official.json`` holds what MatthewCYM/VoiceBench's own code returned when it was run (repository,
paths, commit and command in the file's header): ``HarmEvaluator.evaluate_single`` on adversarial answers,
``BBHEvaluator.extract_answer`` on a text meeting every rule of every chain and on hand-written answers, the chat requests
``api_judge.generate`` sends for open-ended and SD-QA items, and the leaderboard table (for the Overall). omnieval's readers must give
the same answer for every case and its judge blocks the same system and user messages. The one departure in the rules:
where the official BBH code picks a random answer (no rule read it), omnieval leaves it unparsed: wrong and counted in
``unparsed_rate``, never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.results import SampleRecord
from evals.run.judge import judge_requests
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.voicebench import (score_voicebench_bbh, score_voicebench_refusal, voicebench_bbh_answer, voicebench_overall,
                                              voicebench_refuses)
from evals.spec.catalog import load_task
from evals.spec.templates import quote_answer

DATA = json.loads((Path(__file__).parent / "data" / "voicebench_official.json").read_text(encoding="utf-8"))


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "MatthewCYM/VoiceBench" and len(official["commit"]) == 40 and DATA["command"]
    assert {"src/evaluator/harm.py", "src/evaluator/bbh.py", "api_judge.py"} <= set(official["paths"])
    assert len(DATA["harm"]) >= 50 and {c["refused"] for c in DATA["harm"]} == {True, False}
    bbh = DATA["bbh"]
    assert len(bbh) >= 500 and {c["id"].rsplit("_", 1)[0] for c in bbh} == {"sports_understanding", "hyperbaton", "navigate", "web_of_lies"}
    assert {c["official"] for c in bbh} == {0, 1, None} and all((c["official"] is None) == c["official_random"] for c in bbh)


@pytest.mark.parametrize("case", DATA["harm"], ids=[f"{i}:{c['response'][:30]!r}" for i, c in enumerate(DATA["harm"])])
def test_advbench_refusals_are_read_as_the_official_evaluator_reads_them(case):
    assert voicebench_refuses(case["response"])[0] == case["refused"]


def test_bbh_answers_are_read_as_the_official_chains_read_them():
    wrong = []
    for case in DATA["bbh"]:
        answer, rule = voicebench_bbh_answer(case["response"], case["id"])
        # Deliberate departure: where the official code guesses random.choice([0, 1]), the answer is unparsed here.
        if answer != case["official"] or (rule == "unparsed") != case["official_random"]:
            wrong.append((case["id"], case["response"], case["official"], answer, rule))
    assert not wrong, wrong[:10]


def test_an_unread_bbh_answer_is_wrong_and_counted_never_a_guess():
    items = [ScoreInput(id=str(i), prediction=p, references=[ref], metadata={"bbh_id": row})
             for i, (p, ref, row) in enumerate([("The answer is (B).", "(B)", "hyperbaton_0"), ("Hmm.", "Yes", "navigate_1"),
                                                ("No.", "no", "web_of_lies_2"), ("Yes", "maybe", "navigate_3"),
                                                ("Yes", "yes", "logical_deduction_4")])]
    scores = score_voicebench_bbh(items, NoOptions())
    assert [(s.extracted, s.rule) for s in scores[:3]] == [("1", "hyperbaton"), (None, "unparsed"), ("0", "lies")]
    assert [s.stats["score"] for s in scores[:3]] == [1.0, 0.0, 1.0] and [s.stats["unparsed"] for s in scores[:3]] == [0.0, 1.0, 0.0]
    # a reference outside the official ground_truth_mapping, and a row of no known subtask: scoring errors (the official
    # code raises KeyError and NotImplementedError)
    assert "is none of yes, no, (A), (B)" in scores[3].error and "names none of the subtasks" in scores[4].error


def test_a_blank_advbench_answer_counts_as_a_refusal_as_there():
    scores = score_voicebench_refusal([ScoreInput(id=str(i), prediction=p, references=[]) for i, p in enumerate(["", "Sure: step 1", "I can't."])],
                                      NoOptions())
    assert [(s.stats["refused"], s.rule) for s in scores] == [(1.0, "empty"), (0.0, "no_refusal"), (1.0, "phrase")]


@pytest.mark.parametrize("k", range(len(DATA["judge_prompts"])))
def test_the_judge_is_asked_with_the_official_messages(k):
    """The official chat request for each item, with the answer as omnieval quotes it in a judge prompt (its line breaks
    written \\n, its | as \\|): the only change."""
    case = DATA["judge_prompts"][k]
    item = case["item"]
    task = "voicebench_sd_qa_usa" if "reference" in item else "voicebench_alpacaeval"
    record = SampleRecord(task=task, index=0, id="0", prompt=[{"role": "user", "content": [{"type": "audio"}]}],
                          prediction=item["response"], references=[item["reference"]] if "reference" in item else [],
                          metadata={"transcript": item["prompt"]})
    [request] = judge_requests(load_task(task), [record])
    system, user = case["messages"]
    assert [m.role for m in request.messages] == ["system", "user"]
    assert request.messages[0].content[0].text == system["content"]
    assert request.messages[1].content[0].text == user["content"].replace(item["response"], quote_answer(item["response"]))
    assert case["model"] == "gpt-4o-mini" and case["n"] == 3 and case["temperature"] == 0.5  # the departures the descriptions name



def test_the_overall_is_the_leaderboards_for_every_row_it_prints():
    """Every row of the official leaderboard (README at the recorded commit): the mean of the nine columns, the 1-5
    ratings times 20, rounded to 2 decimals, is the Overall it prints."""
    rows = DATA["leaderboard"]
    assert len(rows) >= 30
    for row in rows:
        assert round(voicebench_overall(row), 2) == pytest.approx(row["overall"], abs=0.006), row["model"]
    with pytest.raises(KeyError, match="missing ifeval"):
        voicebench_overall({k: v for k, v in rows[0].items() if k != "ifeval"})
