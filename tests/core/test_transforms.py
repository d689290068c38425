"""Transforms: circular multiple choice rotates options and counts a question only when every rotation is right."""

from __future__ import annotations

from evals.run.transforms import TRANSFORMS, Circular, Fields
from evals.spec.transforms import CircularOptions, transform_names


def test_every_declared_transform_is_implemented():
    assert set(transform_names()) <= set(TRANSFORMS.names())


def test_circular_rotates_options_and_moves_the_reference_letter():
    variants = Circular(CircularOptions()).expand("q1", Fields(["cat", "dog", "cow", "owl"], ["B"]))
    assert [v.name for v in variants] == ["circular0", "circular1", "circular2", "circular3"]
    assert [v.fields.choices for v in variants] == [
        ["cat", "dog", "cow", "owl"], ["dog", "cow", "owl", "cat"], ["cow", "owl", "cat", "dog"], ["owl", "cat", "dog", "cow"],
    ]
    # "dog" is the answer: its letter follows it through the rotations.
    assert [v.fields.references for v in variants] == [["B"], ["A"], ["D"], ["C"]]
    for v in variants:
        assert v.fields.choices["ABCD".index(v.fields.references[0])] == "dog"
    assert [v.params for v in variants] == [{"circular": k} for k in range(4)]


def test_circular_leaves_open_questions_and_bad_references_alone():
    c = Circular(CircularOptions())
    assert [v.name for v in c.expand("open", Fields(None, ["42"]))] == [""]
    assert [v.name for v in c.expand("bad", Fields(["a", "b"], ["Z"]))] == [""]
    assert len(c.expand("two", Fields(["a", "b", "c"], ["(c)"], ), )) == 3
    assert len(Circular(CircularOptions(rotations=2)).expand("q", Fields(["a", "b", "c", "d"], ["A"]))) == 2


def test_circular_counts_a_question_right_only_when_every_rotation_is():
    from evals.scoring.reducers import get_reducer
    from evals.spec.catalog import load_task

    assert load_task("ai2d_circular").question_reducer == "all_right" and load_task("ai2d").question_reducer is None
    c = get_reducer("all_right")
    three_of_four = [{"score": 1.0, "unparsed": 0.0}] * 3 + [{"score": 0.0, "unparsed": 0.0}]
    assert c(three_of_four) == {"score": 0.0, "unparsed": 0.0}
    assert c([{"score": 1.0, "unparsed": 0.0}] * 4) == {"score": 1.0, "unparsed": 0.0}
    assert c([{"score": 1.0, "unparsed": 0.0}, {"score": 0.0, "unparsed": 1.0}])["unparsed"] == 1.0
    assert get_reducer("mean")(three_of_four) == {"score": 0.75, "unparsed": 0.0}


def test_a_declared_reducer_is_checked_and_recorded_in_the_spec_hash_only_when_set():
    import pytest

    from evals.spec.catalog import load_task

    mmb = load_task("mmbench_en_dev")
    assert mmb.question_reducer == "all_right"
    mean = mmb.model_copy(update={"reducer": "mean"})
    assert mean.question_reducer == "mean" and mean.spec_hash != mmb.spec_hash
    with pytest.raises(ValueError, match="unknown reducer 'most'; known: all_right, mean"):
        type(mmb).model_validate({**mmb.model_dump(), "reducer": "most"})
    with pytest.raises(ValueError, match="only a task whose questions have variants"):
        type(mmb).model_validate({**load_task("ai2d").model_dump(), "reducer": "mean"})
