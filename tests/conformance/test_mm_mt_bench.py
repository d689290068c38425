"""MM-MT-Bench's requests, judge prompt, rating reading and averages against the official code.

``data/mm_mt_bench_official.json`` holds what mistralai/mistral-evals' own ``eval/tasks/mm_mt_bench.py`` gave when it was
run on the fixture's conversations (repository, path, commit and command in its header): each turn's request (the
conversation up to the turn, with the dataset's assistant messages as the earlier answers), the judge's system prompt and
the user prompt ``_get_judge_prompt`` renders for an answer, the rating ``get_score`` reads from judge replies, and
``aggregate_metrics``' averages. tasks/vqa/mm_mt_bench.yaml must render the prompt byte for byte (quirks included: each user
turn shows as "rolecontent", earlier answers as Python reprs) and read each reply as ``get_score`` does. Departures, pinned
here: a reply without a rating is a scoring error (the official asks the judge again until one parses), and so is a rating
outside 0-10 (the official keeps [[15]]); a [[08]], on which the official ``ast.literal_eval`` raises, reads 8; an answer
with a line break or a ``|`` is shown quoted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.data.loaders import mm_mt_bench_turns
from evals.requests import TextPart
from evals.run.judge import parse_verdict
from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.mm_mt_bench import aggregate_mm_mt_bench, score_mm_mt_bench
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template, quote_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import MM_MT_BENCH_CONVERSATIONS, mm_mt_bench_parts  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "mm_mt_bench_official.json").read_text(encoding="utf-8"))
SPEC = load_task("mm_mt_bench")


def planned_turns():
    """The fixture's rows as the task's loader unrolls them, planned (metadata through JSON, as records keep it)."""
    planner = RequestPlanner(SPEC)
    [part] = mm_mt_bench_parts()
    rows = [out for i, row in enumerate(part.rows) for out in mm_mt_bench_turns(i, row)]
    samples = [planner.plan(n, row) for n, row in enumerate(rows)]
    assert all(s.error is None for s in samples)
    return [(s, json.loads(json.dumps(s.metadata))) for s in samples]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"]["repository"] == "mistralai/mistral-evals" and len(DATA["official"]["commit"]) == 40
    assert DATA["command"] and len(DATA["turns"]) == 6 and len(DATA["ratings"]) >= 12
    assert {t["turn"] for t in DATA["turns"]} == {0, 1, 2}


def test_each_turn_is_asked_with_the_earlier_turns_and_their_reference_answers():
    answers = [a for _, turns in MM_MT_BENCH_CONVERSATIONS for _, a in turns]
    for (sample, meta), official, answer in zip(planned_turns(), DATA["turns"], answers, strict=True):
        assert sample.references == [answer]  # the next assistant message of the conversation
        assert (meta["category"], meta["turn"]) == (official["category"], official["turn"])
        ours = [(m.role, ["image" if not isinstance(p, TextPart) else p.text for p in m.content]) for m in sample.request.messages]
        theirs = [(m["role"], ["image" if c["type"] == "image" else c["text"] for c in m["content"]]) for m in official["request_messages"]]
        assert ours == theirs
        assert sample.request.generation.max_new_tokens == official["max_tokens"] and sample.request.generation.temperature == official["temperature"]


def test_the_judge_prompt_renders_byte_for_byte_as_the_official_one():
    system = judge_template(SPEC.judge.system, "mm_mt_bench", "judge.system")
    user = judge_template(SPEC.judge.prompt, "mm_mt_bench", "judge.prompt")
    for (_, meta), official in zip(planned_turns(), DATA["turns"], strict=True):
        assert system.render(metadata=meta, prediction=official["answer"]) == official["judge_system"]
        rendered = user.render(metadata=meta, prediction=official["answer"])
        if "\n" in official["answer"] or "|" in official["answer"]:  # departure: the answer is quoted
            assert rendered == official["judge_prompt"].replace(official["answer"], quote_answer(official["answer"]))
            assert rendered != official["judge_prompt"]
        else:
            assert rendered == official["judge_prompt"]
        assert official["judge_prompt_parts"] == 1  # the official prompt is text alone: the image never reaches the judge


@pytest.mark.parametrize("case", DATA["ratings"], ids=[f"{i}:{c['reply'][:24]!r}" for i, c in enumerate(DATA["ratings"])])
def test_each_reply_is_read_as_the_official_get_score_reads_it(case):
    score, why = parse_verdict(case["reply"], SPEC.judge.verdict)
    if case.get("raises"):  # departure: ast.literal_eval raises on "08"; omnieval reads the number
        assert case["reply"] == "Rating: [[08]]" and score == 8.0
    elif case["rating"] == -1:  # the official asks the judge again, forever; here the sample is a scoring error
        assert score is None and why
    elif case["rating"] > 10:  # departure: a rating past the scale is a scoring error, where the official keeps it
        assert score is None and "outside" in why
    else:
        assert score == case["rating"], why


def test_micro_and_macro_averages_as_the_official_aggregate():
    items = [ScoreInput(id=str(n), prediction="x", references=["y"], subgroups={"category": meta["category"], "turn": str(meta["turn"])},
                        metadata={"judge": {"score": float(r), "raw": f"[[{r}]]", "error": None}})
             for n, ((_, meta), r) in enumerate(zip(planned_turns(), DATA["aggregate"]["ratings"], strict=True))]
    scores = score_mm_mt_bench(items, NoOptions())
    table = {c: [s.stats[c] for s in scores] for c in ("score", "category", "turn")}
    official = DATA["aggregate"]["metrics"]
    assert aggregate_mm_mt_bench(table, NoOptions()) == pytest.approx(
        {"micro_average_score": official["micro_average_score"], "macro_average_score": official["macro_average_score"]})


def test_a_turn_without_a_rating_is_a_scoring_error_never_a_score():
    item = ScoreInput(id="0", prediction="x", references=["y"], subgroups={"category": "Charts", "turn": "0"},
                      metadata={"judge": {"score": None, "raw": "no rating", "error": "judge gave an unparseable verdict"}})
    [scored] = score_mm_mt_bench([item], NoOptions())
    assert scored.error and not scored.stats


def test_a_conversation_that_is_not_user_and_assistant_in_turn_is_one_error_row():
    [row] = mm_mt_bench_turns(7, {"conversation": json.dumps([{"role": "user", "content": "hi"}]), "category": "Misc"})
    assert "conversation 7" in next(iter(row.values()))
