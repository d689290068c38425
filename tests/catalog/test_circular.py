"""Circular multiple choice end to end: each question asked once per rotation of its options, right only if every rotation is."""

from __future__ import annotations

import re

from helpers import run_tasks

from evals.adapters.base import Adapter, AdapterArgs, Capabilities
from evals.requests import Request, Response
from evals.results import iter_samples
from evals.run.cache import ResponseCache
from evals.run.evaluate import evaluate_model
from evals.run.runner import RunOptions
from evals.spec.catalog import load_task

_OPTION = re.compile(r"^([A-Z])\. (.+)$", re.M)


class Oracle(Adapter):
    """Knows the right option's text; answers its letter, except when ``blind_spot`` is the first option shown."""

    kind = "oracle"
    declared_capabilities = Capabilities(image=True, batch=True, decode_media=False)
    calls = 0

    def __init__(self, right: set[str], blind_spot: str | None = None) -> None:
        super().__init__("o", AdapterArgs())
        self.right, self.blind_spot = right, blind_spot

    def generate(self, requests: list[Request]) -> list[Response]:
        Oracle.calls += len(requests)
        out = []
        for r in requests:
            options = _OPTION.findall(r.text)
            letter = next(letter for letter, text in options if text in self.right)
            if options[0][1] == self.blind_spot:
                letter = next(letter_ for letter_, text in options if text not in self.right)
            out.append(Response(text=letter))
        return out


def test_a_question_right_on_three_of_four_rotations_scores_zero(fixture_mirror, tmp_path):
    # ai2d fixture: "Which stage comes first?" (egg, larva, pupa, adult: egg) and "Which is a predator?" (grass, rabbit, fox, sun: fox).
    oracle = Oracle({"egg", "fox"}, blind_spot="pupa")  # wrong on one rotation of the first question
    plain = run_tasks([load_task("ai2d")], fixture_mirror, tmp_path / "plain", "", adapter=oracle).tasks["ai2d"]
    assert plain.metrics["accuracy"].value == 1.0  # unrotated, "egg" comes first: the blind spot never shows
    res = run_tasks([load_task("ai2d_circular")], fixture_mirror, tmp_path / "circ", "", adapter=oracle).tasks["ai2d_circular"]
    # Question 1: right on 3 of 4 rotations -> 0; question 2: right on all 4 -> 1.
    assert res.metrics["accuracy"].value == 0.5 and res.metrics["accuracy"].n == 2
    assert res.n_samples == 8 and res.n_scored == 8
    records = list(iter_samples(tmp_path / "circ", "ai2d_circular"))
    assert [r.variant for r in records[:4]] == ["circular0", "circular1", "circular2", "circular3"]
    assert len({r.group for r in records}) == 2 and all(r.id == f"{r.group}#{r.variant}" for r in records)
    # Each rotation's options: the reference letter follows the right option.
    for r in records:
        assert r.choices["ABCD".index(r.references[0])] in {"egg", "fox"}
    assert [r.scores["choice_accuracy"]["score"] for r in records[:4]] == [1.0, 1.0, 0.0, 1.0]


def test_rotations_have_their_own_cache_entries_and_a_rerun_is_served_from_cache(fixture_mirror, tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    spec = load_task("ai2d_circular")
    Oracle.calls = 0
    evaluate_model(Oracle({"egg", "fox"}), [spec], tmp_path / "r1", cache, RunOptions(data_dir=str(fixture_mirror), n_resamples=20))
    assert Oracle.calls == 8
    again = evaluate_model(Oracle({"egg", "fox"}), [spec], tmp_path / "r2", cache, RunOptions(data_dir=str(fixture_mirror), n_resamples=20))
    assert Oracle.calls == 8 and again.tasks["ai2d_circular"].n_cached == 8
    assert again.tasks["ai2d_circular"].metrics["accuracy"].value == 1.0


def test_the_leaderboard_compares_circular_runs_by_question(fixture_mirror, tmp_path):
    from evals.report.compare import read_sample_stats
    from evals.report.index import load_runs, results_frame
    from evals.scoring.reducers import get_reducer

    run_tasks([load_task("ai2d_circular")], fixture_mirror, tmp_path / "circ", "", adapter=Oracle({"egg", "fox"}, blind_spot="pupa"))
    stats, _ = read_sample_stats(str(tmp_path / "circ"), "ai2d_circular", "choice_accuracy", 0,
                                 combine=get_reducer(results_frame(load_runs([tmp_path / "circ"])).reducer[0]))
    # Two questions, not eight rotations; the first is wrong on one rotation, so wrong.
    assert sorted(v["score"] for v in stats.values()) == [0.0, 1.0] and len(stats) == 2
