"""VoiceBench IFEval (tasks/audio/voicebench_ifeval.yaml) end to end on a fixture mirror of hlt-lab/voicebench's ifeval
config (make_fixtures.voicebench_ifeval_part): the instructions and their arguments read from the row, strict and loose
checks, VoiceBench's four figures and their mean; then a tiny random Qwen2-Audio hearing the clips."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_cli, tiny_vlm_results
from make_fixtures import write_voicebench_ifeval

pytest.importorskip("nltk")
pytest.importorskip("punkt.data.english")
pytest.importorskip("langdetect")

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
if HAS_TORCH:
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

ANSWER = "Sure\nMy answer is yes."
# Against the four rows: no comma (followed), a constrained response (followed), ends with "Sure" (strict no: the
# answer ends "yes."; loose yes: without its last line it is "Sure"), "yes" present and at least ten words (only the
# first: five words). Prompts strict 2/4, loose 3/4; instructions strict 3/5, loose 4/5.
METRICS = {"prompt_strict": 0.5, "instruction_strict": 0.6, "prompt_loose": 0.75, "instruction_loose": 0.8}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_voicebench_ifeval(tmp_path_factory.mktemp("voicebench_ifeval"))


def test_strict_and_loose_checks_and_their_mean(mirror, tmp_path):
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "voicebench_ifeval", ANSWER)
    assert res["n_samples"] == 4 and res["n_score_errors"] == 0
    assert {k: res["metrics"][k]["value"] for k in METRICS} == pytest.approx(METRICS)
    assert res["metrics"]["final"]["value"] == pytest.approx(sum(METRICS.values()) / 4)
    assert {r["id"]: r["extracted"] for r in records} == {"1000": "1", "1001": "1", "1002": "0", "1003": "1,0"}


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_qwen2_audio_hears_the_clips(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "voicebench_ifeval", mirror, tmp_path / "run", family="qwen2_audio", limit=2)
    assert r.n_errors == 0 and r.n_samples == 2
