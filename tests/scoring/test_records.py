"""score_records: stored sample records scored again without a model."""

from __future__ import annotations

import json

import pytest

from evals.results import SampleRecord
from evals.scoring.contract import ScoreInput
from evals.scoring.records import media_cluster, prompt_text, record_input, score_records
from evals.scoring.task import TaskScoring


def _records():
    recs = []
    for i, (pred, ref, cat) in enumerate([("B", "B", "x"), ("A", "B", "x"), (None, "A", "y"), ("C", "C", "y"), ("A", "", "y")]):
        recs.append(SampleRecord(
            task="t", index=i, id=f"s{i}", cluster=f"img{i // 2}", choices=["p", "q", "r"], subgroups={"cat": cat},
            prompt=[{"role": "user", "content": [{"type": "image", "sha": "ab" * 8}, {"type": "text", "text": f"Which {i}?"}]}],
            prediction=pred, references=[ref] if ref else [], error="timeout" if pred is None else None,
        ))  # fmt: skip
    return recs


def test_rescoring_records_equals_scoring_them_in_a_run():
    recs = _records()
    out = score_records(recs, [("choice_accuracy", {})], ["cat"], seed=0, n_resamples=200)
    assert out.n_samples == 5 and out.n_errors == 1 and out.n_scored == 4 and out.n_score_errors == 1
    assert out.samples[2] is None and out.samples[4].error == "choice_accuracy: no reference answers"
    assert (out.samples[0].extracted, out.samples[0].rule) == ("B", "bare")
    assert out.metrics["accuracy"].value == pytest.approx(2 / 3) and out.metrics["accuracy"].n == 3
    assert out.metrics["accuracy"].ci_method == "cluster_bootstrap" and out.metrics["accuracy"].n_clusters == 2
    assert out.scorers == {"choice_accuracy": {}} and {r.field for r in out.subgroups} == {"cat"}

    scoring = TaskScoring([("choice_accuracy", {})], ["cat"], seed=0, n_resamples=200)
    scoring.add([x for x in map(record_input, recs) if x is not None])
    assert scoring.metrics() == out.metrics and scoring.subgroups() == out.subgroups

    fresh = recs[0].model_copy(update=out.samples[0].record_fields())
    assert fresh.scores == {"choice_accuracy": out.samples[0]["choice_accuracy"]} and fresh.extraction_rule == "bare"
    assert json.loads(fresh.model_dump_json())["extracted"] == "B"


def test_record_input_reads_what_a_scorer_needs():
    rec = _records()[0]
    item = record_input(rec)
    assert isinstance(item, ScoreInput) and item.prompt == "Which 0?" and item.cluster == "img0" and item.subgroups == {"cat": "x"}
    assert record_input(_records()[2]) is None
    assert media_cluster(rec.prompt) == "ab" * 8 and media_cluster([{"role": "user", "content": "text only"}]) is None
    two = [{"role": "user", "content": [{"type": "image", "sha": "ff"}, {"type": "audio", "sha": "0a"}, {"type": "text", "text": "?"}]}]
    assert media_cluster(two) == "0a+ff"
    assert prompt_text([{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}]) == "Be brief.\nHi"


def test_corpus_level_scorers_are_rescored_at_the_end():
    # MME's two questions about one image share its id
    recs = [SampleRecord(task="t", index=i, id="a.jpg", subgroups={"category": "OCR"}, prediction=p, references=[r])
            for i, (p, r) in enumerate([("yes", "Yes"), ("yes", "No")])]  # fmt: skip
    out = score_records(recs, ["mme", "yes_no"], [], n_resamples=0)
    assert out.samples[0].keys() == {"mme", "yes_no"} and out.samples[0].extracted == "yes"
    assert out.metrics["OCR.acc"].value == 0.5 and out.metrics["OCR.acc_plus"].value == 0.0
