"""We-Math's answer reading and its Score (Strict) / Score (Loose) against the official evaluator.

``data/wemath_official.json`` holds what We-Math's own evaluation/four_dimensional_metrics.py (repository, commit and
command in the file) computed: the ``processed_answer`` of adversarial responses (``Answer`` in every case and place,
brackets, colons, full stops, bold, several answers, letters past H, empty), and six whole testmini answer sheets (the
official 1,740 rows, from mostly wrong to mostly right) with the class counts (IK, IG, CM, RM) and the final scores.
omnieval's ``read_answer`` must read every response as the official code does, and the mean over the 525 problems of
the ``wemath_strict`` / ``wemath_loose`` reducers must be the official scores.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.wemath import read_answer, score_wemath, score_wemath_problems, wemath_loose, wemath_strict

DATA = json.loads((Path(__file__).parent / "data" / "wemath_official.json").read_text(encoding="utf-8"))


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "We-Math/We-Math" and official["path"] == "evaluation/four_dimensional_metrics.py"
    assert len(official["commit"]) == 40 and "compute_final_scores" in DATA["command"]
    assert len(DATA["reading"]) >= 40 and len(DATA["rows"]) == 1740 and len({r[0] for r in DATA["rows"]}) == 525
    assert len({r["official_reading"] for r in DATA["reading"]}) >= 5 and sum(r["official_reading"] is None for r in DATA["reading"]) >= 10
    assert len(DATA["trials"]) == 6


@pytest.mark.parametrize("case", DATA["reading"], ids=[f"{i}:{c['response'][:25]!r}" for i, c in enumerate(DATA["reading"])])
def test_each_response_is_read_as_the_official_code_reads_it(case):
    assert read_answer(case["response"]) == case["official_reading"]


def _inputs(trial):
    out = []
    for n, ((pid, key, answer), pick) in enumerate(zip(DATA["rows"], trial["picks"])):
        response = f"<Thought process>: ...\n<Answer>: {answer}" if pick == -1 else DATA["responses"][pick]
        out.append((pid, ScoreInput(id=str(n), prediction=response, references=[answer], metadata={"key": key})))
    return out


@pytest.mark.parametrize("trial", DATA["trials"], ids=[f"seed{t['seed']}" for t in DATA["trials"]])
def test_the_reducers_give_the_official_strict_and_loose_scores(trial):
    inputs = _inputs(trial)
    scores = score_wemath_problems([item for _, item in inputs], NoOptions())
    problems: dict[str, list] = defaultdict(list)
    for (pid, _), s in zip(inputs, scores):
        problems[pid].append(s.stats)
    assert len(problems) == 525
    counts = trial["total_counts"]
    for reducer, kind in ((wemath_strict, "strict"), (wemath_loose, "loose")):
        score = sum(reducer(rows)["score"] for rows in problems.values()) / 525
        official = (525 - 0.5 * counts["InadequateGeneralization"] - counts[f"RoteMemorization_{kind}"] - counts["InsufficientKnowledge"]) / 525
        assert score == pytest.approx(official, abs=1e-12)
        assert f"{score:.2%}" == trial[f"score_{kind}"]
        mastered = sum(reducer(rows)["score"] == 1.0 for rows in problems.values())
        assert mastered == counts[f"CompleteMastery_{kind}"]
    rows = score_wemath([item for _, item in inputs], NoOptions())
    assert sum(s.stats["score"] for s in rows) / len(rows) == pytest.approx(trial["row_accuracy"], abs=1e-12)
