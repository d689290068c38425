"""The audio-visual video benchmarks (tasks/omni/: Daily-Omni, WorldSense, Video-Holmes) end to end on fixture mirrors in
their real layouts (questions in one JSON file, videos with a sound track unpacked beside it), the requests as the
official code builds them (``data/audio_visual_prompts.json`` in tests/conformance holds the official prompts for the
fixtures' first questions, from running the official code), each task's frames-and-sound request key against its
frames-only variant's, a tiny Qwen2.5-Omni hearing and seeing a clip, and a vision-only model refused where the task
gives it the sound track and answering the frames-only variant.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from helpers import run_tasks
from make_fixtures import write_daily_omni, write_video_holmes, write_worldsense

from evals.errors import OmniEvalError
from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

HAS_TORCH = bool(importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"))
OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "audio_visual_prompts.json").read_text(encoding="utf-8"))["prompts"]
TASKS = ["daily_omni", "daily_omni_visual", "worldsense", "worldsense_visual", "video_holmes", "video_holmes_av"]
EXPECTED = {  # the constant "B": Daily-Omni right on two of three, WorldSense two of three, Video-Holmes one of three
    "daily_omni": 2 / 3, "daily_omni_visual": 2 / 3, "worldsense": 2 / 3, "worldsense_visual": 2 / 3, "video_holmes": 1 / 3, "video_holmes_av": 1 / 3}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("av")
    for write in (write_daily_omni, write_worldsense, write_video_holmes):
        write(root)
    return root


@pytest.fixture(scope="module")
def baseline_run(mirror, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return run_tasks([load_task(n) for n in TASKS], mirror, out, "B"), out


def _records(out: Path, task: str) -> list[dict]:
    return [json.loads(r.model_dump_json()) for r in iter_samples(out, task)]


def test_each_task_reads_its_mirror_and_scores_as_its_official_code(baseline_run):
    results, _ = baseline_run
    for name, accuracy in EXPECTED.items():
        r = results.tasks[name]
        assert r.n_errors == 0 and r.n_samples == r.n_scored == 3, name
        assert r.metrics["accuracy"].value == pytest.approx(accuracy) and r.metrics["unparsed_rate"].value == 0.0, name
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in results.tasks["worldsense"].subgroups}
    assert groups["audio_class[*]"] == {"Speech": 0.5, "Event": 0.5, "Music": 1.0}  # a question counts in each of its video's classes
    assert [s.field for s in results.tasks["daily_omni"].subgroups] == ["Type", "video_category", "video_duration"]
    assert [s.field for s in results.tasks["video_holmes"].subgroups] == ["Question Type"]


def test_the_requests_are_the_official_prompts(baseline_run):
    _, out = baseline_run
    for task, mode in (("daily_omni", "all"), ("daily_omni_visual", "visual")):
        [turn] = _records(out, task)[0]["prompt"]
        official = OFFICIAL["daily_omni"][mode]  # the script's content: its media (video, and audio in mode all), then the text
        assert [p["type"] for p in turn["content"]] == ["video", "text"]  # the sound travels with the video (its own track)
        assert [p["type"] for p in official] == (["video", "audio", "text"] if mode == "all" else ["video", "text"])
        assert turn["content"][1]["text"] == official[-1]["text"].rstrip("\n")  # its final line break trimmed

    [turn] = _records(out, "video_holmes")[0]["prompt"]
    assert [p["type"] for p in turn["content"]] == ["video", "text"] and turn["content"][1]["text"] == OFFICIAL["video_holmes"]

    for task, texts in (("worldsense", "texts_with_audio"), ("worldsense_visual", "texts_without_audio")):
        [turn] = _records(out, task)[0]["prompt"]
        system, template, question = OFFICIAL["worldsense"][texts]
        assert [p["type"] for p in turn["content"]] == ["text", "video", "text"]
        # VLMEvalKit's three texts: the first before the frames, the other two (sent apart) one text after them, trimmed.
        assert [turn["content"][0]["text"], turn["content"][2]["text"]] == [system, (template + question).strip()]


def _first_request(name: str, mirror: Path):
    from evals.data.open import open_dataset
    from evals.run.plan import RequestPlanner

    spec = load_task(name)
    source = open_dataset(spec, str(mirror))
    index, row = next(iter(source.rows))
    return RequestPlanner(spec, source.columns).plan_variants(index, row)[0].request


def test_the_sound_track_is_part_of_the_request_and_its_key(mirror):
    for with_sound, frames_only in (("daily_omni", "daily_omni_visual"), ("worldsense", "worldsense_visual"), ("video_holmes_av", "video_holmes")):
        a, b = _first_request(with_sound, mirror), _first_request(frames_only, mirror)
        [va], [vb] = a.videos, b.videos
        assert va.sha == vb.sha and va.sampling.audio and not vb.sampling.audio, with_sound  # one file: its frames, and its sound
        assert a.key != b.key, with_sound


def test_a_missing_video_is_that_questions_error(tmp_path):
    root = write_daily_omni(tmp_path / "m")
    (root / "liarliar/Daily-Omni/Videos/G_VTkkb34gw/G_VTkkb34gw_video.mp4").unlink()
    r = run_tasks([load_task("daily_omni")], root, tmp_path / "run", "B").tasks["daily_omni"]
    assert r.n_errors == 1 and r.n_scored == 2


def _omni_with_video(checkpoint: Path, path: Path) -> Path:
    """The tiny Qwen2.5-Omni thinker with its chat template rendering a video as the released one does
    (``<|vision_bos|><|VIDEO|><|vision_eos|>``; the shared tiny build renders images and audio only): a copy."""
    import shutil

    from transformers import AutoProcessor

    from tests.adapters.tiny_models import chat_template

    shutil.copytree(checkpoint, path)
    processor = AutoProcessor.from_pretrained(path)
    processor.chat_template = chat_template(image="<|vision_bos|><|IMAGE|><|vision_eos|>", audio="<|audio_bos|><|AUDIO|><|audio_eos|>",
                                            video="<|vision_bos|><|VIDEO|><|vision_eos|>")
    processor.save_pretrained(path)
    return path


@pytest.mark.skipif(not HAS_TORCH, reason="torch and transformers")
def test_a_tiny_omni_model_sees_and_hears_and_a_vision_only_model_gets_the_frames_only_variant(mirror, tmp_path, tiny_model):
    from evals.adapters.base import create_adapter

    def short(name):  # a few tokens show the requests run through the real processors
        spec = load_task(name)
        return spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": 4})})

    omni = create_adapter(f"hf:{_omni_with_video(tiny_model('qwen2_5_omni'), tmp_path / 'omni-model')}", {})
    try:
        r = run_tasks([short("daily_omni")], mirror, tmp_path / "omni", "", limit=1, adapter=omni).tasks["daily_omni"]
    finally:
        omni.close()
    assert r.n_errors == 0 and r.n_scored == 1

    vision = create_adapter(f"hf:{tiny_model('qwen2_5_vl')}", {})
    try:
        with pytest.raises(OmniEvalError, match="task daily_omni: .*does not accept audio \\(the task gives it the video's sound track\\)"):
            run_tasks([short("daily_omni")], mirror, tmp_path / "refused", "", limit=1, adapter=vision)
        r = run_tasks([short("daily_omni_visual")], mirror, tmp_path / "visual", "", limit=1, adapter=vision).tasks["daily_omni_visual"]
    finally:
        vision.close()
    assert r.n_errors == 0 and r.n_scored == 1


def test_the_question_file_names_videos_inside_the_mirror_only(tmp_path):
    root = write_video_holmes(tmp_path / "m")
    questions = root / "TencentARC/Video-Holmes/test_Video-Holmes.json"
    items = json.loads(questions.read_text())
    items[0]["video ID"] = "../../../../etc/passwd"  # a row's path cannot leave the mirror
    items[1] = "not a question"
    questions.write_text(json.dumps(items))
    r = run_tasks([load_task("video_holmes")], root, tmp_path / "run", "E").tasks["video_holmes"]
    assert r.n_errors == 2 and r.n_scored == 1 and r.metrics["accuracy"].value == 1.0


def test_a_video_template_may_name_only_plain_fields(tmp_path):
    root = write_video_holmes(tmp_path / "m")
    spec = load_task("video_holmes")
    for template in ("videos/{video ID.__class__}.mp4", "videos/{video ID!r}.mp4", "videos/{0}.mp4"):
        files = {**spec.dataset.data_files, "video": template}
        bad = spec.model_copy(update={"dataset": spec.dataset.model_copy(update={"data_files": files})})
        with pytest.raises(Exception, match="may name only plain fields"):
            run_tasks([bad], root, tmp_path / "run", "E")
