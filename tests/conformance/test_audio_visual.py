"""The audio-visual video benchmarks' answer reading against their official code, case by case.

``data/audio_visual_answers.json`` holds adversarial answers and what each official reader made of them when it was run
(repositories, paths, lines, commits and the command in the file's header): VLMEvalKit's WorldSense
``extract_characters_regex``, Daily-Omni's Qwen3-Omni test script (``extract_choice_letter`` and ``evaluate_answer``) and
Video-Holmes' evaluate.py. omnieval's readers must agree on every case. Where an official reader reads nothing (WorldSense's
empty string, which VLMEvalKit's exact matching then scores wrong; Daily-Omni's None, never right; Video-Holmes'
``WRONG``) the answer is unparsed here: wrong and counted in ``unparsed_rate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.audio_visual import (daily_omni_letter, score_daily_omni, score_video_holmes, score_worldsense,
                                                video_holmes_letter, worldsense_letter)

DATA = json.loads((Path(__file__).parent / "data" / "audio_visual_answers.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
IDS = [f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)]
DAILY = DATA["daily_omni_cases"]


def test_the_official_outputs_say_where_they_come_from_and_cover_each_outcome():
    assert {k: v["repository"] for k, v in DATA["official"].items()} == {
        "worldsense": "open-compass/VLMEvalKit", "daily_omni": "Lliar-liar/Daily-Omni", "video_holmes": "TencentARC/Video-Holmes"}
    assert all(len(v["commit"]) == 40 for v in DATA["official"].values()) and DATA["command"]
    assert len(CASES) >= 60 and len({c["prediction"] for c in CASES}) == len(CASES)
    assert {c["worldsense"] for c in CASES} == {"A", "B", "C", "D", None}
    assert {c["video_holmes"] for c in CASES} == {*"ABCDEF", "WRONG"}
    assert len(DAILY) >= 60 and {c["letter"] for c in DAILY} == {"A", "B", "C", "D", None}
    assert all(c["correct_if"] == ([c["letter"]] if c["letter"] else []) for c in DAILY)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_worldsense_reads_as_vlmevalkit(case):
    letter, rule = worldsense_letter(case["prediction"])
    assert letter == case["worldsense"] and (rule == "unparsed") == (case["worldsense"] is None)


@pytest.mark.parametrize("case", DAILY, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(DAILY)])
def test_daily_omni_reads_as_its_qwen3_omni_script(case):
    letter, rule = daily_omni_letter(case["prediction"])
    assert letter == case["letter"] and (rule == "unparsed") == (case["letter"] is None)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_video_holmes_reads_as_its_evaluate_py(case):
    letter, rule = video_holmes_letter(case["prediction"])
    assert (letter or "WRONG") == case["video_holmes"] and (rule == "unparsed") == (case["video_holmes"] == "WRONG")


def test_unread_answers_are_wrong_and_counted_never_a_letter():
    items = [ScoreInput(id=str(i), prediction=p, references=["B"]) for i, p in enumerate(["B", "none of them", "xyz"])]
    for score in (score_worldsense, score_daily_omni, score_video_holmes):
        rows = score(items, NoOptions())
        assert [r.stats["score"] for r in rows] == [1.0, 0.0, 0.0] and [r.stats["unparsed"] for r in rows] == [0.0, 1.0, 1.0], score
