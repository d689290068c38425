"""OmniBench (tasks/omni/omnibench.yaml): an image and an audio clip in one request, end to end on a fixture mirror in
m-a-p/OmniBench's schema (mp3 clips), the request as the official inference builds it, a tiny omni model of a real
architecture (Qwen2.5-Omni: images and audio) answering, and a vision-only model refused before anything runs.

``OFFICIAL_FIRST_ROW`` is what multimodal-art-projection/OmniBench inference/demo_api_call.py ``create_prompt`` (commit
4e1b76e12da6b3647dfcfda504c5d9f0fedf67c2; the image-and-audio setting) returned for the fixture's first row, run in a
throwaway script outside the repository with the options as ``A. text`` lines (the spreadsheet's option cell as its
``split_string_by_options`` reads it): the question with a full stop added after its question mark, as the official
f-string does, and the option list closed by a full stop after the last option's own.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks
from make_fixtures import omnibench_parts, write_omnibench

from evals.data.media import audio_part, image_part
from evals.errors import OmniEvalError
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
OFFICIAL_FIRST_ROW = ("Please answer the following question based on the given image and audio:\nWhat are the men doing?.\nPlease "
                      "choose only one answer from the following options:\nA. Taking notes.\nB. Reading the newspaper.\nC. Playing a "
                      "crossword puzzle.\nD. Sleeping..")


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_omnibench(tmp_path_factory.mktemp("omnibench"))


def test_the_task_reads_the_hub_layout_and_scores_as_the_official_parser(mirror, tmp_path):
    spec = load_task("omnibench")
    assert (spec.dataset.path, spec.dataset.split, spec.modality) == ("m-a-p/OmniBench", "train", "image")
    assert [s.name for s in spec.scorers] == ["omnibench_accuracy"]
    result = run_tasks([spec], mirror, tmp_path / "run", "B").tasks["omnibench"]  # right on the second and fourth
    assert result.n_errors == 0 and result.n_samples == result.n_scored == 4 and result.dataset.origin.startswith("mirror:")
    assert result.metrics["accuracy"].value == 0.5 and result.metrics["unparsed_rate"].value == 0.0
    by_field = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in result.subgroups}
    assert by_field["audio type"] == {"speech": 0.5, "sound event": 1.0, "music": 0.0}
    assert by_field["task type"]["Action and Activity"] == 0.5


def test_the_request_holds_the_image_the_clip_and_the_official_prompt(mirror, tmp_path):
    run_tasks([load_task("omnibench")], mirror, tmp_path / "run", "B")
    records = {r.id: json.loads(r.model_dump_json()) for r in iter_samples(tmp_path / "run", "omnibench")}
    row = omnibench_parts()[0].rows[0]
    [turn] = records["0"]["prompt"]
    assert turn["role"] == "user"
    kinds = {p["type"]: p for p in turn["content"]}
    assert kinds["text"]["text"] == OFFICIAL_FIRST_ROW
    assert kinds["image"]["sha"] == image_part(row["image"]).sha and kinds["audio"]["sha"] == audio_part(row["audio"]).sha
    assert [p["type"] for p in turn["content"]] == ["image", "audio", "text"]


def test_a_row_whose_answer_is_not_an_option_is_its_error(tmp_path):
    parts = omnibench_parts()
    parts[0].rows[1]["answer"] = "A horse"
    from make_fixtures import write_parts

    result = run_tasks([load_task("omnibench")], write_parts(tmp_path / "m", parts), tmp_path / "run", "B").tasks["omnibench"]
    assert result.n_errors == 1 and result.n_scored == 3


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_omni_model_hears_and_sees_and_a_vision_only_model_is_refused(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    spec = load_task("omnibench")
    spec = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": 4})})  # the task asks for 128
    adapter = create_adapter(f"hf:{tiny_model('qwen2_5_omni')}", {})
    try:
        result = run_tasks([spec], mirror, tmp_path / "omni", "", adapter=adapter).tasks["omnibench"]
    finally:
        adapter.close()
    assert result.n_errors == 0 and result.n_samples == result.n_scored == 4
    assert 0.0 <= result.metrics["accuracy"].value <= 1.0

    vision = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    try:
        with pytest.raises(OmniEvalError, match="task omnibench: .* does not accept audio \\(the task gives it a sound clip with the image\\)"):
            run_tasks([spec], mirror, tmp_path / "vision", "", adapter=vision)
    finally:
        vision.close()
    assert not (tmp_path / "vision").exists() or not list(iter_samples(tmp_path / "vision", "omnibench"))
