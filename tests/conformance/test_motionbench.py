"""MotionBench's rows, prompts, answer reading and accuracy against lmms-eval's own code.

``data/lmms_eval_motionbench.json`` holds what lmms-eval's functions returned when they were run (the files of
EvolvingLMMs-Lab/lmms-eval at the commit its header names, in a throwaway script outside the repository; its command is
recorded there) on adversarial ``video_info.meta.jsonl`` lines (options as ``A.``, ``A)``, ``A:``, squeezed whitespace,
a wrapped option, an empty option, labels E-F, lower-case labels, no options, a TEST question ``NA``, two questions on one
video, an answer to strip) and answers: ``motionbench_process_docs`` (which questions it keeps), ``motionbench_doc_to_text``
with the template's default kwargs, ``_extract_choice_letter`` / ``motionbench_process_results`` and
``motionbench_aggregate_tracking``. omnieval's loader, preprocessor and planner must give the same questions and prompts,
``motionbench_match`` the same letters and accuracy, but for the departure pinned here: a question lmms-eval drops for
its form (no options it can read, or an answer not among them) is that row's error, never silently left out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.data.loaders import LOADERS
from evals.run.plan import RequestPlanner
from evals.scoring.contract import NoOptions, ScoreInput
from evals.scoring.metrics.motionbench import motionbench_letter, score_motionbench
from evals.spec.catalog import load_task
from evals.spec.preprocess import motionbench

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from make_fixtures import video_bytes  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "lmms_eval_motionbench.json").read_text(encoding="utf-8"))
COMMIT = "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3"
KEPT = {d["uid"]: d for d in DATA["docs"]}
QUESTIONS = [{**{k: v for k, v in line.items() if k != "qa"}, **qa} for line in DATA["meta_rows"] for qa in line["qa"]]


def test_the_reference_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["source"]["repository"] == "EvolvingLMMs-Lab/lmms-eval" and DATA["source"]["commit"] == COMMIT
    assert "lmms_eval/tasks/motionbench/utils.py" in DATA["source"]["paths"] and DATA["source"]["command"]
    assert len(DATA["answers"]) >= 50 and len({a["answer"] for a in DATA["answers"]}) == len(DATA["answers"])
    assert sum(a["letter"] == "" for a in DATA["answers"]) >= 10 and 4 <= len(KEPT) < len(QUESTIONS) - 3
    assert COMMIT in load_task("motionbench_dev").description


def test_the_loader_reads_the_answered_questions_one_per_qa_entry(tmp_path):
    repo = tmp_path / "THUDM" / "MotionBench" / "MotionBench"
    repo.mkdir(parents=True)
    (repo / "video_info.meta.jsonl").write_text("\n".join(json.dumps(r) for r in DATA["meta_rows"]) + "\n", encoding="utf-8")
    (repo / "self-collected").mkdir()
    (repo / "self-collected" / "vid0.mp4").write_bytes(b"x")
    source = LOADERS.get("motionbench")(load_task("motionbench_dev"), tmp_path)
    rows = [row for _, row in source.rows]
    # lmms-eval skips the "NA" question (the TEST set) before anything else; every other question is a row here.
    assert [r["uid"] for r in rows] == [q["uid"] for q in QUESTIONS if q["answer"] != "NA"]
    assert rows[0]["question_type"] == QUESTIONS[0]["question_type"] and "qa" not in rows[0]
    assert rows[0]["video_path"].__class__.__name__ == "LoaderFile"
    assert "is not in MotionBench/self-collected or MotionBench/public-dataset" in rows[1]["video_path"]["path"]


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q["answer"] != "NA"], ids=lambda q: q["uid"])
def test_the_prompt_is_lmms_evals_and_what_it_drops_is_an_error(question):
    row = {**question, "video_path": {"bytes": video_bytes(n=6, fps=6, codec="mpeg4", container="mp4"), "path": "clip.mp4"}}
    sample = RequestPlanner(load_task("motionbench_dev")).plan(0, row)
    if question["uid"] not in KEPT:  # the departure: lmms-eval leaves the question out unscored
        assert sample.error is not None and "lmms-eval leaves such a question out" in sample.error
        with pytest.raises(ValueError):
            motionbench(question)
        return
    assert sample.error is None, sample.error
    [message] = [m for m in sample.request.messages if m.role == "user"]
    assert [getattr(p, "kind", "text") for p in message.content] == ["video", "text"]
    assert message.content[1].text == KEPT[question["uid"]]["prompt"]
    assert sample.references == [KEPT[question["uid"]]["answer"]]


@pytest.mark.parametrize("case", DATA["answers"], ids=lambda c: repr(c["answer"]))
def test_answers_are_read_as_lmms_eval_reads_them(case):
    letter, rule = motionbench_letter(case["answer"])
    assert (letter or "") == case["letter"] and (rule == "unparsed") == (case["letter"] == "")
    [score] = score_motionbench([ScoreInput(id="0", prediction=case["answer"], references=[KEPT["1000"]["answer"]])], NoOptions())
    assert score.stats == {"score": case["correct_for_C"], "unparsed": 1.0 - case["answered"]}


def test_accuracy_is_lmms_evals():
    agg = DATA["aggregate"]
    inputs = [ScoreInput(id=d["uid"], prediction=p, references=[d["answer"]]) for d, p in zip(DATA["docs"], agg["predictions"])]
    scores = score_motionbench(inputs, NoOptions())
    assert sum(s.stats["score"] for s in scores) / len(scores) == pytest.approx(agg["overall_acc"])
