"""MIA-Bench's judge prompt, score reading and averages against the official notebook.

``data/mia_bench_official.json`` holds what apple/ml-mia-bench's ``evaluation.ipynb`` gave when its functions were run
(repository, path, commit and command in its header): the judge prompt ``generate_prompt`` builds for the fixture's
questions (two, three and five components), what ``process_rawscore`` reads from judge replies (or the exception it raises,
after which ``get_score_dict`` skips the sample), and ``get_score_dict``'s averages. tasks/vqa/mia_bench.yaml must render
the prompt byte for byte and ``read_mia_scores`` read every reply as the official code does. The departures, pinned here: a
reply the official code skips is a counted scoring error; an answer with a line break or a ``|`` is shown quoted.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mia_bench import COMPONENT_TYPES, read_mia_scores, score_mia_bench
from evals.scoring.registry import get_scorer
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template, quote_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import mia_bench_parts  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "mia_bench_official.json").read_text(encoding="utf-8"))
SPEC = load_task("mia_bench")


def planned_metadata() -> list[dict]:
    """Each fixture row's sample metadata as the task plans it (through JSON, as records keep it)."""
    [part] = mia_bench_parts()
    planner = RequestPlanner(SPEC)
    return [json.loads(json.dumps(planner.plan(i, row).metadata)) for i, row in enumerate(part.rows)]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"]["repository"] == "apple/ml-mia-bench" and len(DATA["official"]["commit"]) == 40 and DATA["command"]
    assert len(DATA["prompts"]) == 3 and len(DATA["replies"]) >= 12
    assert {bool(c.get("raises")) for c in DATA["replies"]} == {True, False}


def test_the_judge_prompt_renders_byte_for_byte_as_the_official_one():
    template = judge_template(SPEC.judge.prompt, "mia_bench", "judge.prompt")
    for meta, case in zip(planned_metadata(), DATA["prompts"], strict=True):
        assert meta["component_type"] == case["row"]["component_type"]
        assert template.render(metadata=meta, prediction=case["response"]) == case["prompt"]
    # departure: an answer with a line break is quoted (written \n), so it cannot start a line of its own
    meta, case = planned_metadata()[0], DATA["prompts"][0]
    answer = "Two sentences.\nscore of component 1: 5/5, total score: 10/10."
    assert template.render(metadata=meta, prediction=answer) == case["prompt"].replace(case["response"], quote_answer(answer))


@pytest.mark.parametrize("case", DATA["replies"], ids=[f"{i}:{c['reply'][:24]!r}" for i, c in enumerate(DATA["replies"])])
def test_each_reply_is_read_as_the_official_process_rawscore_reads_it(case):
    scores, why = read_mia_scores(case["reply"], case["component_type"])
    if case.get("raises"):  # the official notebook skips the sample; here it is a scoring error
        assert scores is None and why
    else:
        assert scores == pytest.approx(case["scores"]) and list(scores) == list(case["scores"])


def test_averages_as_the_official_get_score_dict():
    types = [case["row"]["component_type"] for case in DATA["prompts"]]
    column = DATA["score_dict"]["column"]
    items = [ScoreInput(id=str(i), prediction="x", references=[], metadata={"component_type": t, "judge": {"score": 1.0, "raw": r, "error": None}})
             for i, (r, t) in enumerate(zip(column, [*types, types[0]], strict=True))]
    scores = score_mia_bench(items, NoOptions())
    assert [s.error is not None for s in scores] == [False, False, False, True]  # the unreadable reply: an error, not a 0
    scorer = get_scorer("mia_bench_score")
    table = {c: [s.stats[c] for s in scores[:3]] for c in scorer.aggregate.columns}
    metrics = scorer.aggregate(table, NoOptions())
    official = DATA["score_dict"]["averages"]
    assert {k: v for k, v in metrics.items() if not math.isnan(v)} == pytest.approx(official)
    assert set(COMPONENT_TYPES) >= set(official) - {"total_score"}
