"""A malformed row is that sample's error, never the task's: each loader and scorer family, fed one bad row.

Each case writes the fixture mirror of one task with its first row made malformed (``make_fixtures.write_fixtures``'s
``bad_row``), runs the task with a constant baseline, and checks that the run finishes, that the bad sample is an
error whose reason names the field or column, and that every other sample is scored as on the clean mirror.
"""

from __future__ import annotations

import json

import pytest
from helpers import run_tasks
from make_fixtures import DROP, ENC, write_fixtures

from evals.adapters.baseline import BaselineAdapter, BaselineArgs
from evals.results import iter_samples
from evals.spec.catalog import load_task

# (task, hub repos the task reads, the repo whose first row goes bad, its overrides, what the error must name)
CASES = [
    # loader families
    ("vqav2_val", None, f"{ENC}/VQAv2", {"answers": None}, "fields.references (answers[*].answer)"),  # parquet mirror
    ("gqa_testdev", None, f"{ENC}/GQA", {"answer": None}, "fields.references (answer)"),  # gqa_join
    ("coco_karpathy_test", {"yerevann/coco-karpathy", f"{ENC}/COCO-Caption"}, "yerevann/coco-karpathy", {"sentences": []},
     "fields.references (sentences)"),  # coco_karpathy
    ("audiocaps_test", None, "AudioLLMs/audiocaps_test", {"context": {"bytes": b"not audio", "path": "360.flac"}},
     "media: cannot decode audio"),  # group_by_audio; undecodable audio
    ("visulogic", None, "VisuLogic/VisuLogic", {"label": DROP}, "fields.references (label): column 'label' is missing"),  # jsonl_zip
    ("nextqa_mc_test", None, "lmms-eval/NExTQA", {"answer": 7}, "answer 7 is not among the 5 choices"),  # video_zips
    ("sonic_o1_mcq", None, "vector-institute/sonic-o1", {"segment": {"start": "soon", "end": 6.0}}, "segment.start 'soon'"),  # sonic_o1
    # scorer families
    ("textvqa_val", None, f"{ENC}/textvqa", {"image": {"bytes": b"not an image", "path": "x.jpg"}}, "media: cannot decode image"),
    ("docvqa_val", None, f"{ENC}/DocVQA", {"answers": []}, "fields.references (answers)"),  # anls
    ("chartqa_test", None, f"{ENC}/ChartQA", {"answer": None}, "fields.references (answer)"),  # relaxed accuracy
    ("scienceqa_img", None, f"{ENC}/ScienceQA", {"answer": 5}, "answer 5 is not among the 3 choices (choices)"),  # choice accuracy
    ("ai2d", None, f"{ENC}/ai2d", {"answer": "9"}, "answer 9 is not among the 4 choices (options)"),
    ("mmmu_val", None, f"{ENC}/MMMU", {"options": "['unclosed"}, "options \"['unclosed\" is not a list"),  # mmmu
    ("mmbench_en_dev", None, f"{ENC}/MMBench", {"answer": "E"}, "'E' is not among the 4 choices"),  # circular copies in the data
    ("mmstar", None, "Lin-Chen/MMStar", {"answer": None}, "fields.references (answer)"),
    ("pope_adversarial", None, f"{ENC}/POPE", {"answer": None}, "fields.references (answer)"),  # yes/no
    ("mme", None, f"{ENC}/MME", {"answer": None}, "fields.references (answer)"),  # corpus-level pairs
    ("hallusionbench_image", None, f"{ENC}/HallusionBench", {"gt_answer": "maybe"}, "gt_answer 'maybe' is not 1 or 0"),
    ("mathvista_testmini", None, "AI4Math/MathVista", {"answer": None}, "fields.references (answer)"),
    ("ocrbench", None, "echo840/OCRBench", {"answer": []}, "fields.references (answer)"),
    ("librispeech_test_clean", None, "openslr/librispeech_asr", {"text": None}, "fields.references (text)"),  # corpus WER
    ("fleurs_en", None, "lmms-lab-audio/fleurs", {"transcription": None}, "fields.references (transcription)"),
    ("esc50", None, "ashraq/esc50", {"category": "unicorn"}, "ESC-50 category 'unicorn'"),
    ("vocalsound_test", None, "lmms-lab-audio/vocalsound", {"answer": None}, "fields.references (answer)"),
    ("air_bench_foundation_sound", None, "lmms-lab/AIR_Bench", {"answer_gt": "a horse"}, "answer_gt 'a horse' is not one of the choices"),
    ("coco2017_cap_val", None, f"{ENC}/COCO-Caption2017", {"answer": None}, "fields.references (answer)"),  # caption (CIDEr: corpus)
]

CORPUS_LEVEL = {"caption", "mme", "hallusionbench"}
"""Scorers whose per-sample statistics depend on the other samples (CIDEr's IDF, MME's image pairs, HallusionBench's
figures and question sets): the others are checked to be scored, not to score as before."""


class DecodingBaseline(BaselineAdapter):
    """The constant baseline, but its media are decoded first (as a real model's are): an undecodable one is an error."""

    declared_capabilities = BaselineAdapter.declared_capabilities.model_copy(update={"decode_media": True})


def _constant(task: str) -> str:
    from test_catalog_runs import EXPECTED

    return EXPECTED[task][0] if task in EXPECTED else "a dog runs on the grass"


def _without_java(spec):
    """The caption scorer without METEOR and SPICE: a bad row's handling does not depend on which caption metrics run,
    and each of those starts a Java process (they are checked against pycocoevalcap in tests/metrics/test_caption.py)."""
    scorers = [s.model_copy(update={"options": {**s.options, "meteor": False, "spice": False}}) if s.name == "caption" else s
               for s in spec.scorers]
    return spec.model_copy(update={"scorers": scorers})


@pytest.mark.parametrize("task,repos,repo,overrides,reason", CASES, ids=[c[0] for c in CASES])
def test_one_bad_row_is_that_samples_error(task, repos, repo, overrides, reason, fixture_mirror, tmp_path):
    spec = _without_java(load_task(task))
    text = _constant(task)
    bad_mirror = write_fixtures(tmp_path / "bad", repos or {repo}, bad_row=(repo, overrides))
    model = DecodingBaseline("constant", BaselineArgs(text=text))
    run_tasks([spec], fixture_mirror, tmp_path / "clean", text, adapter=model)
    clean = {r.id: r for r in iter_samples(tmp_path / "clean", task)}
    result = run_tasks([spec], bad_mirror, tmp_path / "run", text, adapter=model).tasks[task]
    records = list(iter_samples(tmp_path / "run", task))

    bad = [r for r in records if r.error is not None]
    assert len(bad) == 1, [(r.index, r.error) for r in bad]
    assert reason in bad[0].error, bad[0].error
    assert result.n_samples == len(clean) and result.n_errors == 1
    assert result.n_new == len(clean) - 1  # the bad row never reached the model: not "new", an error
    assert result.n_scored == len(clean) - 1 and result.n_score_errors == 0
    assert any("could not be read" in n or "request(s) failed" in n for n in result.notes), result.notes
    others = [r for r in records if r.error is None]
    assert len(others) == len(clean) - 1
    for r in others:
        assert r.score_error is None and set(r.scores) == set(clean[r.id].scores), r.id
        for scorer, stats in r.scores.items():
            if scorer not in CORPUS_LEVEL:
                assert stats == clean[r.id].scores[scorer], (r.id, scorer)
