"""Fairness: the largest gap between groups, with its interval, its test, the worst group and the groups too small to trust."""

from __future__ import annotations

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.task import TaskScoring


def _inputs(outcomes: dict[str, list[int]]) -> list[ScoreInput]:
    items = []
    for group, rights in outcomes.items():
        for k, right in enumerate(rights):
            items.append(ScoreInput(id=f"{group}{k}", prediction="yes" if right else "no", references=["yes"], subgroups={"speaker_sex": group}))
    return items


def _gap(outcomes, n_resamples=500):
    scoring = TaskScoring(["exact_match"], ["speaker_sex"], seed=0, n_resamples=n_resamples)
    scoring.add(_inputs(outcomes))
    return scoring.subgroups()[0].gap


def test_the_gap_names_the_worst_group_flags_small_ones_and_carries_its_uncertainty():
    gap = _gap({"female": [1, 1, 1, 0], "male": [0, 0, 1, 0]})
    assert (gap.metric, gap.worst, gap.best) == ("exact_match", "male", "female")
    assert gap.gap == pytest.approx(0.5) and gap.sizes == {"female": 4, "male": 4}
    assert gap.small_groups == ["female", "male"]  # under 30 samples each
    assert gap.ci_low <= 0.5 <= gap.ci_high and 0 < gap.p_value <= 1
    assert gap.p_value > 0.05  # four samples a group cannot show a 0.5 gap is real


def test_a_large_consistent_gap_is_significant_and_an_absent_one_is_not():
    big = _gap({"female": [1] * 40, "male": [0] * 40})
    assert big.gap == 1.0 and big.ci_low == big.ci_high == 1.0 and big.p_value < 0.01 and big.small_groups == []
    none = _gap({"female": [1, 0] * 20, "male": [0, 1] * 20})
    assert none.gap == 0.0 and none.p_value == 1.0


def test_a_lower_is_better_metric_has_its_worst_group_at_the_top():
    scoring = TaskScoring(["wer"], ["speaker_sex"], seed=0, n_resamples=200)
    scoring.add([ScoreInput(id="a", prediction="the cat sat", references=["the cat sat"], subgroups={"speaker_sex": "female"}),
                 ScoreInput(id="b", prediction="the dog", references=["the cat sat"], subgroups={"speaker_sex": "male"})])
    gap = scoring.subgroups()[0].gap
    assert (gap.worst, gap.best) == ("male", "female") and gap.gap == pytest.approx(2 / 3)


def test_the_interval_and_the_test_agree_on_every_gap():
    """The interval is of the gap between the two named groups, read from the same draws as the test: it excludes 0
    exactly when p < 0.05 (once it was the interval of "max - min over groups", biased away from 0: [0.005, 0.248]
    beside p=0.315)."""
    import numpy as np

    from evals.scoring.stats import equal_tailed_test

    rng = np.random.default_rng(7)
    seen = set()
    for trial in range(300):
        n = int(rng.integers(5, 2000))
        draws = np.round(rng.normal(rng.normal(0, 1), rng.uniform(0.1, 2), n), int(rng.integers(0, 3)))  # ties at 0 too
        low, high, p = equal_tailed_test(draws)
        assert (low > 0 or high < 0) == (p < 0.05), (trial, low, high, p)
        seen.add(p < 0.05)
    assert seen == {True, False}
    for outcomes in ({"female": [1, 1, 0, 1, 0, 1] * 3, "male": [0, 1, 0, 1, 0, 0] * 3}, {"a": [1] * 9 + [0], "b": [1, 0] * 5, "c": [0, 1, 1] * 3}):
        gap = _gap(outcomes, n_resamples=1000)
        assert gap.significant == (gap.p_value < 0.05) == (gap.ci_low > 0 or gap.ci_high < 0)


def test_the_run_says_in_words_whether_a_gap_is_significant_and_that_tied_groups_have_none(tmp_path):
    from evals.cli.console import comparison_lines
    from evals.results import RunResults, TaskResult

    lines = []
    for outcomes in ({"female": [1] * 40, "male": [0] * 40}, {"female": [1, 0, 1, 0], "male": [0, 1, 0, 0]}, {"female": [1, 0], "male": [0, 1]}):
        scoring = TaskScoring(["exact_match"], ["speaker_sex"], seed=0, n_resamples=200)
        scoring.add(_inputs(outcomes))
        task = TaskResult.model_construct(subgroups=scoring.subgroups())
        lines += [line for line in comparison_lines([RunResults.model_construct(model="m", tasks={"t": task}, robustness=None)], None)
                  if line.startswith("groups:")]
    assert lines[0].endswith(": significant") and "gap 1.0000 [+1.0000, +1.0000], p<0.001" in lines[0]
    assert ": not significant (under 30 samples: female, male)" in lines[1] and "[-" in lines[1]
    assert lines[2] == "groups: m t by speaker_sex: exact_match: no gap, every group 0.5000 (under 30 samples: female, male)"
