"""Results and the leaderboard draw their statistics from one engine, and the leaderboard reads directions from the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evals.report.build import build_leaderboard
from evals.report.compare import joint_bootstrap, lower_is_better, read_sample_stats
from evals.report.index import load_runs
from evals.report.synth import SynthTask, accuracy_stats, make_run
from evals.results import read_results
from evals.scoring.contract import ScoreInput, mean_aggregate, scorer, stats_table
from evals.scoring.registry import get_scorer, metric_direction
from evals.scoring.stats import percentile_interval
from evals.scoring.task import TaskScoring


def test_results_and_leaderboard_give_the_same_interval_from_the_same_stats(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    correct = np.repeat(rng.random(40) < 0.7, 3).astype(int).tolist()
    clusters = [f"img{i // 3}" for i in range(120)]
    for use_clusters in (False, True):
        root = tmp_path / f"runs{use_clusters}"
        run = make_run(root, "r", "baseline:a", {"vqa": SynthTask(stats=accuracy_stats(correct), clusters=clusters if use_clusters else None)},
                       n_resamples=300)  # fmt: skip
        stored = read_results(run).tasks["vqa"].metrics["exact_match"]
        # results, as the runner computes them
        scoring = TaskScoring(["exact_match"], [], seed=0, n_resamples=300)
        scoring.add([ScoreInput(id=f"s{i}", prediction="a" if c else "b", references=["a"], cluster=clusters[i] if use_clusters else None)
                     for i, c in enumerate(correct)])  # fmt: skip
        assert scoring.metrics()["exact_match"] == stored
        assert stored.ci_method == ("cluster_bootstrap" if use_clusters else "bootstrap")
        # the leaderboard's joint resampling of the stored sample records, rows in the same (record) order
        stats, _ = read_sample_stats(str(run), "vqa", "exact_match", keep=0)
        assert (stats.clusters != {}) == use_clusters
        assert read_sample_stats(str(run), "vqa", "exact_match", keep=500)[0].clusters == stats.clusters  # full decode agrees
        ids = sorted(stats, key=lambda sid: int(sid[1:]))
        em = get_scorer("exact_match")
        dist = joint_bootstrap(em, [stats_table([stats[i] for i in ids])], em.parse_options({}), "exact_match", 300, 0,
                               [stats.clusters.get(i) for i in ids])  # fmt: skip
        assert percentile_interval(dist[0]) == (stored.ci_low, stored.ci_high)
    board = build_leaderboard(load_runs([tmp_path / "runsTrue"]), n_resamples=100)
    assert any("clusters" in note for note in board["columns"][0]["notes"])


def test_leaderboard_direction_comes_from_the_registry(tmp_path: Path, temporary_scorers) -> None:
    # "distance" says nothing about its direction; only the registry knows that lower is better.
    @scorer("dist", aggregate=mean_aggregate("score", "distance"), primary="distance", metrics=("distance",), direction="lower")
    def dist(inputs, options):
        return [{"score": float(len(i.prediction))} for i in inputs]

    assert metric_direction("distance") == "lower" and lower_is_better("distance") and lower_is_better("distance", "dist")
    assert not lower_is_better("accuracy", "choice_accuracy") and lower_is_better("unparsed_rate", "choice_accuracy")
    assert lower_is_better("wer") and lower_is_better("char_error_rate")  # the second: unknown to the registry, guessed by name
    root = tmp_path / "runs"
    make_run(root, "r1", "baseline:near", {"t": SynthTask(stats=[{"score": 1.0}] * 30, scorer="dist")})
    make_run(root, "r2", "baseline:far", {"t": SynthTask(stats=[{"score": 5.0}] * 30, scorer="dist")})
    board = build_leaderboard(load_runs([root]), n_resamples=50)
    (col,) = board["columns"]
    assert col["lower_is_better"] and col["metric"] == "distance"
    ranks = {c["model"]: c["rank"] for c in board["cells"]}
    assert ranks == {"baseline:near": 1, "baseline:far": 2}
