"""AIR-Bench Chat's judging against OFA-Sys/AIR-Bench's own scoring, reply by reply, sample by sample and split by split.

``data/air_bench_chat.json`` holds adversarial judge replies and what the official ``cal_score.py`` read from each
when it was run in each order (the reference first; the model's answer first, its ``cir`` file), one-sample and
several-sample splits with the official numbers (the two orders averaged, as its README says; the mixed-audio figure
the mean of its speech_and_sound and speech_and_music figures), and the prompts ``score_chat.py``'s own code builds
(repository, paths, commit and command in the file's header). omnieval must read every reply, score every sample and
every split as the official code does, except where it departs on purpose (pinned below, and said in the tasks'
descriptions): a sample either order could not score is a counted scoring error, never one order's mean; a negative
score, which ``cal_score.py`` keeps, is outside the verdict's 0..10; the two answers are quoted in the prompt (line
breaks and ``|`` escaped, ``spec/templates.py`` ``quote_answer``), so an answer cannot close its block and write the
prompt's ``[System]`` part itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.results import SampleRecord
from evals.run.judge import judge_requests, read_pairs
from evals.scoring.contract import ScoreInput, stats_table
from evals.scoring.metrics.air_bench import format_pair_reading, pair_stats, score_judge_pair
from evals.scoring.registry import get_scorer
from evals.spec.catalog import load_task
from evals.spec.templates import quote_answer

DATA = json.loads((Path(__file__).parent / "data" / "air_bench_chat.json").read_text(encoding="utf-8"))
REPLIES, SAMPLES, AGGREGATES, PROMPTS = DATA["replies"], DATA["samples"], DATA["aggregates"], DATA["prompts"]
SPEC = load_task("air_bench_chat_sound")
JUDGE = SPEC.judge
ORDERS = ("reference_first", "answer_first")


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    official = DATA["official"]
    assert official["repository"] == "OFA-Sys/AIR-Bench" and official["path"] == "cal_score.py" and len(official["commit"]) == 40
    assert DATA["command"] and DATA["how"] and DATA["departures"]
    assert len(REPLIES) >= 100 and len({r["reply"] for r in REPLIES}) == len(REPLIES)
    kinds = {tuple(sorted(r[o])) for r in REPLIES for o in ORDERS}
    assert kinds == {("answer", "reference", "win"), ("dropped",)}  # a score above 10 too is dropped, never a stop
    assert len(SAMPLES) >= 40 and len(AGGREGATES) >= 20 and {a["split"] for a in AGGREGATES} == {"sound", "music", "speech", "mixed"}


def test_the_task_asks_both_orders_as_the_official_protocol_does():
    for split in ("sound", "music", "speech", "mixed"):
        judge = load_task(f"air_bench_chat_{split}").judge
        assert judge.orders == ["reference_first", "answer_first"] and judge.verdict.kind == "pair"
        assert (judge.verdict.min, judge.verdict.max) == (0, 10)


@pytest.mark.parametrize("case", REPLIES, ids=[f"{i}:{c['reply'][:24]!r}" for i, c in enumerate(REPLIES)])
def test_each_reply_is_read_as_cal_score_reads_it_in_each_order(case):
    for order in ORDERS:
        official = case[order]
        pairs, why = read_pairs([case["reply"]], JUDGE.verdict, [order])
        if "dropped" in official:  # counted in fail_num and left out there; a scoring error here
            assert pairs is None and why, order
        elif min(official["reference"], official["answer"]) < 0:
            # Deliberate departure: cal_score.py checks only "> 10" and averages a negative score; the verdict's range
            # is 0..10 here (the prompt asks 1..10; 0 is kept because the official leaderboard's means below 1 need it).
            assert pairs is None and "outside 0..10" in why, order
        else:
            assert why is None and pairs == [(official["reference"], official["answer"])], order
            assert pair_stats(pairs)["win"] == official["win"], order  # a win: the answer's score strictly higher


def _score_input(sample_id: str, replies: list[str], task_name: str = "sound_QA") -> ScoreInput:
    """A sample as the judge hands it to the scorer: its verdict from both orders' replies (``Judge._pair_verdicts``)."""
    pairs, why = read_pairs(replies, JUDGE.verdict, JUDGE.orders)
    verdict = {"score": None, "answer": None, "error": why, "raw": "\n".join(replies)}
    if pairs is not None:
        verdict |= {"answer": format_pair_reading(pairs), "score": pair_stats(pairs)["score"]}
    return ScoreInput(id=sample_id, prediction="an answer", references=["the reference"], subgroups={"task_name": task_name},
                      metadata={"judge": verdict})


@pytest.mark.parametrize("case", SAMPLES, ids=[f"{i}:{c['replies'][0][:12]!r}|{c['replies'][1][:12]!r}" for i, c in enumerate(SAMPLES)])
def test_each_sample_is_scored_as_the_official_orders_average_it(case):
    [outcome] = score_judge_pair([_score_input("s", case["replies"])], get_scorer("judge_pair").parse_options({}))
    read = [case[o] for o in ORDERS]
    if any("dropped" in r for r in read):
        # Deliberate departure: cal_score.py would keep this sample in the order it could read (a partial score); here
        # the sample is a counted scoring error, in both orders.
        assert outcome.error and not outcome.stats
        return
    if any(min(r["reference"], r["answer"]) < 0 for r in read):
        assert outcome.error and "outside 0..10" in outcome.error  # the negative-score departure, as above
        return
    official = case["official"]
    assert outcome.error is None
    assert outcome.stats == pytest.approx({"score": official["score"], "reference_score": official["reference_score"],
                                           "win": official["win_rate"]})


def _split_metrics(case: dict) -> tuple[dict[str, float], int]:
    spec = load_task(f"air_bench_chat_{case['split']}")
    scorer = get_scorer(spec.scorers[0].name)
    options = scorer.parse_options(spec.scorers[0].options)
    outcomes = score_judge_pair([_score_input(s["id"], s["replies"], s["task_name"]) for s in case["samples"]], options)
    scored = [o for o in outcomes if o.error is None]
    return scorer.aggregate(stats_table(scored), options), len(outcomes) - len(scored)


@pytest.mark.parametrize("case", AGGREGATES, ids=[f"{i}:{c['split']}" for i, c in enumerate(AGGREGATES)])
def test_each_split_is_scored_as_the_official_protocol_scores_it(case):
    metrics, n_errors = _split_metrics(case)
    common = case["official_on_samples_both_orders_scored"]
    official = case["official"]
    if case["split"] == "mixed":  # the mean of its two groups' figures (README, cal_score.py), the task's macro_over: task_name
        common, official = case["official_mixed_on_samples_both_orders_scored"], case["official_mixed"]
        assert "score_pooled" in metrics
    else:  # sound_QA + sound_generation_QA etc.: one group of cal_score.py, pooled
        [common], [official] = common.values(), official.values()
        assert "score_pooled" not in metrics
    assert {m: metrics[m] for m in ("score", "reference_score", "win_rate")} == pytest.approx(
        {m: common[m] for m in ("score", "reference_score", "win_rate")})
    if n_errors == 0:
        assert common == official
    # Deliberate departure, pinned: where one order dropped a reply the other scored, cal_score.py's two orders average
    # over different samples; here such a sample is a counted scoring error, so the split is scored on the samples
    # both orders scored, which is the official script run on those samples.
    elif official["score"] != pytest.approx(common["score"]):
        assert metrics["score"] != pytest.approx(official["score"])


def test_the_mixed_figure_is_the_mean_of_its_groups_not_the_pooled_mean():
    mixed = [c for c in AGGREGATES if c["split"] == "mixed"]
    differs = 0
    for case in mixed:
        metrics, _ = _split_metrics(case)
        differs += metrics["score"] != pytest.approx(metrics["score_pooled"])
        groups = case["official_on_samples_both_orders_scored"]
        assert metrics["score"] == pytest.approx((groups["speech_and_sound"]["score"] + groups["speech_and_music"]["score"]) / 2)
    assert differs  # the cases have unequal groups, so the two readings are told apart


@pytest.mark.parametrize("case", PROMPTS, ids=range(len(PROMPTS)))
def test_the_judge_is_asked_score_chats_prompt_in_both_orders(case):
    record = SampleRecord(task=SPEC.name, index=0, id="5000", prompt=[{"role": "user", "content": [{"type": "text", "text": case["question"]}]}],
                          prediction=case["response"], references=[case["answer_gt"]], metadata={"meta_info": case["meta_info"]})
    requests = judge_requests(SPEC, [record])
    # Deliberate departure, pinned: score_chat.py puts both answers in verbatim; here each is quoted (its line breaks
    # written \n, its | as \|), so an answer cannot end its "[The End of Assistant 2s Answer]" block. Otherwise the
    # prompt is score_chat.py's character for character (an answer on one line without | is exactly the official one).
    official = [case["reference_first"], case["answer_first"]]
    expected = [p.replace(case["response"], quote_answer(case["response"])).replace(case["answer_gt"], quote_answer(case["answer_gt"]))
                for p in official]
    assert [r.messages[-1].content[0].text for r in requests] == expected
    assert (expected == official) == ("\n" not in case["response"] + case["answer_gt"])
    assert len({r.key for r in requests}) == 2  # each order its own request, cached under its own prompt
