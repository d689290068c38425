"""MMLongBench-Doc (tasks/vqa/mmlongbench_doc.yaml): end to end on a fixture mirror in yubo2333/MMLongBench-Doc's schema with
pre-rendered pages, a scripted extraction judge on loopback, and a tiny multi-image VLM.

The judge prompts expected are the requests the official ``eval/extract_answer.py`` made (tests/conformance/data/
mmlongbench_doc_official.json, ``judge_requests``: its user message, the extraction prompt file, and its assistant message,
the question and the response), here sent as one user message.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from helpers import ScriptedJudge, run_cli
from make_fixtures import MMLONGBENCH_DOC_PAGES, MMLONGBENCH_DOC_ROWS, mmlongbench_doc_page, write_mmlongbench_doc

from evals.adapters.base import create_adapter
from evals.data.media import image_part
from evals.errors import DataError
from evals.run.evaluate import evaluate_model
from evals.run.judge import make_judges
from evals.run.runner import RunOptions
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "mmlongbench_doc_official.json").read_text(encoding="utf-8"))
REQUESTS = OFFICIAL["judge_requests"]["requests"]
VERDICTS = {  # by a phrase of each fixture question: the judge's reply
    "democrats and voted": "Extracted answer: 18.3\nAnswer format: Float",  # within 1 % of 18.29%: 1
    "How many charts": "Extracted answer: 8\nAnswer format: Integer",  # 1
    "least satisfied": "Extracted answer: Less well off\nAnswer format: String",  # ANLS 1 - 1/13
    "Which shapes appear": "Extracted answer: ['Circle']\nAnswer format: List",  # one item of two: 0
    "GPU price": "Extracted answer: Not answerable\nAnswer format: String",  # 1
    "response rate": "I could not find it.",  # no "Extracted answer:": unparsed
}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_mmlongbench_doc(tmp_path_factory.mktemp("mmlongbench-doc"))


def _run(mirror: Path, tmp_path: Path, answer: str, verdicts: dict[str, str] = VERDICTS, *extra: str):
    with ScriptedJudge(verdicts) as judge:
        res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "mmlongbench_doc", answer, "--judge", "openai:j",
                               "-J", f"base_url={judge.url}", *extra)
        return res, records, judge.prompts


def test_the_judge_extracts_every_answer_and_the_official_rules_score_it(mirror, tmp_path):
    spec = load_task("mmlongbench_doc")
    assert (spec.dataset.path, spec.dataset.split, spec.dataset.loader) == ("yubo2333/MMLongBench-Doc", "train", "mmlongbench_doc_pages")
    assert spec.judge is not None and not spec.judge.optional and spec.judge.max_new_tokens == REQUESTS[0]["max_tokens"] == 256
    res, records, prompts = _run(mirror, tmp_path, "The answer is 8.")
    assert len(prompts) == len(MMLONGBENCH_DOC_ROWS) and res["n_errors"] == res["n_score_errors"] == 0
    # The official request for the first question and this response: its two messages' texts, as one.
    official = REQUESTS[0]
    assert official["response"] == "The answer is 8." and official["question"] == MMLONGBENCH_DOC_ROWS[0][2]
    user, assistant = (m["content"] for m in official["messages"])
    assert user + assistant.rstrip("\n") in prompts
    found = sum(12 / 13 if "least" in q else 1.0 for q in ("democrats", "charts", "least", "GPU"))  # the four right, one partly
    metrics = {k: v["value"] for k, v in res["metrics"].items()}
    answerable_score = 1 + 1 + 12 / 13  # the unanswerable question's 1 is not recall's; five answerable, five predicted
    assert metrics == pytest.approx({"accuracy": found / 6, "f1": answerable_score / 5, "unparsed_rate": 1 / 6})
    groups = {s["field"]: {g: v["accuracy"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}
    assert groups["evidence[*]"] == pytest.approx({"single-page": (1 + 12 / 13 + 0) / 3, "cross-page": 0.5, "unanswerable": 1.0})
    assert groups["doc_type"] == pytest.approx({"Research report / Introduction": 2 / 3, "Academic paper": (12 / 13 + 1) / 3})
    assert groups["evidence_source_list[*]"]["Table"] == 0.0
    by_question = {r["prompt"][0]["content"][0]["text"]: r for r in records}
    unread = next(r for q, r in by_question.items() if "response rate" in q)
    assert unread.get("extracted") is None and unread["extraction_rule"] == "judge"
    assert next(r for q, r in by_question.items() if "least" in q)["extracted"] == "Less well off"


def test_the_request_is_the_question_then_every_page_in_order_and_the_answer_is_quoted(mirror, tmp_path):
    official = REQUESTS[1]
    answer = official["response"]
    assert "\n" in answer and "|" in answer
    res, records, prompts = _run(mirror, tmp_path, answer)
    for rec in records:
        [turn] = rec["prompt"]
        text, *pages = turn["content"]
        row = next(r for r in MMLONGBENCH_DOC_ROWS if r[2] == text["text"])
        doc = row[0].removesuffix(".pdf")
        assert [p["sha"] for p in pages] == [image_part(mmlongbench_doc_page(doc, k)).sha for k in range(1, MMLONGBENCH_DOC_PAGES[doc] + 1)]
    # The official request for the second question, with the answer quoted (line breaks written \n, | as \|).
    user, assistant = (m["content"] for m in official["messages"])
    quoted = answer.replace("\n", "\\n").replace("|", "\\|")
    assert user + assistant.replace(answer, quoted).rstrip("\n") in prompts


def test_a_document_without_pages_is_its_questions_error_and_the_hub_has_no_pages(tmp_path):
    mirror = write_mmlongbench_doc(tmp_path / "m", missing_doc=True)
    verdicts = {**VERDICTS, "How many maps": "Extracted answer: 2\nAnswer format: Integer"}
    res, records, _ = _run(mirror, tmp_path, "The answer is 8.", verdicts, "--max-error-rate", "0.5")
    [failed] = [r for r in records if r.get("error")]
    assert res["n_errors"] == 1 and "unrendered_1.png" in failed["error"]
    with pytest.raises(DataError, match="not on the Hub"):
        from evals.data.loaders import load_mmlongbench_doc_pages

        load_mmlongbench_doc_pages(load_task("mmlongbench_doc"), None)


@pytest.mark.slow
def test_a_tiny_multi_image_vlm_reads_every_page(tiny_model, mirror, tmp_path):
    spec = load_task("mmlongbench_doc")
    spec = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": 4})})
    adapter = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    judge = make_judges(["baseline:constant"], {"text": "Extracted answer: Not answerable\nAnswer format: String"}, None)
    try:
        result = evaluate_model(adapter, [spec], tmp_path / "run", None, RunOptions(data_dir=str(mirror), limit=1, n_resamples=50),
                                judge=judge).tasks["mmlongbench_doc"]
    finally:
        adapter.close()
        judge.close()
    assert result.n_errors == 0 and result.n_samples == result.n_scored == 1
    assert result.metrics["unparsed_rate"].value == 0.0 and result.metrics["accuracy"].value == 0.0
