"""MELD's answer reading against Qwen2-Audio's official evaluation (QwenLM/Qwen2-Audio eval_audio/evaluate_emotion.py),
case by case.

The official script strips the answer's leading whitespace and scores it with sklearn's ``accuracy_score`` against the
label: right only when the two strings are equal. ``data/meld_qwen2_audio.json`` holds what that scoring block returned
(repository, path, commit and command in the file's header); the task's ``exact_match`` (no case folding, no punctuation
removal) must agree on every case but one kind: an answer that is the label followed by whitespace, which the official
reading counts wrong and ours right (``strip`` removes whitespace on both sides), the one departure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.exact_match import ExactMatchOptions, score_exact_match
from evals.spec.catalog import load_task

DATA = json.loads((Path(__file__).parent / "data" / "meld_qwen2_audio.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
[SCORER] = load_task("meld").scorers
OPTIONS = ExactMatchOptions(**SCORER.options)


def _ours(case) -> bool:
    [stats] = score_exact_match([ScoreInput(id="0", prediction=case["prediction"], references=[case["gt"]])], OPTIONS)
    return stats["score"] == 1.0


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"] == {"repository": "QwenLM/Qwen2-Audio", "path": "eval_audio/evaluate_emotion.py",
                                "commit": DATA["official"]["commit"]}
    assert len(DATA["official"]["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100 and {c["official"] for c in CASES} == {True, False}
    assert SCORER.name == "exact_match"


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['gt']}:{c['prediction'][:20]!r}" for i, c in enumerate(CASES)])
def test_meld_answers_are_read_as_the_official_script_reads_them(case):
    if case["prediction"] != case["prediction"].rstrip() and case["prediction"].strip() == case["gt"]:
        assert _ours(case) and not case["official"]  # the departure: trailing whitespace after the label
    else:
        assert _ours(case) == case["official"]


def test_the_one_departure_is_trailing_whitespace_after_the_label():
    departures = [c for c in CASES if _ours(c) != c["official"]]
    assert departures and all(not c["official"] and c["prediction"].strip() == c["gt"] != c["prediction"].lstrip() for c in departures)
    assert len(departures) == 3 * 7  # "label ", "label\n", " label " for each of the seven labels
