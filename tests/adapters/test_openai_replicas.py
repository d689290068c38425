"""``openai:`` over several replicas (``base_url=a,b,c``) on loopback: one killed mid-run, all of them down, identity."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.adapters.fault_server import FaultServer
from tests.reliability.helpers import write_question_mirror

N = 36


class Replica(FaultServer):
    """A fault server that can be killed: its port closed and every open connection cut, in-flight replies lost."""

    def __init__(self, fleet: "Fleet | None" = None, **kw) -> None:
        super().__init__(**kw)
        self.fleet, self.conns, self.dead, self.answered = fleet, [], False, 0
        accept = self.httpd.get_request

        def get_request():
            conn, addr = accept()
            with self.lock:
                self.conns.append(conn)
            return conn, addr

        self.httpd.get_request = get_request

    def kill(self) -> None:
        with self.lock:
            if self.dead:
                return
            self.dead = True
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for conn in self.conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle(self, handler, body: dict) -> None:
        if self.fleet is not None and self.fleet.arrived(self):  # the request that kills it is lost with it
            handler.close_connection = True
            return
        super().handle(handler, body)
        with self.lock:
            self.answered += 1

    def __exit__(self, *exc) -> None:
        self.kill()


class Fleet:
    """Kills ``victims`` when the fleet's ``kill_at``-th request arrives."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at, self.seen, self.lock, self.victims = kill_at, 0, threading.Lock(), []

    def arrived(self, server: Replica) -> bool:
        """Whether this request is lost: it arrived at a victim at or after the kill."""
        with self.lock:
            self.seen += 1
            seen = self.seen
        if seen == self.kill_at:
            for victim in self.victims:
                threading.Thread(target=victim.kill, daemon=True).start()
        return seen >= self.kill_at and server in self.victims


def _run(tmp_path, spec, urls: list[str], out: str, cache):
    from evals.adapters.base import create_adapter
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions

    adapter = create_adapter("openai:tiny", {"base_url": ",".join(urls), "max_retries": 2, "timeout_s": 2, "initial_backoff_s": 0.05,
                                             "max_backoff_s": 0.2, "concurrency": 2})
    try:
        result = evaluate_model(adapter, [spec], tmp_path / out, cache, RunOptions(batch_size=16, data_dir=str(tmp_path / "mirror"),
                                                                                    n_resamples=20))
        return result.tasks["faults"]
    finally:
        adapter.close()


def _records(tmp_path, out: str) -> dict[str, tuple]:
    from evals.results import iter_samples

    records = list(iter_samples(tmp_path / out, "faults"))
    assert len(records) == len({r.id for r in records}) == N  # none lost, none twice
    return {r.id: (r.prediction, r.error, r.scores) for r in records}


def _setup(tmp_path):
    from evals.run.cache import ResponseCache
    from evals.spec.catalog import load_task

    spec = load_task(str(write_question_mirror(tmp_path / "mirror", [f"question {i}" for i in range(N)])))
    return spec, lambda name: ResponseCache(tmp_path / f"{name}.sqlite")


def test_one_replica_killed_mid_run_every_sample_answered_once_as_one_replica_would(tmp_path):
    spec, cache = _setup(tmp_path)
    with Replica(delay=0.01) as alone:
        _run(tmp_path, spec, [alone.url], "alone", cache("alone"))
    fleet = Fleet(kill_at=8)
    with Replica(fleet, delay=0.01) as a, Replica(fleet, delay=0.01) as b, Replica(fleet, delay=0.01) as c:
        fleet.victims = [b]
        result = _run(tmp_path, spec, [a.url, b.url, c.url], "three", cache("three"))
        assert b.dead and b.answered >= 1 and a.answered >= 1 and c.answered >= 1
        # Every sample answered exactly once: the replicas' answers add up to the samples (the request lost with b is
        # answered elsewhere), and each text reached a live replica once.
        assert a.answered + b.answered + c.answered == N
        answered = {t for s in (a, b, c) for t, times in s.attempts.items()}
        assert len(answered) == N
    assert result.n_errors == 0 and result.n_scored == N
    assert _records(tmp_path, "three") == _records(tmp_path, "alone")


def test_all_replicas_down_is_one_line_naming_each_and_a_resume_answers_only_the_rest(tmp_path):
    spec, cache = _setup(tmp_path)
    shared = cache("c")
    fleet = Fleet(kill_at=12)
    with Replica(fleet, delay=0.01) as a, Replica(fleet, delay=0.01) as b, Replica(fleet, delay=0.01) as c:
        fleet.victims = [a, b, c]
        first = _run(tmp_path, spec, [a.url, b.url, c.url], "first", shared)
        n_answered = a.answered + b.answered + c.answered
    records = _records(tmp_path, "first")
    errors = [e for _, e, _ in records.values() if e]
    assert 0 < n_answered < N and first.n_errors == len(errors) == N - n_answered
    for e in errors:
        assert "all 3 replicas are down" in e and all(s.url in e for s in (a, b, c)) and "\n" not in e
    assert all("connection error" in e for e in errors), errors[0]  # refused (or reset, as the port closes)
    # Another set of replicas of the same model: the replica set is not the model's identity, so the answers are cached.
    with Replica(delay=0.01) as d, Replica(delay=0.01) as e:
        second = _run(tmp_path, spec, [d.url, e.url], "second", shared)
        resent = set(d.attempts) | set(e.attempts)
    assert second.n_errors == 0 and second.n_cached == n_answered and len(resent) == N - n_answered
    assert {f"question {i}" for i, (_, err, _) in records.items() if err} == resent


def test_the_replica_set_is_not_the_model_identity_and_bad_lists_are_one_line_errors():
    from evals.adapters.base import create_adapter
    from evals.errors import AdapterError

    one = create_adapter("openai:tiny", {"base_url": "http://127.0.0.1:9/v1"})
    three = create_adapter("openai:tiny", {"base_url": "http://127.0.0.1:9/v1, http://127.0.0.1:10/v1/,http://127.0.0.1:11/v1"})
    try:
        assert one.fingerprint() == three.fingerprint()
        assert three.capabilities.max_batch_size == 3 * one.capabilities.max_batch_size
    finally:
        one.close()
        three.close()
    for bad, says in (("http://a:1/v1,http://a:1/v1/", "names http://a:1/v1 twice"), (" , ", "base_url is empty"),
                      ("http://a:1/v1,ftp://b/v1", "http:// only")):
        with pytest.raises(AdapterError, match=says):
            create_adapter("openai:tiny", {"base_url": bad, "http_client": "builtin"})


class Sick(Replica):
    """Answers 503 while ``sick`` is set."""

    sick = True

    def handle(self, handler, body: dict) -> None:
        if self.sick:
            with self.lock:
                self.attempts.setdefault(self._last_text(body), []).append(0.0)
            return self._send(handler, 503, {"error": "overloaded"})
        super().handle(handler, body)


def test_a_5xx_replica_is_taken_out_after_the_retry_budget_and_probed_back_in_when_it_answers():
    import time

    from evals.adapters.base import create_adapter
    from tests.adapters.test_openai import text_request

    with Sick(delay=0.01) as a, Replica(delay=0.01) as b:
        adapter = create_adapter("openai:tiny", {"base_url": f"{a.url},{b.url}", "max_retries": 2, "initial_backoff_s": 0.3,
                                                 "max_backoff_s": 0.3, "concurrency": 2, "timeout_s": 2})
        try:
            first = adapter.generate([text_request(f"first {i}") for i in range(12)])
            assert [r.text for r in first] == [f"first {i}"[::-1] for i in range(12)]  # each answered once, by b
            assert sum(len(t) for t in a.attempts.values()) <= 3 + 2  # out after 3 in a row (+ those already in flight)
            a.sick = False
            time.sleep(0.35)  # past the back-off: the next request probes a, and a is back
            second = adapter.generate([text_request(f"second {i}") for i in range(12)])
        finally:
            adapter.close()
    assert all(r.ok for r in second) and a.answered >= 2 and b.answered + a.answered == 24


def test_a_request_too_slow_everywhere_costs_its_attempts_not_attempts_per_replica():
    from evals.adapters.base import create_adapter
    from tests.adapters.test_openai import text_request

    with Replica(stall_s=1.0) as a, Replica(stall_s=1.0) as b:
        adapter = create_adapter("openai:tiny", {"base_url": f"{a.url},{b.url}", "max_retries": 1, "initial_backoff_s": 0.01,
                                                 "timeout_s": 0.2})
        try:
            [slow] = adapter.generate([text_request("fail:stall:all")])
        finally:
            adapter.close()
        sent = [len(s.attempts.get("fail:stall:all", [])) for s in (a, b)]
    assert sent == [1, 1]  # the retry went to the other replica
    assert slow.error.startswith("timeout after 2 attempts") and b.url in slow.error
