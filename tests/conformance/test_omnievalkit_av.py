"""FutureOmni and AVUT-Human as OmniEvalKit runs them (the kit MiniCPM-o 4.5's omni tables come from), against the kit's
own outputs.

``data/omnievalkit_av_official.json`` holds, from running OpenBMB/OmniEvalKit's code (commit, paths and command in its
header): the text ``MiniCPM_o.build_messages`` sends for fixture questions of both, and what ``MQAEvaluator.eval``
(its rules) reads from adversarial answers. omnieval's ``omnievalkit_mqa_letter`` must agree on every case; where the
rules read nothing the kit asks a sentence-embedding model and then an LLM: here the answer is unparsed, wrong and
counted (the departure the task states). Pure Python over recorded data: no model, no media.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.audio_visual import omnievalkit_mqa_letter, score_omnievalkit_mqa
from evals.spec.catalog import load_task

DATA = json.loads((Path(__file__).parent / "data" / "omnievalkit_av_official.json").read_text(encoding="utf-8"))
MQA = DATA["mqa"]
CASES = MQA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_cover_each_rule():
    assert DATA["official"]["repository"] == "OpenBMB/OmniEvalKit" and len(DATA["official"]["commit"]) == 40 and DATA["command"]
    assert len({c["prediction"] for c in CASES}) == len(CASES) >= 35
    assert {c["method"] for c in CASES} == {"template", "pattern", "content", "failed"}
    assert {c["extracted"] for c in CASES} == {*"ABCDE", None}


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_answers_read_as_omnievalkit_reads_them(case):
    letter, rule = omnievalkit_mqa_letter(case["prediction"], MQA["choices"])
    assert letter == case["extracted"]
    assert rule == (case["method"] if case["extracted"] else "unparsed")


def test_the_scorer_counts_what_the_rules_cannot_read_as_wrong_and_unparsed():
    items = [ScoreInput(id=str(i), prediction=c["prediction"], references=[MQA["reference"]], choices=MQA["choices"])
             for i, c in enumerate(CASES)]
    scores = score_omnievalkit_mqa(items, NoOptions())
    assert [s.stats["score"] for s in scores] == [c["score"] for c in CASES]
    assert [s.stats["unparsed"] for s in scores] == [float(c["extracted"] is None) for c in CASES]


def test_the_prompts_and_settings_are_the_kits():
    for name, official in (("futureomni", DATA["prompt"]), ("avut_human", DATA["prompt_avut_human"][0])):
        spec = load_task(name)
        assert official["max_tokens"] == spec.generation.max_new_tokens and official["load_av"] is spec.video.audio, name
        assert (official["max_frames"], official["max_fps"]) == (spec.video.max_frames, spec.video.fps), name
        assert spec.prompt.user.startswith("<video>"), name  # the kit's {media} first; its text after it, stripped
        assert spec.scorers[0].name == "omnievalkit_mqa_accuracy", name
    # The rendered request texts are compared with the recorded ones in tests/catalog/test_omnievalkit_av.py.
