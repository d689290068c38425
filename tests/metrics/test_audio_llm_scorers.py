"""Audio-language benchmarks' own answer rules: MMAU's string_match, VoiceBench's MCQ reader, AIR-Bench Chat's score pair;
the rows they read (MMAU's JSON choices, CREMA-D's file names); and what a user without access to AIR-Bench is told."""

from __future__ import annotations

import pytest

from evals.errors import DataError
from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.air_bench import parse_score_pair
from evals.scoring.metrics.mmau import mmau_string_match
from evals.scoring.metrics.voicebench import voicebench_letter
from evals.scoring.registry import get_scorer
from evals.spec.preprocess import get_preprocessor

CHOICES = ["A child", "A woman", "An adult man", "A teenager"]


@pytest.mark.parametrize("prediction, right", [
    ("A woman", True),
    ("a WOMAN.", True),                     # lower-cased word tokens: case and punctuation do not matter
    ("The speaker is a woman", True),       # extra words are fine unless they belong to a wrong option
    ("Woman", False),                       # every word of the answer is needed, "a" included
    ("A woman or a child", False),          # "child" is a word of a wrong option
    ("A woman, an adult", False),           # "an", "adult" are words of "An adult man" that the answer lacks
    ("B", False),                           # a letter is not the option's text
    ("", False),
])
def test_mmau_string_match_is_the_official_rule(prediction, right):
    # "a" is in the answer, so the wrong options' word "a" does not count against it (only child, an, adult, man, teenager do).
    assert mmau_string_match("A woman", prediction, CHOICES) is right


def test_mmau_options_with_the_answers_words_are_not_wrong_options():
    # An option whose word set equals the answer's (a duplicate) is skipped when collecting wrong words.
    assert mmau_string_match("Man", "man", ["Man", "man", "Woman"])
    assert not mmau_string_match("Man", "man and woman", ["Man", "man", "Woman"])


def test_mmau_scorer_records_the_option_a_wrong_answer_names_and_counts_the_rest_unparsed():
    scorer = get_scorer("mmau_match")
    items = [ScoreInput(id="0", prediction="Man", references=["Woman"], choices=["Woman", "Man"]),
             ScoreInput(id="1", prediction="a robot", references=["Man"], choices=["Man", "Woman"]),
             ScoreInput(id="2", prediction="it is a man", references=["Man"], choices=["Man", "Woman"])]
    out = scorer.score(items, scorer.parse_options({}))
    assert [(o.stats["score"], o.stats["unparsed"], o.extracted) for o in out] == [(0.0, 0.0, "Man"), (0.0, 1.0, None), (1.0, 0.0, "Man")]


@pytest.mark.parametrize("response, letter, rule", [
    ("The answer is B.", "B", "template"),
    ("I would choose option C because...", "C", "template"),  # "would choose option [CHOICE]"
    ("答案是D", "D", "template"),
    ("b) Paris", "B", "bare"),
    ("<1>a", "A", "bare"),                 # the turn tag is dropped first
    ("d", "D", "bare"),
    ("Paris is the capital.", None, "unparsed"),
    ("It is A or B", None, "unparsed"),    # no phrase, and not a bare letter: the official script guesses; we count it
])
def test_voicebench_reads_letters_as_its_mcq_evaluator_does(response, letter, rule):
    assert voicebench_letter(response) == (letter, rule)


def test_voicebench_tries_letters_in_order_within_the_first_matching_phrase():
    # "the answer is a" is a substring of "the answer is about b": the official loop returns A (quirk kept).
    assert voicebench_letter("The answer is about B.") == ("A", "template")


@pytest.mark.parametrize("reply, pair", [("8 6", (8, 6)), (" 7 9\n", (7, 9)), ("10 1", (10, 1)), ("7\n9", None), ("8, 6", None),
                                         ("8 6 7", None), ("8.5 6", None), ("0 6", None), ("8 11", None)])
def test_air_bench_score_pairs_are_read_as_cal_score_reads_them(reply, pair):
    # strip, newlines removed ("7\n9" -> "79", one value), split on single spaces, two ints; 1..10 here.
    assert parse_score_pair(reply, 1, 10)[0] == pair


def test_mmau_choices_are_json_text():
    row = get_preprocessor("mmau")({"choices": '["Man", "Woman"]', "answer": "Man"})
    assert row["choices"] == ["Man", "Woman"]
    with pytest.raises(ValueError, match="not a JSON list"):
        get_preprocessor("mmau")({"choices": '"Man"'})


def test_crema_d_reads_actor_emotion_and_level_from_the_file_name():
    row = get_preprocessor("crema_d")({"file": "AudioWAV/1091_WSI_SAD_LO.wav", "gender": "Female"})
    assert {k: row[k] for k in ("speaker", "sentence", "emotion", "emotions", "level", "gender")} == {
        "speaker": "1091", "sentence": "WSI", "emotion": "sad", "emotions": ["sad", "sadness"], "level": "low", "gender": "female"}
    assert get_preprocessor("crema_d")({"file": "1001_DFA_NEU_XX.wav", "gender": None})["emotions"] == ["neutral"]
    with pytest.raises(ValueError, match="not <actor>_<sentence>_<emotion>_<level>"):
        get_preprocessor("crema_d")({"file": "1001_DFA_BOR_XX.wav"})


@pytest.mark.parametrize("task", ["air_bench_chat_speech", "air_bench_chat_mixed", "air_bench_foundation_music"])
def test_air_bench_is_gated_and_a_user_without_access_is_told_so(monkeypatch, task):
    # air_bench_foundation_* keep gated: false in their own spec (the flag is in the spec hash, which
    # tests/spec/test_transforms.py pins); the repo's mark on the Chat tasks reaches them (catalog.is_gated).
    from evals.data.open import open_dataset
    from evals.spec.catalog import is_gated, load_task

    monkeypatch.delenv("HF_TOKEN", raising=False)
    spec = load_task(task)
    assert is_gated(spec.dataset.path)
    with pytest.raises(DataError) as err:
        open_dataset(spec, None)
    msg = str(err.value)
    assert task in msg and "lmms-lab/AIR_Bench is gated" in msg and "HF_TOKEN" in msg and f"omnieval data mirror {task}" in msg


def test_voicebench_mmsu_overall_is_accuracy_over_all_questions_not_the_mean_of_domains():
    """VoiceBench computes MMSU over all samples (as MMLU-Pro): the suite weights each domain by its questions."""
    from evals.results import MetricValue, TaskResult, suite_result
    from evals.spec.catalog import load_suite

    suite = load_suite("voicebench_mmsu")
    assert suite.aggregate.weight == "samples" and len(suite.tasks) == 12

    def domain(name: str, right: int, n: int) -> TaskResult:
        return TaskResult.model_construct(task=name, primary_metric="accuracy", metrics={"accuracy": MetricValue(value=right / n, n=n)},
                                          timing=TaskResult.model_fields["timing"].default)

    law, physics = domain("voicebench_mmsu_law", 30, 100), domain("voicebench_mmsu_physics", 9, 10)
    overall = suite_result(suite.name, [law, physics], **suite.aggregate.model_dump())
    assert overall.mean == pytest.approx(100 * 39 / 110) and overall.weight == "samples"  # not (30 + 90) / 2 = 60
    assert suite_result("plain", [law, physics], metric="accuracy").mean == pytest.approx(0.6)
