"""Video-MME, MVBench and SONIC-O1 prompts and answer readings against the code each task cites, case by case.

``data/lmms_eval_videomme.json`` and ``data/lmms_eval_mvbench.json`` hold what lmms-eval's own functions returned when
they were run (``videomme_doc_to_text``, ``videomme_doc_to_text_subtitle``, ``videomme_process_results``;
``mvbench_doc_to_text``, ``mvbench_process_results``) on a few questions, subtitle files and 179 adversarial model
answers; ``data/sonic_o1_prompts.json`` what SONIC-O1's ``get_t1_prompt``, ``get_t2_prompt`` and ``get_t3_prompt``
returned. Each file's header names the repository, the commit and the paths. omnieval's prompts (the task's template
rendered by the planner) and letters must be the same, but for the departures each task's description states.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from evals.data.loaders import NO_SUBTITLES, videomme_subtitles
from evals.run.plan import RequestPlanner
from evals.scoring.metrics.mvbench import mvbench_letter
from evals.scoring.metrics.videomme import videomme_letter
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from make_fixtures import audio_m4a, video_bytes  # noqa: E402

DATA = Path(__file__).parent / "data"
VIDEOMME = json.loads((DATA / "lmms_eval_videomme.json").read_text(encoding="utf-8"))
MVBENCH = json.loads((DATA / "lmms_eval_mvbench.json").read_text(encoding="utf-8"))
SONIC = json.loads((DATA / "sonic_o1_prompts.json").read_text(encoding="utf-8"))
LMMS_EVAL_COMMIT = "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3"
SONIC_COMMIT = "f19785b24cd1879a715261ad726ae5c094701387"
VIDEO = {"bytes": video_bytes(n=6, fps=6, codec="mpeg4", container="mp4"), "path": "clip.mp4"}
AUDIO = {"bytes": audio_m4a(1.0), "path": "clip.m4a"}


def _text(task: str, row: dict[str, Any]) -> str:
    """The text the model is sent after the video, as the task's planner renders it for ``row``."""
    sample = RequestPlanner(load_task(task)).plan(0, row)
    assert sample.error is None, sample.error
    [message] = [m for m in sample.request.messages if m.role == "user"]
    kinds = [getattr(p, "kind", "text") for p in message.content]
    assert kinds == ["video", "text"], kinds
    return message.content[1].text


def _videomme_row(doc: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**doc, "videoID": VIDEO, "answer": "A", "duration": "short", "domain": "Knowledge", "sub_category": "Law",
            "task_type": "OCR Problems", **extra}


def test_the_reference_outputs_say_where_they_come_from_and_are_enough():
    for data, paths in ((VIDEOMME, {"lmms_eval/tasks/videomme/utils.py", "lmms_eval/tasks/_task_utils/mcq_extract.py"}),
                        (MVBENCH, {"lmms_eval/tasks/mvbench/utils.py"})):
        assert data["source"]["repository"] == "EvolvingLMMs-Lab/lmms-eval" and data["source"]["commit"] == LMMS_EVAL_COMMIT
        assert paths <= set(data["source"]["paths"])
        assert len(data["answers"]) >= 100 and len({a["answer"] for a in data["answers"]}) == len(data["answers"])
    assert SONIC["source"]["repository"] == "vectorinstitute/sonic-o1" and SONIC["source"]["commit"] == SONIC_COMMIT
    # The tasks name the same sources in their descriptions.
    for task in ("videomme", "videomme_w_subtitle", "mvbench_action_sequence"):
        assert LMMS_EVAL_COMMIT in load_task(task).description
    for task, path in (("sonic_o1_mcq", "t2_prompts.py"), ("sonic_o1_temporal", "t3_prompts.py"), ("sonic_o1_summary", "t1_prompts.py")):
        assert SONIC_COMMIT in load_task(task).description and path in load_task(task).description


# --- Video-MME ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", VIDEOMME["prompts"], ids=lambda c: c["doc"]["question_id"])
def test_videomme_prompt_is_lmms_evals(case):
    assert _text("videomme", _videomme_row(case["doc"])) == case["prompt"]


@pytest.mark.parametrize("case", VIDEOMME["subtitle_prompts"], ids=lambda c: c["case"])
def test_videomme_subtitles_and_prompt_are_lmms_evals(case):
    subtitles = NO_SUBTITLES if case["srt"] is None else videomme_subtitles(case["srt"], case["frame_count"], case["fps"],
                                                                           case["frame_num"])
    assert _text("videomme_w_subtitle", _videomme_row(case["doc"], subtitles=subtitles)) == case["prompt"]


def test_videomme_subtitles_from_the_mirror_are_lmms_evals(tmp_path):
    """The loader's way: the fixture mirror's subtitle.zip and videos (12 and 18 frames at 6 fps, as OpenCV was made
    to report them for the reference), the task's 32 frames."""
    from make_fixtures import write_fixtures

    from evals.data.open import open_dataset

    spec = load_task("videomme_w_subtitle")
    root = write_fixtures(tmp_path / "mirror", {spec.dataset.path})
    planner = RequestPlanner(spec)
    texts = {s.id: s.request.messages[-1].content[-1].text for s in planner.plan_rows(open_dataset(spec, str(root)).rows)}
    expected = {c["case"]: c["prompt"] for c in VIDEOMME["subtitle_prompts"]}
    assert texts["001-1"] == expected["fixture_32_frames"]  # one cue ("[Music]") has no <font> tag: left out
    assert texts["301-1"] == expected["fixture_no_subtitle_file"]


@pytest.mark.parametrize("case", VIDEOMME["answers"], ids=lambda c: repr(c["answer"])[:40])
def test_videomme_reads_each_answer_as_lmms_eval_does(case):
    assert videomme_letter(case["answer"])[0] == case["letter"]


# --- MVBench -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", MVBENCH["prompts"], ids=lambda c: c["doc"]["question"][:30])
def test_mvbench_prompt_is_lmms_evals_but_for_the_final_newline(case):
    doc = case["doc"]
    text = _text("mvbench_action_sequence", {"video": VIDEO, "question": doc["question"], "candidates": doc["candidates"],
                                             "answer": doc["candidates"][0]})
    # Stated departure: the planner trims a prompt's trailing newlines; lmms-eval's post_prompt ends with one.
    assert case["prompt"].endswith("Only give the best option.\n") and text == case["prompt"][:-1]


def test_every_mvbench_sub_task_has_the_same_prompt():
    from evals.spec.catalog import task_names

    prompts = {load_task(n).prompt.user for n in task_names() if n.startswith("mvbench_")}
    assert len(prompts) == 1


@pytest.mark.parametrize("case", MVBENCH["answers"], ids=lambda c: repr(c["answer"])[:40])
def test_mvbench_reads_each_answer_as_lmms_eval_does(case):
    assert mvbench_letter(case["answer"])[0] == case["letter"]


# --- SONIC-O1 ----------------------------------------------------------------------------------------------------------


def _sonic_row(**values: Any) -> dict[str, Any]:
    return {"id": "01_Patient-Doctor_Consultations/001/0-6", "topic": "01_Patient-Doctor_Consultations", "video": VIDEO,
            "audio": AUDIO, "start": 0.0, "end": 6.0, "question": "", "race": [], "gender": [], "age": [], **values}


@pytest.mark.parametrize("case", SONIC["mcq"], ids=lambda c: c["question"][:30])
def test_sonic_o1_mcq_prompt_is_the_official_one(case):
    row = _sonic_row(question=case["question"], options=case["options"], answer="B")
    assert _text("sonic_o1_mcq", row) == case["prompt"]


@pytest.mark.parametrize("case", SONIC["temporal"], ids=lambda c: c["question_id"])
def test_sonic_o1_temporal_prompt_is_the_official_one_for_one_question(case):
    segment = f"{case['start']:g}-{case['end']:g}"
    row = _sonic_row(id=f"02_Job_Interviews/007/{segment}/{case['question_id']}", question=case["question"], start=case["start"],
                     end=case["end"], relation="after", reference=["1.0", "2.0"])
    assert _text("sonic_o1_temporal", row) == case["prompt"]


@pytest.mark.parametrize("case", SONIC["summary"], ids=lambda c: str(c["duration"]))
def test_sonic_o1_summary_prompt_is_the_official_one(case):
    row = _sonic_row(id="01_Patient-Doctor_Consultations/001", end=case["duration"], duration=case["duration"], summary="A summary.")
    assert _text("sonic_o1_summary", row) == case["prompt"]
