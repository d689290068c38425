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
