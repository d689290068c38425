"""MMBench v1.1's extraction-judge prompts against VLMEvalKit's own code, byte for byte.

``data/mmbench_v11_judge_vlmevalkit.json`` holds what VLMEvalKit's ``extract_answer_from_item`` sent its judge, and
what ``build_prompt`` and ``build_prompt_cn`` gave, for adversarial questions, options and answers and for every row of
the catalogue fixture (open-compass/VLMEvalKit, vlmeval/dataset/utils/multiple_choice.py; commit and command in the
file's header). mmbench_en_dev_v11's judge must send build_prompt's text and mmbench_cn_dev_v11's build_prompt_cn's,
"Z" the judge's word for no option, the answer quoted (line breaks written \\n, | as \\|: a deliberate departure, so an
answer cannot forge the prompt's lines).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.adapters.base import create_adapter
from evals.results import iter_samples
from evals.run.evaluate import evaluate_model
from evals.run.judge import judge_requests, parse_choice_verdict
from evals.run.plan import format_options
from evals.run.runner import RunOptions
from evals.spec.catalog import load_task
from evals.spec.templates import judge_template, quote_answer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import write_mmbench_v11  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "mmbench_v11_judge_vlmevalkit.json").read_text(encoding="utf-8"))
TASKS = {"MMBench_DEV_EN_V11": ("mmbench_en_dev_v11", "build_prompt", "Answer: "),
         "MMBench_DEV_CN_V11": ("mmbench_cn_dev_v11", "build_prompt_cn", "答案: ")}


def quoted(prompt: str, prediction: str, label: str) -> str:
    """The official prompt with its answer quoted as omnieval quotes it (``quote_answer``): the one departure."""
    head, found, tail = prompt.rpartition(f"\n{label}{prediction}\n")
    assert found, (label, prediction)
    return f"{head}\n{label}{quote_answer(prediction)}\n{tail}"


def test_the_official_outputs_say_where_they_come_from_and_cover_both_languages_and_the_odd_cases():
    source = DATA["source"]
    assert source["repository"] == "open-compass/VLMEvalKit" and len(source["commit"]) == 40 and source["command"]
    assert "vlmeval/dataset/utils/multiple_choice.py" in source["paths"]
    cases = DATA["cases"]
    assert {c["dataset"] for c in cases} == set(TASKS) and {c["cn_string"] for c in cases} == {True, False}
    assert any("\n" in c["prediction"] and "|" in c["prediction"] for c in cases) and any("{" in c["question"] for c in cases)
    assert len(DATA["fixture_rows"]) == 36 and {r["dataset"] for r in DATA["fixture_rows"]} == set(TASKS)


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: f"{c['dataset'][-6:]}:{c['question'][:20]}")
def test_each_variant_renders_its_languages_official_prompt(case):
    task, builder, label = TASKS[case["dataset"]]
    judge = load_task(task).judge
    ours = judge_template(judge.prompt, task, "judge.prompt").render(
        metadata={"question": case["question"]}, options=format_options(case["options"]), prediction=case["prediction"])
    assert ours == quoted(case[builder], case["prediction"], label)
    if case["prediction"] == quote_answer(case["prediction"]):
        assert ours == case[builder]  # identical bytes wherever the answer has no line break, | or trailing backslash
    # Deliberate departure: VLMEvalKit picks the prompt question by question (cn_string: any CJK character in the question
    # gives the Chinese one, whatever the file); here each variant has its language's prompt, so an English question in
    # the Chinese file is asked in Chinese and a question quoting Chinese in the English file in English.
    official_choice = "build_prompt_cn" if case["cn_string"] else "build_prompt"
    assert case["asked"] == case[official_choice]
    assert (official_choice == builder) == (case["cn_string"] == (case["dataset"] == "MMBench_DEV_CN_V11"))


@pytest.mark.parametrize("language", ["EN", "CN"])
def test_a_runs_judge_requests_are_what_vlmevalkit_asks_for_every_fixture_row(tmp_path, language):
    """The whole path: the fixture TSV read, answered with an answer the rules cannot read, and the judge's request for
    each row built from the run's records (the question alone from ``metadata``, the row's options)."""
    dataset = f"MMBench_DEV_{language}_V11"
    task, _, label = TASKS[dataset]
    spec = load_task(task)
    prediction = DATA["fixture_prediction"]
    adapter = create_adapter("baseline:constant", {"text": prediction})
    evaluate_model(adapter, [spec], tmp_path / "run", None, RunOptions(data_dir=str(write_mmbench_v11(tmp_path / "data"))))
    records = list(iter_samples(tmp_path / "run", task))
    assert len(records) == 18 and all(r.prediction == prediction and r.scores["mmbench_match"]["unparsed"] == 1.0 for r in records)
    requests = {r.id.removeprefix("judge:"): r for r in judge_requests(spec, records)}
    official = {r["index"]: r["prompt"] for r in DATA["fixture_rows"] if r["dataset"] == dataset}
    assert set(requests) == set(official)
    for index, request in requests.items():
        [message] = request.messages
        assert message.role == "user" and message.content[0].text == quoted(official[index], prediction, label), index


@pytest.mark.parametrize("task", [t for t, _, _ in TASKS.values()])
def test_z_is_the_judges_no_option_and_any_other_letter_past_the_options_no_verdict(task):
    verdict = load_task(task).judge.verdict
    choices = ["cat", "dog", "bird", "fish"]
    assert parse_choice_verdict("Z", verdict, choices) == (None, None)  # no option fits: unparsed, wrong and counted
    assert parse_choice_verdict("B", verdict, choices) == ("B", None)
    assert parse_choice_verdict("E", verdict, choices)[1] is not None  # v1.0's "E" is no longer the no-option word
