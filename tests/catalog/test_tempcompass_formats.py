"""TempCompass's yes/no, caption-matching and captioning tasks end to end on a fixture mirror in the Hub repo's layout
(tasks/video/tempcompass.yaml): each config's rows, the videos found in ``tempcompass_videos.zip``, lmms-eval's prompts and
rules (tests/conformance/test_tempcompass_formats.py checks them case by case against lmms-eval's own outputs), captions
judged by a scripted judge with the official prompt, and a tiny video model of a real architecture answering."""

from __future__ import annotations

import importlib.util

import pytest
from helpers import run_tasks, tiny_vlm_results
from judged_runs import scripted_judge_run
from make_fixtures import write_tempcompass_formats

from evals.results import iter_samples
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_tempcompass_formats(tmp_path_factory.mktemp("tempcompass"))


def _dims(result) -> dict[str, float]:
    [report] = result.subgroups
    return {g: v["accuracy"].value for g, v in report.groups.items()}


def test_yes_no_and_caption_matching_are_read_by_lmms_evals_rules(mirror, tmp_path):
    tasks = run_tasks([load_task("tempcompass_yes_no"), load_task("tempcompass_caption_matching")], mirror, tmp_path / "run", "A").tasks
    # "A" starts with neither yes nor no: every yes/no answer is unread.
    yes_no, matching = tasks["tempcompass_yes_no"], tasks["tempcompass_caption_matching"]
    assert {k: m.value for k, m in yes_no.metrics.items()} == {"accuracy": 0.0, "unparsed_rate": 1.0}
    # "A" names Caption A (right) and Sentence A (wrong), and no option of the "Option 1/2" question.
    assert (matching.n_samples, matching.n_errors) == (3, 0)
    assert {k: m.value for k, m in matching.metrics.items()} == pytest.approx({"accuracy": 1 / 3, "unparsed_rate": 1 / 3})
    assert _dims(matching) == {"action": 1.0, "direction": 0.0}
    records = list(iter_samples(tmp_path / "run", "tempcompass_caption_matching"))
    assert [(r.extracted, r.extraction_rule) for r in records] == [("A", "option_name"), (None, "unparsed"), ("A", "option_name")]
    assert len({r.cluster for r in records}) == 2  # intervals resample videos
    assert records[0].prompt[0]["content"][-1]["text"] == ("Which caption matches the video better?\nCaption A: A man is dunking a "
                                                           "basketball.\nCaption B: The man is shooting a basketball.\n"
                                                           "Please directly give the best option:")

    answered = run_tasks([load_task("tempcompass_yes_no")], mirror, tmp_path / "no", "Nope, it is not.").tasks["tempcompass_yes_no"]
    assert {k: m.value for k, m in answered.metrics.items()} == pytest.approx({"accuracy": 2 / 3, "unparsed_rate": 0.0})
    assert _dims(answered) == {"action": 0.0, "speed": 1.0, "direction": 1.0}


def test_captions_are_judged_with_the_official_prompt_and_read_as_lmms_eval(mirror, tmp_path):
    replies = {"What is the man doing": "Reasoning: The description mentions dunking.\nAnswer: B. dunking a basketball",
               "Which direction": "Reasoning: The description does not say.\nAnswer: None of the choices are correct"}
    res, records, judge = scripted_judge_run(mirror, tmp_path, "tempcompass_captioning", "A man dunks a basketball.", replies)
    assert (res["n_samples"], res["n_score_errors"]) == (2, 0) and res["metrics"]["accuracy"]["value"] == 0.5
    assert {r["dim"]: v["accuracy"]["value"] for r in res["subgroups"] for r["dim"], v in r["groups"].items()} == {"action": 1.0,
                                                                                                                   "direction": 0.0}
    assert [r["extracted"] for r in records] == ["B. dunking a basketball", "None of the choices are correct"]
    assert all(b["messages"][0] == {"role": "system", "content": "You are an AI assistant for question answering."} for b in judge.bodies)
    assert all(b["max_tokens"] == 128 for b in judge.bodies) and len(judge.prompts) == 2
    assert any(p.endswith("Video Description:A man dunks a basketball.\nMulti-Choice Question:\nWhat is the man doing in the video?\n"
                          "A. dribbling a basketball\nB. dunking a basketball\nAnswer:") for p in judge.prompts)



def test_a_tiny_video_model_answers(mirror, tmp_path, tiny_model):
    r = tiny_vlm_results(tiny_model, "tempcompass_caption_matching", mirror, tmp_path / "run", family="qwen2_5_vl", limit=2)
    assert (r.n_samples, r.n_errors) == (2, 0) and 0.0 <= r.metrics["accuracy"].value <= 1.0
