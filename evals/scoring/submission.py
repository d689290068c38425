"""Submission files for test sets whose answers are withheld: the file each benchmark's evaluation server takes.

A task whose answers only a server knows (DocVQA and InfographicVQA test: the RRC server; MMBench test: the MMBench /
OpenCompass server) declares ``submission: {format: NAME}``; the run writes that file beside its results
(``evals.run.submission``) and its results say the score comes from the server. A format is registered here under its
name: the file's suffix, where it is uploaded, how a missing answer is written, and a pure function from the task's
sample records to the file's bytes. A sample whose request failed (or whose row could not be read) is never written as
a model answer: it is written the way the server reads "no answer" (``missing``) and counted in ``n_failed``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, Callable

from evals.registry import Registry

if TYPE_CHECKING:
    from evals.results import SampleRecord

SUBMITTED = "submitted"
"""A submission task's primary metric and status: scored by the benchmark's server, never here."""


@dataclass(frozen=True)
class SubmissionFile:
    """A written submission: its bytes, its rows, and how many of them hold a model answer."""

    data: bytes
    n_rows: int
    n_answered: int
    n_failed: int


@dataclass(frozen=True)
class SubmissionFormat:
    """One server's file format: ``build(records) -> SubmissionFile``."""

    name: str
    suffix: str
    server: str
    """Where the file is uploaded, in words (a URL and the page's name)."""
    missing: str
    """What a sample without a model answer is written as, in the format's own terms."""
    build: Callable[[list["SampleRecord"]], SubmissionFile]
    requires: tuple[str, ...] = ()
    """Python packages the writer imports (``xlsxwriter`` for .xlsx)."""

    def __call__(self, records: list["SampleRecord"]) -> SubmissionFile:
        return self.build(records)

    def problem(self) -> str | None:
        """Why this format cannot be written here (a package it needs is not installed), or None."""
        absent = [p for p in self.requires if find_spec(p) is None]
        if absent:
            return (f"submission format {self.name} needs {', '.join(absent)}: "
                    f"pip install 'omnieval[submission]' (or: pip install {' '.join(absent)})")
        return None


FORMATS: Registry[SubmissionFormat] = Registry("submission format")  # type: ignore[type-var]


def answer_of(record: "SampleRecord") -> str | None:
    """The model's answer a submission holds for ``record``, or None: its request failed, its row could not be read,
    or nothing came back. Never an empty string standing in for a failure."""
    return None if record.error is not None or record.prediction is None else record.prediction


def _integer_id(record: "SampleRecord", name: str) -> int:
    try:
        return int(record.id)
    except ValueError:
        raise ValueError(f"sample {record.id!r}: the server keys answers by an integer {name}, and this id is not one") from None


def _rrc_json(records: list["SampleRecord"]) -> SubmissionFile:
    """The RRC server's JSON (DocVQA Task 1, InfographicVQA): ``[{"questionId": int, "answer": str}, ...]``, one entry per
    question in dataset order, as lmms-eval's ``docvqa_test_process_results`` / ``infovqa_test_process_results`` build it
    (and ``json.dump`` it); a question without a model answer gets ``"answer": ""`` (ANLS 0), so every questionId of the
    split is in the file."""
    entries, failed = [], 0
    for r in records:
        answer = answer_of(r)
        failed += answer is None
        entries.append({"questionId": _integer_id(r, "questionId"), "answer": "" if answer is None else answer})
    return SubmissionFile(json.dumps(entries).encode(), len(entries), len(entries) - failed, failed)


def _mmbench_xlsx(records: list["SampleRecord"]) -> SubmissionFile:
    """The workbook the MMBench server takes (VLMEvalKit's ``{model}_{dataset}.xlsx``: the TSV's columns without
    ``image``, plus ``prediction``), one row per row of the TSV (each circular copy its own row, keyed by ``index``); the
    columns are ``index``, the task's ``fields.metadata`` columns in their order, then ``prediction``. A row without a
    model answer has an empty ``prediction`` cell."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    failed = 0
    for r in records:
        answer = answer_of(r)
        failed += answer is None
        rows.append({"index": _integer_id(r, "index"), **(r.metadata or {}), "prediction": answer})
    buffer = io.BytesIO()
    # As VLMEvalKit's ``dump`` writes .xlsx: XlsxWriter, text never read as a formula (an answer "=1+1" stays text), and
    # control characters a model may emit escaped rather than refused.
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}) as writer:
        pd.DataFrame(rows).to_excel(writer, index=False)
    return SubmissionFile(buffer.getvalue(), len(rows), len(rows) - failed, failed)


FORMATS.register("rrc_json")(SubmissionFormat(  # type: ignore[arg-type]
    "rrc_json", ".json", "the Robust Reading Competition server, https://rrc.cvc.uab.es (DocVQA: ?ch=17, Task 1; "
    "InfographicVQA: ?ch=17, Task 3): My Methods, New method, upload the .json", '"answer": ""', _rrc_json))
FORMATS.register("mmbench_xlsx")(SubmissionFormat(  # type: ignore[arg-type]
    "mmbench_xlsx", ".xlsx", "the MMBench evaluation server, https://mmbench.opencompass.org.cn/mmbench-submission "
    "(VLMEvalKit scripts/mmb_eval_gradio.py): upload the .xlsx", "an empty prediction cell", _mmbench_xlsx,
    requires=("xlsxwriter",)))


def get_format(name: str) -> SubmissionFormat:
    return FORMATS.get(name)
