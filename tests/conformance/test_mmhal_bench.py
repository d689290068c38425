"""MMHal-Bench's rating reading against the authors' grading code, reply by reply.

``data/mmhal_bench_official.json`` holds adversarial judge replies and what llava-rlhf/LLaVA-RLHF's Eval/eval_gpt_mmhal.py
(its "# analyze responses" block, run as written; repository, commit and command in the file's header) made of each: the
rating, and the hallucination flag (rating below 3). omnieval's verdict pattern (tasks/vqa/mmhal_bench.yaml) must read the
same rating wherever the official code found exactly one, and ``mmhal_score`` the same flag, with one pinned departure:
a reply with no rating, or with two different ones, is a scoring error here, where the official code warns and scores it 0.
The grading prompts themselves are checked against the recorded ones in tests/catalog/test_mmhal_bench.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.run.judge import parse_verdict
from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.judge import score_mmhal
from evals.spec.catalog import load_task

DATA = json.loads((Path(__file__).parent / "data" / "mmhal_bench_official.json").read_text(encoding="utf-8"))
VERDICT = load_task("mmhal_bench").judge.verdict


def test_the_official_outputs_say_where_they_come_from_and_cover_each_rule():
    assert DATA["official"]["repository"] == "llava-rlhf/LLaVA-RLHF" and DATA["official"]["path"] == "Eval/eval_gpt_mmhal.py"
    assert len(DATA["official"]["commit"]) == 40 and DATA["command"]
    ratings = DATA["ratings"]
    assert {c["official_score"] for c in ratings if c["official_one_rating"]} == set(range(7))
    assert sum(not c["official_one_rating"] for c in ratings) >= 5 and len(DATA["prompts"]) == 3


@pytest.mark.parametrize("case", DATA["ratings"], ids=[f"{i}:{c['reply'][:20]!r}" for i, c in enumerate(DATA["ratings"])])
def test_a_reply_is_rated_as_the_official_code_rates_it(case):
    score, problem = parse_verdict(case["reply"], VERDICT)
    if not case["official_one_rating"]:  # the pinned departure: the official 0 is a scoring error here
        assert score is None and problem and case["official_score"] == 0
        return
    assert score == case["official_score"] and problem is None
    [scored] = score_mmhal([ScoreInput(id="x", prediction="p", references=["r"], metadata={"judge": {"score": score, "raw": case["reply"]}})],
                           None)
    assert scored.stats == {"score": float(case["official_score"]), "hallucinated": float(case["official_hallucination"])}
