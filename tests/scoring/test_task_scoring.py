"""TaskScoring: per-sample outcomes (extracted answer, rule, errors), scoring errors, empty references."""

from __future__ import annotations

import pytest

from evals.results import MetricValue, RunResults, SampleRecord
from evals.scoring.contract import SampleScore, ScoreInput, mean_aggregate, scorer, stats_table
from evals.scoring.isolate import NO_REFERENCES, score_samples
from evals.scoring.registry import get_scorer
from evals.scoring.task import TaskScoring

CHOICES = ["red", "blue", "green", "light blue"]


def _items(predictions, reference="ok"):
    return [ScoreInput(id=str(i), prediction=p, references=[reference]) for i, p in enumerate(predictions)]


def test_sample_score_reads_as_its_stats():
    s = SampleScore({"score": 1.0, "unparsed": 0.0}, extracted="B", rule="bare")
    assert s["score"] == 1.0 and dict(s) == {"score": 1.0, "unparsed": 0.0} and s.get("missing", 2.0) == 2.0
    table = stats_table([s, {"score": 0.0, "unparsed": 1.0}])
    assert table["score"].tolist() == [1.0, 0.0]


def test_choice_records_carry_the_extracted_letter_and_rule():
    scoring = TaskScoring([("choice_accuracy", {})], [])
    inputs = [ScoreInput(id=str(i), prediction=p, references=["B"], choices=CHOICES)
              for i, p in enumerate(["(b)", "It is light blue", "no idea"])]  # fmt: skip
    outcomes = scoring.add(inputs)
    assert [(o.extracted, o.rule) for o in outcomes] == [("B", "bare"), ("D", "option_text"), (None, "unparsed")]
    records = [SampleRecord(task="t", index=i, id=str(i), references=["B"]) for i in range(3)]
    for rec, outcome in zip(records, outcomes):
        outcome.fill(rec)
    assert records[0].extracted == "B" and records[0].extraction_rule == "bare" and records[0].score_error is None
    assert records[0].scores["choice_accuracy"]["score"] == 1.0
    assert records[2].extraction_rule == "unparsed" and records[2].scores["choice_accuracy"]["unparsed"] == 1.0
    line = records[1].model_dump_json(exclude_none=True)
    assert '"extracted":"D"' in line and '"extraction_rule":"option_text"' in line


def test_mmmu_reports_letter_or_open_answer():
    rows = get_scorer("mmmu_accuracy").score(
        [ScoreInput(id="1", prediction="The answer is (C)", references=["C"], choices=["x", "y", "z"]),
         ScoreInput(id="2", prediction="so it is 3.50 m", references=["3.5"])], get_scorer("mmmu_accuracy").parse_options({}))  # fmt: skip
    assert (rows[0].extracted, rows[0].rule) == ("C", "phrase")
    assert (rows[1].extracted, rows[1].rule, rows[1]["score"]) == ("3.5", "open_number", 1.0)


@pytest.mark.parametrize("name", ["fragile", "fragile_corpus"])
def test_a_scorer_raising_on_one_sample_makes_it_that_samples_error(fragile_scorer, name):
    scoring = TaskScoring([name], [], n_resamples=50)
    predictions = ["ok", "no", "boom", "ok", "ok"]
    outcomes = scoring.add(_items(predictions))
    if not scoring.streaming:
        outcomes = [a.merged(b) for a, b in zip(outcomes, scoring.finish_corpus())]
    assert [o.error is not None for o in outcomes] == [False, False, True, False, False]
    assert outcomes[2].error == f"{name}: ValueError: cannot score 'boom'" and name not in outcomes[2]
    assert outcomes[0][name]["score"] == 1.0 and outcomes[0].extracted == "ok" and outcomes[0].rule == "exact"
    assert scoring.n_score_errors == 1 and scoring.n_scored == 5
    metric = scoring.metrics()["accuracy"]
    assert metric.n == 4 and metric.value == pytest.approx(3 / 4)
    if name == "fragile_corpus":  # the corpus was scored again without the failing sample
        assert {o[name]["batch"] for o in outcomes if o.error is None} == {4.0}
    rec = SampleRecord(task="t", index=2, id="2", prediction="boom", references=["ok"])
    outcomes[2].fill(rec)
    assert rec.score_error == outcomes[2].error and rec.error is None and rec.scores == {}


def test_a_second_batch_goes_on_after_a_scoring_error(fragile_scorer):
    scoring = TaskScoring([("fragile", {}), ("exact_match", {})], [], n_resamples=0)
    scoring.add(_items(["boom", "ok"]))
    outcomes = scoring.add(_items(["ok", "boom"]))
    assert outcomes[0].error is None and outcomes[1].error.startswith("fragile: ")
    assert "exact_match" in outcomes[1] and "fragile" not in outcomes[1]  # the other scorer still scored it
    metrics = scoring.metrics()
    assert metrics["accuracy"].n == 2 and metrics["exact_match"].n == 4 and scoring.n_score_errors == 2
    assert metrics["accuracy"].ci_method is None


def test_empty_references_are_a_scoring_error_for_every_scorer_that_needs_them(temporary_scorers):
    for name in ("exact_match", "vqa_accuracy", "anls", "wer", "relaxed_accuracy", "yes_no", "choice_accuracy"):
        s = get_scorer(name)
        inputs = [ScoreInput(id="a", prediction="yes", references=["yes"], choices=["yes", "no"] if name == "choice_accuracy" else None),
                  ScoreInput(id="b", prediction="yes", references=[], choices=["yes", "no"] if name == "choice_accuracy" else None)]
        if name == "choice_accuracy":
            inputs[0] = inputs[0].model_copy(update={"references": ["A"]})
        out = score_samples(s, inputs, s.parse_options({}))
        assert out[0].error is None and out[1].error == NO_REFERENCES, name

    @scorer("length", aggregate=mean_aggregate("score", "length"), primary="length", metrics=("length",), needs_references=False)
    def length(inputs, options):
        return [{"score": float(len(i.prediction))} for i in inputs]

    scoring = TaskScoring(["length", "exact_match"], [], n_resamples=0)
    (outcome,) = scoring.add([ScoreInput(id="x", prediction="abc", references=[])])
    assert outcome["length"] == {"score": 3.0} and outcome.error == f"exact_match: {NO_REFERENCES}"
    assert scoring.metrics()["length"].n == 1 and "exact_match" not in scoring.metrics()


def test_subgroups_and_metadata_are_separate_and_meta_is_read_as_subgroups():
    item = ScoreInput(id="1", prediction="yes", references=["yes"], meta={"category": "OCR", "n": 3})
    assert item.subgroups == {"category": "OCR", "n": "3"} and item.metadata == {}
    item = ScoreInput(id="1", prediction="x", references=["x"], subgroups={"a": "1"}, metadata={"b": 2}, prompt="Q?", cluster="img")
    assert item.sample_field("a") == "1" and item.sample_field("b") == "2" and item.sample_field("c") == ""
    scoring = TaskScoring(["exact_match"], ["a", "b"], n_resamples=0)
    scoring.add([item])
    assert [r.field for r in scoring.subgroups()] == ["a", "b"] and "1" in scoring.subgroups()[0].groups


def test_old_results_and_records_still_load():
    old = {"schema_version": 1, "run_id": "r", "model": "m", "model_hash": "h", "model_fingerprint": {}, "tasks": {"t": {
        "task": "t", "task_version": 1, "modality": "image", "kind": "vqa", "task_hash": "a", "spec_hash": "b",
        "dataset": {"path": "p", "split": "s", "fingerprint": "f", "origin": "o"}, "primary_metric": "exact_match",
        "metrics": {"exact_match": {"value": 0.5, "ci_low": 0.1, "ci_high": 0.9, "n": 4}}, "scorers": {"exact_match": {}},
        "n_samples": 4, "n_scored": 4, "n_errors": 0}}}  # fmt: skip
    task = RunResults.model_validate(old).tasks["t"]
    assert task.n_score_errors == 0 and task.metrics["exact_match"].ci_method is None
    rec = SampleRecord.model_validate_json('{"task":"t","index":0,"id":"a","references":["x"],"scores":{"exact_match":{"score":1.0}}}')
    assert rec.cluster is None and rec.score_error is None and rec.extracted is None
    assert MetricValue(value=1.0, n=2, ci_method="cluster_bootstrap", n_clusters=1).n_clusters == 1
