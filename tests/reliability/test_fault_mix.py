"""Every fault a server can commit, in one run: each sample is answered or an error naming its cause, never an empty scored answer."""

from __future__ import annotations

import re

import pytest

from tests.adapters.fault_server import FaultServer
from tests.reliability.helpers import write_question_mirror

pytest.importorskip("httpx")

# Four attempts: a transient fault needs at most three, and a loaded machine may cost one more (a server thread that
# starts late turns an attempt into a timeout before the server has counted it).
RETRIES = 3
# directive -> what its sample's error must say (None: it must be answered, after retries where the fault is transient)
FAULTS: dict[str, str | None] = {
    "plain": None,
    "fail:429:1": None, "fail:500:2": None, "fail:stall:1": None, "fail:drop:1": None, "fail:trickle:1": None,
    "fail:429:all": f"HTTP 429 after {RETRIES + 1} attempts",
    "fail:500:all": f"HTTP 500 after {RETRIES + 1} attempts",
    "fail:stall:all": f"timeout after {RETRIES + 1} attempts",
    "fail:drop:all": f"connection error after {RETRIES + 1} attempts",
    "fail:trickle:all": f"timeout after {RETRIES + 1} attempts",
    "fail:null:1": "empty completion: content is null",  # answered on the resume: an error is never cached
    "fail:null:all": "empty completion: content is null",
    "fail:reasoning:all": "content is null but reasoning_content has",
    "fail:empty:all": "empty completion: content is empty",
    "fail:nochoices:all": "empty completion: the response has no choices",
    "fail:401:all": "HTTP 401: ",
    "fail:model:all": "does not exist",
}
COPIES = 2


def _questions(copies: int) -> list[str]:
    return [f"{directive} #{k}" for k in range(copies) for directive in FAULTS]


def _directive(question: str) -> str:
    return question.split(" #")[0]


def _run(tmp_path, spec, server, out: str, cache, **args):
    from evals.adapters.base import create_adapter
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions

    adapter = create_adapter("openai:tiny", {"base_url": server.url, "max_retries": RETRIES, "timeout_s": 0.3, "initial_backoff_s": 0.01,
                                             "max_backoff_s": 0.5, "concurrency": 8, **args})
    try:
        return evaluate_model(adapter, [spec], tmp_path / out, cache, RunOptions(batch_size=32, data_dir=str(tmp_path / "mirror"),
                                                                                   n_resamples=20))
    finally:
        adapter.close()


def test_every_fault_kind_in_one_run_then_a_resume(tmp_path):
    check_fault_mix(tmp_path, COPIES)


def check_fault_mix(tmp_path, copies: int, **args) -> None:
    """Each fault ``copies`` times in one run, then a resume on the same cache; ``args`` go to the adapter."""
    from evals.results import iter_samples
    from evals.run.cache import ResponseCache
    from evals.spec.catalog import load_task

    questions = _questions(copies)
    spec = load_task(str(write_question_mirror(tmp_path / "mirror", questions)))
    cache = ResponseCache(tmp_path / "c.sqlite")
    with FaultServer(delay=0.01, retry_after="0.2", stall_s=1.0, trickle_s=0.05) as server:
        first = _run(tmp_path, spec, server, "first", cache, **args).tasks["faults"]
        sent_first = {text: len(times) for text, times in server.attempts.items()}
        second = _run(tmp_path, spec, server, "second", cache, **args).tasks["faults"]

    for run, result in (("first", first), ("second", second)):
        records = list(iter_samples(tmp_path / run, "faults"))
        assert len(records) == len(questions) and len({r.id for r in records}) == len(questions)  # none lost, none twice
        for rec in records:
            question = questions[int(rec.id)]
            expected = FAULTS[_directive(question)]
            if run == "second" and _directive(question) == "fail:null:1":
                expected = None  # the resume asked again and got an answer
            if expected is None:
                assert rec.error is None, (question, rec.error)
                assert rec.prediction and question[::-1] in rec.prediction, (question, rec.prediction)
            else:
                assert rec.error and expected in rec.error and rec.prediction is None, (question, rec.error)
                assert "\n" not in rec.error and rec.scores == {}
        # Never an empty answer scored: every scored record has a non-empty prediction.
        assert all(r.prediction for r in records if r.scores)
        n_failed = sum(1 for r in records if r.error)
        assert result.n_errors == n_failed and result.n_scored == len(questions) - n_failed

    failing = [q for q in questions if FAULTS[_directive(q)] is not None]
    assert first.n_errors == len(failing)
    assert second.n_errors == len(failing) - copies  # fail:null:1 answered
    # The resume took every answer from the cache and sent only what had failed.
    answered = [q for q in questions if FAULTS[_directive(q)] is None]
    assert second.n_cached == len(answered)
    resent = {t for t, times in server.attempts.items() if len(times) > sent_first.get(t, 0)}
    assert {_directive(t) for t in resent} == {_directive(q) for q in failing}
    assert not any(re.search(r"not sent:", r.error or "") for r in iter_samples(tmp_path / "first", "faults"))  # < 8 unfixable in a row
