"""MLVU's generation tasks: the judge's messages and the reading of its scores against MLVU's own evaluation code.

``data/mlvu_generation_official.json`` holds what JUNJIE99/MLVU's code did when it was run (the files at the commit its
header names, in a throwaway script outside the repository; its command is recorded there): the messages
``annotate()`` of evaluate_ssc.py and evaluate_summary.py sends to GPT-4 (the openai module stubbed to record them) for
sub-scene and summary questions and for answers with a line break and a ``|``, and what ``extract_scores`` of
calculate.py and calculate_sum.py reads from adversarial judge replies (``scores``, or ``raises``: the script stops).
omnieval's judge messages and readings must be the same, but for the departures pinned here: the answer is quoted in
the prompt (line breaks written ``\\n``, ``|`` as ``\\|``); a reply from which fewer than both scores are read, or whose
score is not a number, is a scoring error (calculate.py adds what it found and 0, or stops).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.results import SampleRecord
from evals.run.judge import judge_requests
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.long_video import MLVU_SSC_KEYS, MLVU_VS_KEYS, mlvu_judge_scores, score_mlvu_ssc, score_mlvu_vs
from evals.spec.catalog import load_task
from evals.spec.templates import quote_answer

DATA = json.loads((Path(__file__).parent / "data" / "mlvu_generation_official.json").read_text(encoding="utf-8"))
COMMIT = "fd060c10a43ea48a35100a22688a927b8e531199"
TASKS = {"subplot": ("mlvu_dev_ssc", score_mlvu_ssc, MLVU_SSC_KEYS, "ssc"), "summary": ("mlvu_dev_vs", score_mlvu_vs, MLVU_VS_KEYS, "vs")}


def test_the_reference_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["source"]["repository"] == "JUNJIE99/MLVU" and DATA["source"]["commit"] == COMMIT and DATA["source"]["command"]
    assert {m["task"] for m in DATA["judge_messages"]} == {"subplot", "summary"} and len(DATA["readings"]) >= 20
    assert any("raises" in r["ssc"] for r in DATA["readings"]) and any(len(r["vs"].get("scores", [])) == 1 for r in DATA["readings"])
    assert all(m["model"] == "gpt-4-turbo" and m["temperature"] == 0 for m in DATA["judge_messages"])
    for task in ("mlvu_dev_ssc", "mlvu_dev_vs"):
        assert COMMIT in load_task(task).description


@pytest.mark.parametrize("case", DATA["judge_messages"], ids=lambda c: f"{c['task']}-{c['prediction'][:12]!r}")
def test_the_judge_gets_mlvus_messages(case):
    task = TASKS[case["task"]][0]
    spec = load_task(task)
    row = case["row"]
    metadata = {"question": row["question"], **({"scoring_points": row["scoring_points"]} if "scoring_points" in row else {})}
    record = SampleRecord(task=task, index=0, id="0", prompt=[], prediction=case["prediction"], references=[row["answer"]], metadata=metadata)
    [request] = judge_requests(spec, [record])
    system, user = (m.content[0].text for m in request.messages)
    assert system == case["system"]
    # The departure, pinned: the answer quoted; a one-line answer without | is exactly the official message.
    official = case["user"]
    expected = official.replace(f"Respondent's Answer: {case['prediction']}\n", f"Respondent's Answer: {quote_answer(case['prediction'])}\n")
    assert user == expected and (expected == official) == ("\n" not in case["prediction"] and "|" not in case["prediction"])
    assert spec.judge.max_new_tokens >= 1024 and request.generation.temperature == 0.0


@pytest.mark.parametrize("case", DATA["readings"], ids=lambda c: repr(c["reply"][:40]))
@pytest.mark.parametrize("kind", ["subplot", "summary"])
def test_judge_replies_are_read_as_extract_scores_reads_them(case, kind):
    _, score, keys, column = TASKS[kind]
    official = case[column]
    if "raises" in official:
        with pytest.raises(ValueError):
            mlvu_judge_scores(case["reply"], keys)
    else:
        assert mlvu_judge_scores(case["reply"], keys) == official["scores"]
    item = ScoreInput(id="0", prediction="x", references=["y"], metadata={"judge": {"raw": case["reply"], "answer": None, "error": None}})
    [outcome] = score([item], NoOptions())
    if "scores" in official and len(official["scores"]) == 2:
        first, second = official["scores"]
        assert outcome.error is None and outcome.stats == {"score": first + second, keys[0]: first, keys[1]: second}
    else:  # the departure: calculate.py adds what it found and 0 (or stops); here the sample is a scoring error
        assert outcome.error is not None
