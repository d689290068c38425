"""Terminal output: tables fit the terminal without cutting a model name; progress is labelled and clean off a TTY."""

from __future__ import annotations

import io

from rich.console import Console

from evals.cli import console as terminal
from evals.results import DatasetRecord, MetricValue, RunResults, TaskResult
from evals.run.runner import TaskProgress

LONG = "hf:some-organisation/an-extremely-long-model-name-that-exceeds-most-columns[dtype=bfloat16,max_image_side=768]"


def _run() -> RunResults:
    task = TaskResult(task="harvard_asr", task_version=1, modality="audio", kind="asr", task_hash="t", spec_hash="s",
                      dataset=DatasetRecord(path="p", split="test", fingerprint="f", origin="o"), primary_metric="wer",
                      metrics={"wer": MetricValue(value=0.25, ci_low=0.2, ci_high=0.3, n=30)}, scorers={}, n_samples=30, n_scored=30, n_errors=0)
    return RunResults(run_id="r", model=LONG, model_hash="h", model_fingerprint={}, tasks={"harvard_asr": task})


def test_tables_fit_80_columns_and_never_cut_a_model_name():
    out = Console(width=80, record=True, file=io.StringIO())
    for table in terminal.results_tables([_run()]):
        out.print(table)
    text = out.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert LONG in text.replace("\n", "") or all(part in text for part in LONG.split("-"))
    assert "…" not in text and "[0.2000, 0.3000]" in text


def test_progress_off_a_terminal_is_plain_labelled_lines(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(terminal, "console", Console(file=buf, force_terminal=False, width=200))
    with terminal.progress_display(True) as update:
        update("ct2-whisper:tiny.en harvard_asr", TaskProgress(total=30, done=10, cached=10, ran=0))
        update("ct2-whisper:tiny.en harvard_asr", TaskProgress(total=30, done=20, cached=10, ran=10))  # within 10 s: no line
        update("ct2-whisper:tiny.en harvard_asr", TaskProgress(total=30, done=30, cached=10, ran=20))  # done: a line
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and all(line.startswith("ct2-whisper:tiny.en harvard_asr: ") for line in lines)
    assert "30/30 samples (cached 10, new 20, errors 0)" in lines[1] and "\x1b" not in buf.getvalue()
