"""The submission files of withheld test sets against the official code that makes or reads them.

``data/submission_formats.json`` holds what the official code produced when it was run (repositories, paths, commits and
the command in the file): the RRC JSON lmms-eval writes for DocVQA and InfographicVQA test from adversarial predictions
(quotes, non-ASCII, a line break, an empty answer, spaces kept), and the verdicts of the MMBench server's own checks
(VLMEvalKit's scripts/mmb_eval_gradio.py: the columns it requires, the set it takes the file for) on the workbooks
omnieval wrote for the fixture TSVs, with the parts of those workbooks the checks read. The one departure, pinned below:
lmms-eval has no failed request (whatever came back is the answer), VLMEvalKit writes its failure message as the
prediction; here a failed sample is never written as an answer: ``""`` in the RRC JSON, an empty prediction cell in the
workbook, and counted.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from evals.results import SampleRecord
from evals.scoring.submission import FORMATS
from evals.spec.catalog import load_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "catalog"))
from helpers import run_tasks  # noqa: E402
from make_fixtures import write_mmbench_test  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "submission_formats.json").read_text(encoding="utf-8"))
RRC = DATA["rrc_json"]
MMBENCH = DATA["mmbench_xlsx"]


def _record(sample_id: str, prediction: str | None, error: str | None = None) -> SampleRecord:
    return SampleRecord(task="t", index=0, id=sample_id, references=[], prediction=prediction, error=error)


def test_the_official_outputs_say_where_they_come_from():
    rrc, mmb = DATA["official"]["rrc_json"], DATA["official"]["mmbench_xlsx"]
    assert rrc["repository"] == "EvolvingLMMs-Lab/lmms-eval" and all(len(c) == 40 for c in rrc["commits"].values())
    assert mmb["repository"] == "open-compass/VLMEvalKit" and mmb["path"] == "scripts/mmb_eval_gradio.py" and len(mmb["commit"]) == 40
    assert DATA["command"] and set(MMBENCH) == {"mmbench_en_test_v11", "mmbench_cn_test_v11", "mmbench_en_test"}


@pytest.mark.parametrize("official", ["docvqa_file", "infovqa_file"])
def test_the_rrc_json_is_the_file_lmms_eval_writes_byte_for_byte(official):
    built = FORMATS.get("rrc_json")([_record(q, p) for q, p in zip(RRC["questionIds"], RRC["predictions"])])
    assert built.data.decode() == RRC[official]
    assert (built.n_rows, built.n_answered, built.n_failed) == (4, 4, 0)


def test_a_failed_sample_is_written_as_no_answer_and_counted():
    # Departure: lmms-eval writes whatever came back; a failed request here is "", never a model answer, even when the
    # record still holds text (a prediction beside an error is not an answer).
    records = [_record("1", "yes"), _record("2", None, error="request failed: HTTP 500"), _record("3", "leaked", error="timeout")]
    built = FORMATS.get("rrc_json")(records)
    assert json.loads(built.data) == [{"questionId": 1, "answer": "yes"}, {"questionId": 2, "answer": ""}, {"questionId": 3, "answer": ""}]
    assert (built.n_rows, built.n_answered, built.n_failed) == (3, 1, 2)
    workbook = pd.read_excel(io.BytesIO(FORMATS.get("mmbench_xlsx")(records).data))
    assert workbook["prediction"].tolist()[0] == "yes" and workbook["prediction"].isna().tolist() == [False, True, True]


def test_the_workbook_keeps_answers_as_text():
    # Written as VLMEvalKit's dump writes .xlsx (XlsxWriter, strings_to_formulas off): an answer that looks like a formula
    # stays text, and a control character a model emitted does not stop the file being written.
    built = FORMATS.get("mmbench_xlsx")([_record("1", "=HYPERLINK(\"http://x\")"), _record("2", "B\x01"), _record("3", "C")])
    workbook = pd.read_excel(io.BytesIO(built.data))
    assert workbook["prediction"].tolist()[0] == '=HYPERLINK("http://x")' and workbook["prediction"].tolist()[2] == "C"
    assert workbook["prediction"].tolist()[1].startswith("B") and built.n_answered == 3


def test_an_id_the_server_cannot_key_is_refused():
    with pytest.raises(ValueError, match="integer questionId"):
        FORMATS.get("rrc_json")([_record("q-1", "x")])


def test_the_mmbench_workbooks_are_those_the_server_accepted(tmp_path):
    data_dir = write_mmbench_test(tmp_path / "data")
    run_tasks([load_task(n) for n in MMBENCH], data_dir, tmp_path / "run", "B")
    for name, official in MMBENCH.items():
        # The server's own checks passed and named the right set (v1.1 English / Chinese, v1.0) for these files ...
        assert official["columns_ok"] is True
        assert official["dataset"] == {"mmbench_en_test_v11": "MMBench_V11", "mmbench_cn_test_v11": "MMBench_CN_V11",
                                       "mmbench_en_test": "MMBench"}[name]
        # ... and what omnieval writes now is, in every part those checks read, the file they were run on.
        frame = pd.read_excel(tmp_path / "run" / "submissions" / f"{name}.xlsx")
        recorded = official["file"]
        assert list(frame.columns) == recorded["columns"]
        assert [int(x) for x in frame["index"]] == recorded["index"]
        for column in ("question", "l2-category", "prediction"):
            assert frame[column].tolist() == recorded[column], (name, column)
