"""A video task end to end: your own clips (JSONL + files), sampled as the task says, through the runner and its cache."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from make_fixtures import video_bytes  # noqa: E402

from evals.adapters.base import create_adapter  # noqa: E402
from evals.results import iter_samples, read_results  # noqa: E402
from evals.run.evaluate import evaluate_model  # noqa: E402
from evals.run.runner import RunOptions  # noqa: E402
from evals.spec.catalog import load_task  # noqa: E402
from tests.cli_process import run_omnieval

TASK = """
name: my_clips
modality: video
kind: vqa
dataset: {path: json, data_dir: data, data_files: {test: questions.jsonl}, split: test}
fields: {id: id, video: video, video_start: start, video_end: end, question: question, references: answer, subgroups: [kind]}
video: {frames: 4}
prompt:
  user: "<video>\\n{{ question }}"
generation: {max_new_tokens: 4}
scorers: [exact_match]
"""


@pytest.fixture
def clips(tmp_path) -> Path:
    data = tmp_path / "data"
    (data / "clips").mkdir(parents=True)
    (data / "clips" / "a.mkv").write_bytes(video_bytes(n=30, fps=10))
    (data / "clips" / "b.mkv").write_bytes(video_bytes(n=20, fps=10, size=(40, 24)))
    (data / "clips" / "broken.mkv").write_bytes(b"\x1a\x45\xdf\xa3 not really a video")
    rows = [{"id": "a-whole", "video": "clips/a.mkv", "start": 0.0, "end": 3.0, "question": "What colour?", "answer": "grey", "kind": "colour"},
            {"id": "a-late", "video": "clips/a.mkv", "start": 1.0, "end": 2.0, "question": "What colour?", "answer": "grey", "kind": "colour"},
            {"id": "b", "video": "clips/b.mkv", "start": 0.0, "end": 2.0, "question": "How many?", "answer": "two", "kind": "count"},
            {"id": "broken", "video": "clips/broken.mkv", "start": 0.0, "end": 1.0, "question": "What?", "answer": "x", "kind": "count"}]
    (data / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "my_clips.yaml").write_text(TASK)
    return tmp_path


def _run(root: Path, model: str, args: dict, out: str, cache: Path | None = None):
    adapter = create_adapter(model, args)
    try:
        evaluate_model(adapter, [load_task(str(root / "my_clips.yaml"))], root / out, None if cache is None else _cache(cache),
                       RunOptions(batch_size=4, n_resamples=20))
    finally:
        adapter.close()
    return read_results(root / out).tasks["my_clips"], {r.id: r for r in iter_samples(root / out, "my_clips")}


def _cache(path: Path):
    from evals.run.cache import ResponseCache

    return ResponseCache(path)


def test_a_video_task_samples_each_segment_scores_answers_and_a_broken_clip_is_its_own_error(clips):
    result, records = _run(clips, "baseline:constant", {"text": "grey"}, "base")
    assert (result.n_samples, result.n_errors, result.n_scored) == (4, 0, 4)  # the baseline never decodes: nothing fails
    assert result.metrics["exact_match"].value == pytest.approx(0.5)
    # Two segments of one file are two different requests (the sampling is in the key), the same file in the prompt.
    whole, late = records["a-whole"].prompt[0]["content"][0], records["a-late"].prompt[0]["content"][0]
    assert whole["type"] == late["type"] == "video" and whole["sha"] == late["sha"]


def test_an_image_model_sees_the_sampled_frames_and_a_video_model_the_video(clips, tiny_model):
    result, records = _run(clips, f"hf:{tiny_model('llava')}", {}, "llava")
    assert (result.n_samples, result.n_errors) == (4, 1)
    assert records["broken"].error.startswith("media: cannot open video") and records["broken"].prediction is None
    assert any("as 4 frames (images)" in n for n in result.notes)  # the run says how the model saw the video
    qwen, qwen_records = _run(clips, f"hf:{tiny_model('qwen2_5_vl')}", {}, "qwen", cache=clips / "c.sqlite")
    assert (qwen.n_samples, qwen.n_errors) == (4, 1) and not any("frames (images)" in n for n in qwen.notes)
    again, _ = _run(clips, f"hf:{tiny_model('qwen2_5_vl')}", {}, "qwen-again", cache=clips / "c.sqlite")
    assert again.n_cached == 3 and again.metrics == qwen.metrics  # answered from the cache: same sampling, same keys


def test_a_video_run_resumed_from_part_of_its_cache_gives_the_records_of_an_uninterrupted_run(tmp_path, tiny_model):
    """An uninterrupted run in a child process, then half of its answers taken out of a copy of its cache and the same
    command in this process: decoding and sampling are deterministic, so only the missing requests are asked again
    and the records and metrics equal the child's. (SIGKILL part way through a run, then the same command:
    tests/reliability/test_kill_resume.py and tests/core/test_cli.py; each model run here loads torch once more.)"""
    import shutil
    import sqlite3

    from typer.testing import CliRunner

    from evals.cli.main import app
    from tests.reliability.helpers import child_env

    data = tmp_path / "data"
    (data / "clips").mkdir(parents=True)
    rows = []
    for i in range(8):
        (data / "clips" / f"{i}.mkv").write_bytes(video_bytes(n=10 + i, fps=10, size=(32 + 8 * (i % 3), 24)))
        rows.append({"id": str(i), "video": f"clips/{i}.mkv", "start": 0.0, "end": 9.0, "question": "What happens?" + " now" * (i % 4),
                     "answer": "grey", "kind": "k"})
    (data / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "my_clips.yaml").write_text(TASK)
    model = f"hf:{tiny_model('qwen2_5_vl')}"

    def args(out: str, cache: Path) -> list[str]:
        return ["run", "-m", model, "--task-file", str(tmp_path / "my_clips.yaml"), "-b", "2", "--no-progress", "--output", str(tmp_path / out),
                "--cache", str(cache)]

    ref = run_omnieval(*args("ref", tmp_path / "ref.sqlite"), timeout=300, env={**child_env(), "USE_TORCH": "1"})
    assert ref.returncode == 0, ref.stderr[-2000:]
    shutil.copy(tmp_path / "ref.sqlite", tmp_path / "c.sqlite")
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        assert db.execute("DELETE FROM responses WHERE rowid % 2 = 0").rowcount == 4
    result = CliRunner().invoke(app, args("runs", tmp_path / "c.sqlite"))
    assert result.exit_code == 0, result.output
    [resumed_dir] = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    [ref_dir] = [p for p in (tmp_path / "ref").iterdir() if p.is_dir()]
    keep = ("id", "prediction", "scores", "error", "prompt")
    resumed = [{k: getattr(r, k) for k in keep} for r in iter_samples(resumed_dir, "my_clips")]
    reference = [{k: getattr(r, k) for k in keep} for r in iter_samples(ref_dir, "my_clips")]
    assert resumed == reference and len(resumed) == 8
    assert sum(not r.cached for r in iter_samples(resumed_dir, "my_clips")) == 4  # only what was taken out was asked again
    assert read_results(resumed_dir).tasks["my_clips"].metrics == read_results(ref_dir).tasks["my_clips"].metrics


def test_sonic_o1_takes_each_segments_frames_and_the_sound_from_its_own_audio_file(tmp_path, tiny_model):
    """The videos have no sound track; the task's sound comes from the topic's .m4a, cut to the segment."""
    import numpy as np
    from make_fixtures import write_sonic_o1

    from evals.data.media import decode_video
    from evals.requests import VideoSampling

    write_sonic_o1(tmp_path)
    repo = tmp_path / "vector-institute" / "sonic-o1" / "dataset"
    video, sound = repo / "videos" / "02_Job_Interviews" / "video_001.mp4", repo / "audios" / "02_Job_Interviews" / "audio_001.m4a"
    clip = decode_video(str(video), VideoSampling(fps=1, max_frames=64, start_s=2.0, end_s=6.0, audio=True, audio_file=str(sound)))
    samples, rate = clip.audio
    assert clip.indices == [20, 30, 40, 50] and rate == 16000 and len(samples) == pytest.approx(4 * 16000, abs=16)  # the AAC priming samples skipped
    assert np.fft.rfftfreq(len(samples), 1 / rate)[np.abs(np.fft.rfft(samples)).argmax()] == pytest.approx(330, abs=3)

    from evals.spec.task import with_generation

    adapter = create_adapter(f"hf:{tiny_model('gemma3n')}", {})  # images and audio, no video processor: frames as images
    # Answers of at most 8 tokens (--max-new-tokens 8): the random model would run to the tasks' 512 and 256.
    tasks = [with_generation(load_task(name), max_new_tokens=8) for name in ("sonic_o1_mcq", "sonic_o1_temporal")]
    try:
        evaluate_model(adapter, tasks, tmp_path / "run", None, RunOptions(data_dir=str(tmp_path), n_resamples=20, batch_size=2))
    finally:
        adapter.close()
    results = read_results(tmp_path / "run").tasks
    assert (results["sonic_o1_mcq"].n_samples, results["sonic_o1_mcq"].n_errors) == (3, 0)
    assert (results["sonic_o1_temporal"].n_samples, results["sonic_o1_temporal"].n_errors) == (3, 0)
    assert any("a frame every 1 s (at most 128)" in n for n in results["sonic_o1_mcq"].notes)


def test_the_catalogues_video_tasks_run_with_a_video_model(tmp_path, tiny_model):
    """Video-MME (with and without subtitles), NExT-QA and MVBench, each from its mirror layout, through tiny Qwen2.5-VL (video input)."""
    from make_fixtures import write_fixtures

    mirror = write_fixtures(tmp_path / "mirror", {"lmms-eval/Video-MME", "lmms-eval/NExTQA", "OpenGVLab/MVBench"})
    names = ["videomme", "videomme_w_subtitle", "nextqa_mc_test", "mvbench_action_sequence", "mvbench_moving_count"]
    adapter = create_adapter(f"hf:{tiny_model('qwen2_5_vl')}", {})
    try:
        evaluate_model(adapter, [load_task(n) for n in names], tmp_path / "run", None, RunOptions(data_dir=str(mirror), n_resamples=20, batch_size=3))
    finally:
        adapter.close()
    results = read_results(tmp_path / "run").tasks
    assert {n: (results[n].n_samples, results[n].n_errors) for n in names} == {"videomme": (6, 0), "videomme_w_subtitle": (6, 0),
                                                                               "nextqa_mc_test": (3, 0), "mvbench_action_sequence": (2, 0),
                                                                               "mvbench_moving_count": (2, 0)}
    assert not any("frames (images)" in note for r in results.values() for note in r.notes)  # it took them as video


def test_a_video_condition_asks_the_model_again_and_never_reuses_the_clean_answers(clips, tmp_path):
    """``--conditions clean,frame_drop:0.5`` on one cache: the frame_drop task's requests are new (none served from
    the clean run's cache), so its answers are the model's to frames that actually dropped."""
    from typer.testing import CliRunner

    from evals.cli.main import app

    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-t", str(clips / "my_clips.yaml"), "--conditions",
                                      "clean,frame_drop:0.5,video_blur:2", "-o", str(tmp_path / "out"), "--cache",
                                      str(tmp_path / "c.sqlite"), "--no-progress", "--max-error-rate", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    [run] = (tmp_path / "out").iterdir()
    tasks = json.loads((run / "results.json").read_text())["tasks"]
    assert set(tasks) == {"my_clips", "my_clips.frame_drop_0.5", "my_clips.video_blur_2"}
    assert [(tasks[name]["n_samples"], tasks[name]["n_cached"]) for name in sorted(tasks)] == [(4, 0)] * 3
