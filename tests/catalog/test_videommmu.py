"""VideoMMMU (tasks/video/videommmu.yaml) end to end on a fixture mirror laid out as lmms-lab/VideoMMMU (three configs,
the videos <id>.mp4 in the discipline zips): each track's questions find their video by id and keep it as their id,
lmms-eval's reading of letters (up to J) and open answers, subjects from the id, and a tiny video model answering."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import VIDEOMMMU_VIDEOS, write_videommmu

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_videommmu(tmp_path_factory.mktemp("videommmu"))


def test_perception_reads_letters_up_to_j_and_groups_by_subject(mirror, tmp_path):
    r = run_tasks([load_task("videommmu_perception")], mirror, tmp_path / "run", "The answer is J.").tasks["videommmu_perception"]
    assert (r.n_samples, r.n_errors) == (2, 0)
    # J is the ten-option question's answer; the four-option question has no J (nor any A-D): unread, wrong, counted
    assert r.metrics["accuracy"].value == 0.5 and r.metrics["unparsed_rate"].value == 0.5
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups == {"subject": {"Art_Theory": 0.0, "Physics": 1.0}}
    records = {rec.id: rec for rec in iter_samples(tmp_path / "run", "videommmu_perception")}
    assert set(records) == {"test_Art_Theory_1", "test_Physics_2"}  # the id names the video and stays the id
    assert len({rec.cluster for rec in records.values()}) == 2


def test_adaptation_mixes_letters_and_open_answers(mirror, tmp_path):
    r = run_tasks([load_task("videommmu_adaptation")], mirror, tmp_path / "run", "B. The answer is the liver.").tasks["videommmu_adaptation"]
    assert (r.n_samples, r.n_errors) == (3, 0)
    # B is right on the multiple-choice question; "liver" is in the open answer's key phrase, 2.84 is not.
    assert r.metrics["accuracy"].value == pytest.approx(2 / 3) and r.metrics["open_fraction"].value == pytest.approx(2 / 3)
    records = {rec.id: rec for rec in iter_samples(tmp_path / "run", "videommmu_adaptation")}
    texts = {k: " ".join(p["text"] for p in rec.prompt[0]["content"] if p["type"] == "text") for k, rec in records.items()}
    assert "answer the following multi-choice question" in texts["test_Art_Theory_1"] and "B. Impressionism" in texts["test_Art_Theory_1"]
    assert "answer the following open-ended question" in texts["test_Physics_2"] and "A." not in texts["test_Physics_2"]


def test_a_video_missing_from_the_zips_is_its_questions_error_only(tmp_path):
    import zipfile

    root = write_videommmu(tmp_path / "mirror")
    archive = root / "lmms-lab" / "VideoMMMU" / "Medicine.zip"
    with zipfile.ZipFile(archive, "w"):
        pass  # the clinical video gone
    r = run_tasks([load_task("videommmu_adaptation")], root, tmp_path / "run", "B").tasks["videommmu_adaptation"]
    assert (r.n_samples, r.n_errors) == (3, 1)
    [bad] = [rec for rec in iter_samples(tmp_path / "run", "videommmu_adaptation") if rec.error]
    assert bad.id == "test_Clinical_Medicine_3" and "test_Clinical_Medicine_3" in bad.error
    assert VIDEOMMMU_VIDEOS[bad.id] == "Medicine"


def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "videommmu_comprehension", mirror, tmp_path / "run", family="qwen2_5_vl")
    assert (r.n_samples, r.n_errors) == (2, 0) and 0.0 <= r.metrics["accuracy"].value <= 1.0
