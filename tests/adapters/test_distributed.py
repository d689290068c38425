"""Data parallel with torchrun (gloo, CPU): ranks exchange answers over the process group and give exactly the
single-process results; a rank killed mid-run fails the launch with a message naming it, and a relaunch resumes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from evals.adapters.base import create_adapter
from evals.requests import Response
from evals.results import iter_samples, read_results
from evals.run import distributed
from evals.run.cache import ResponseCache
from evals.run.distributed import DistContext, RankLostError, dist_context
from tests.adapters.fault_server import FaultServer

ROOT = Path(__file__).parents[2]
TORCHRUN = Path(sys.executable).parent / "torchrun"
needs_torchrun = pytest.mark.skipif(shutil.which("torchrun", path=str(TORCHRUN.parent)) is None, reason="torchrun not installed")


def test_dist_context_without_launcher_is_a_world_of_one(monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    ctx = dist_context()
    assert (ctx.rank, ctx.world_size, ctx.shard, ctx.is_main, ctx.initialized) == (0, 1, None, True, False)
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match="RANK=3 WORLD_SIZE=2"):
        dist_context(init=False)


# ---- the exchange protocol, in one process: ranks are threads and the process group is a set of queues ----

class _Wire(DistContext):
    """A DistContext whose point-to-point messages go through in-process queues (pickled, as over gloo)."""

    def send(self, obj, dst):
        import pickle

        self.queues[(self.rank, dst)].put(pickle.dumps(obj))  # type: ignore[attr-defined]
        self.sent[(self.rank, dst)] += 1  # type: ignore[attr-defined]

    def recv(self, src):
        import pickle

        item = self.queues[(src, self.rank)].get(timeout=30)  # type: ignore[attr-defined]
        if item is None:  # the peer "died"
            with self._peer(src, "receiving answers"):
                raise RuntimeError("[../third_party/gloo/gloo/transport/tcp/pair.cc:561] Connection closed by peer [127.0.0.1]:29500. "
                                   "This is typically caused by a remote worker crashing.")  # gloo's words (torch 2.14)
        return pickle.loads(item)


def _wires(world: int) -> list[_Wire]:
    queues = {(a, b): queue.Queue() for a in range(world) for b in range(world)}
    sent: Counter = Counter()
    wires = []
    for r in range(world):
        w = _Wire(rank=r, world_size=world, local_rank=0, initialized=True)
        object.__setattr__(w, "queues", queues)
        object.__setattr__(w, "sent", sent)
        wires.append(w)
    return wires


def _on_threads(jobs):
    errors = []

    def run(job):
        try:
            job()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            errors.append(e)

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def _fill(path: Path, model: str, answers: dict[str, str]) -> None:
    cache = ResponseCache(path)
    cache.put_many([(k, Response(text=v)) for k, v in answers.items()], model)
    cache.close()


def _entries(path: Path) -> dict[str, tuple[str | None, str]]:
    with sqlite3.connect(path) as conn:
        return {k: (m, Response.model_validate_json(t).text) for k, t, m in conn.execute("SELECT key, response, model FROM responses")}


def test_levelling_gives_every_cache_the_models_entries_and_sends_only_what_is_missing(tmp_path, monkeypatch):
    """Three ranks, rank 2 on rank 0's host (one file): rank 0 takes what it lacks, then gives each rank what that rank
    lacks; another model's entries stay where they are; an entry both have keeps each side's own answer; small
    chunks make every stream several messages long."""
    monkeypatch.setattr(distributed, "_CHUNK_ROWS", 2)
    monkeypatch.setattr(distributed, "_CHUNK_KEYS", 3)
    main, other = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _fill(main, "m", {"k1": "one", "k2": "two", "both": "main's"})
    _fill(main, "x", {"x1": "another model's"})
    _fill(other, "m", {"k3": "three", "k4": "four", "k5": "five", "both": "other's"})
    written: Counter = Counter()
    write = distributed._write

    def counting(conn, rows):
        written[Path(conn.execute("PRAGMA database_list").fetchone()[2]).name] += len(rows)
        write(conn, rows)

    monkeypatch.setattr(distributed, "_write", counting)
    wires = _wires(3)
    paths = [main, other, main]
    errors = _on_threads([lambda w=w, p=p: distributed._level(w, p, "m") for w, p in zip(wires, paths)])
    assert not errors
    m_main = {k: v for k, v in _entries(main).items() if v[0] == "m"}
    m_other = {k: v for k, v in _entries(other).items() if v[0] == "m"}
    assert set(m_main) == set(m_other) == {"k1", "k2", "k3", "k4", "k5", "both"}
    assert m_main["k4"] == m_other["k4"] == ("m", "four")
    assert (m_main["both"][1], m_other["both"][1]) == ("main's", "other's")
    assert "x1" not in _entries(other) and _entries(main)["x1"] == ("x", "another model's")
    assert written == {"a.sqlite": 3, "b.sqlite": 2}  # k3-k5 to rank 0, k1-k2 to rank 1, nothing twice, nothing to rank 2


def test_a_rank_that_vanishes_mid_exchange_is_named(tmp_path):
    wires = _wires(2)
    _fill(tmp_path / "a.sqlite", "m", {"k1": "one"})
    wires[0].queues[(1, 0)].put(None)  # type: ignore[attr-defined]  # rank 1's connection closes before it says anything
    with pytest.raises(RankLostError) as caught:
        distributed._take(wires[0], sqlite3.connect(tmp_path / "a.sqlite", isolation_level=None), 1)
    message = str(caught.value)
    assert message == ("rank 0 of 2: rank 1 is gone (Connection closed by peer [127.0.0.1]:29500) while receiving answers; every "
                       "answer a rank committed is in that rank's --cache: run the same command again to resume")


def test_rows_travel_in_bounded_chunks(monkeypatch):
    monkeypatch.setattr(distributed, "_CHUNK_BYTES", 10)
    rows = [(f"k{i}", "x" * n, 0.0, "m") for i, n in enumerate([4, 4, 4, 30, 1])]
    chunks = list(distributed._row_chunks(rows))
    assert [[r[0] for r in c] for c in chunks] == [["k0", "k1"], ["k2"], ["k3"], ["k4"]]  # a row over the bound goes alone


# ---- real launches ----

@needs_torchrun
def test_two_ranks_with_torchrun_equal_one_process(tiny_model, tmp_path):
    """``torchrun --standalone --nproc-per-node 2 -m evals run``, a tiny LLaVA, two ranks on gloo sharing one --cache:
    disjoint shards, rank 0 scores, and the results and records equal one process's."""
    from evals.spec.catalog import load_task
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions

    model = f"hf:{tiny_model('llava')}"
    args = ["-m", "evals", "run", "-m", model, "-a", "batch_size=4", "-b", "4", "-t", "easyvqa", "--limit", "10", "--no-progress",
            "--output", str(tmp_path / "dist"), "--cache", str(tmp_path / "c.sqlite")]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OMNIEVAL_RUN_ID": "t"}
    proc = subprocess.run([str(TORCHRUN), "--standalone", "--nproc-per-node", "2", *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [run] = (tmp_path / "dist").glob("dist-t-*")

    adapter = create_adapter(model, {"batch_size": 4})
    try:
        evaluate_model(adapter, [load_task("easyvqa")], tmp_path / "single", None, RunOptions(limit=10, batch_size=4))
    finally:
        adapter.close()
    merged, single = read_results(run), read_results(tmp_path / "single")
    assert merged.tasks["easyvqa"].metrics == single.tasks["easyvqa"].metrics
    assert merged.tasks["easyvqa"].n_samples == 10
    dist_records = list(iter_samples(run, "easyvqa"))
    single_records = list(iter_samples(tmp_path / "single", "easyvqa"))
    assert [(r.index, r.prediction) for r in dist_records] == [(r.index, r.prediction) for r in single_records]
    assert all(r.cached for r in dist_records)  # rank 0 only scored: every response came from a rank's answers
    shards = [{r.index for r in iter_samples(run / "shards" / f"rank{k}", "easyvqa")} for k in (0, 1)]
    assert shards[0] and shards[1] and not shards[0] & shards[1]
    assert shards[0] | shards[1] == {r.index for r in single_records}
    assert all(i % 2 == k for k in (0, 1) for i in shards[k])


def _digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body["messages"], sort_keys=True).encode()).hexdigest()[:16]


class _HoldingServer(FaultServer):
    """Answers each request with a digest of its messages (question and image), so a record's prediction names the
    request it came from; counts the requests per digest; holds the ``hold_nth`` request whose digest is in ``hold_from``
    until ``release`` is set (the test kills its sender meanwhile)."""

    def __init__(self) -> None:
        super().__init__(delay=0)
        self.counts: Counter = Counter()
        self.hold_from: set[str] = set()
        self.hold_nth = 0
        self.seen_from_hold = 0
        self.held: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    def handle(self, handler, body):
        digest = _digest(body)
        with self.lock:
            self.counts[digest] += 1
            hold = digest in self.hold_from and self.held is None
            if hold:
                self.seen_from_hold += 1
                hold = self.seen_from_hold == self.hold_nth
                if hold:
                    self.held = digest
        if hold:
            self.holding.set()
            self.release.wait(120)
            handler.close_connection = True
            return
        self._send(handler, 200, self._completion(body, digest[::-1]))  # the answer is the digest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(what: str, ready, procs, limit_s: float = 120.0) -> None:
    """Poll ``ready`` (bounded); fail at once, with the launchers' output, if one of them exits first."""
    deadline = time.monotonic() + limit_s
    while not ready():
        for p, log in procs:
            if p.poll() is not None:
                pytest.fail(f"a launcher exited ({p.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        assert time.monotonic() < deadline, f"no {what} within {limit_s:g} s"
        time.sleep(0.05)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def _reaped():
    """A list for launchers; on the way out each one still running is SIGKILLed with its workers (its own session)."""
    launchers: list = []
    try:
        yield launchers
    finally:
        for p, _ in launchers:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(30)


def _worker_of_rank(launchers, rank: int) -> int:
    """The pid of the worker process (a child of a torchrun launcher) whose RANK is ``rank``."""
    for p, _ in launchers:
        children = Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()
        for child in children:
            env = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            if f"RANK={rank}".encode() in env:
                return int(child)
    raise AssertionError(f"no worker with RANK={rank}")


@needs_torchrun
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the rank's process through /proc")
def test_two_nodes_a_rank_killed_mid_run_and_a_relaunch_equal_one_process(tmp_path):
    """Two torchrun "nodes" on loopback (``--nnodes 2``, c10d rendezvous on 127.0.0.1, one process each), each with
    its own --cache and --output, an ``openai:`` model on a scripted loopback server. The server holds rank 1's third
    request; the test SIGKILLs rank 1 while rank 0 waits for its answers: both launches fail, rank 0 saying that rank 1
    is gone, and rank 1's node keeps the two answers it had committed. The relaunch (the other node first, so the
    ranks may land on the other nodes; no $OMNIEVAL_RUN_ID, so rank 0 names a new run directory for both and the
    first launch's stay as they were) sends the server only what nobody had answered, and its results and records
    equal a one-process run's."""
    from evals.spec.catalog import load_task
    from evals.run.evaluate import evaluate_model
    from evals.run.runner import RunOptions

    with _HoldingServer() as server:
        model, margs = "openai:stand-in", {"base_url": server.url, "concurrency": 1}
        adapter = create_adapter(model, margs)
        try:
            evaluate_model(adapter, [load_task("easyvqa")], tmp_path / "single", None, RunOptions(limit=20, batch_size=1))
        finally:
            adapter.close()
        single = list(iter_samples(tmp_path / "single", "easyvqa"))
        digest_of = {r.index: r.prediction for r in single}
        assert len(set(digest_of.values())) == 20  # every request differs, so a digest names one sample
        server.counts.clear()
        server.hold_from, server.hold_nth = {d for i, d in digest_of.items() if i % 2 == 1}, 3  # rank 1's shard
        mine = {d for i, d in digest_of.items() if i % 2 == 0}

        def launch(node: int, port: int, run_id: str | None):
            env = {k: v for k, v in os.environ.items() if k != "OMNIEVAL_RUN_ID"}
            env.update({"OMP_NUM_THREADS": "1", **({"OMNIEVAL_RUN_ID": run_id} if run_id else {})})
            log = tmp_path / f"node{node}-{run_id or 'relaunch'}.log"
            cmd = [str(TORCHRUN), "--nnodes", "2", "--nproc-per-node", "1", "--node-rank", str(node), "--rdzv-backend", "c10d",
                   "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", f"omnieval-{port}", "--max-restarts", "0",
                   "-m", "evals", "run", "-m", model, "-a", f"base_url={server.url}", "-a", "concurrency=1", "-b", "1", "-t", "easyvqa",
                   "--limit", "20", "--no-progress", "--output", str(tmp_path / f"out{node}"), "--cache", str(tmp_path / f"node{node}" / "c.sqlite")]
            with log.open("w") as f:
                return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True), log

        def launch_both(first: int, run_id: str | None, launchers: list) -> None:
            port = _free_port()
            launchers.append(launch(first, port, run_id))
            _wait_for("the rendezvous store listens", lambda: _listening(port), launchers)  # the first node hosts it
            launchers.append(launch(1 - first, port, run_id))

        with _reaped() as launchers:
            launch_both(0, "a", launchers)
            _wait_for("rank 1's third request", server.holding.is_set, launchers)
            _wait_for("rank 0's answers", lambda: sum(server.counts[d] for d in mine) == len(mine), launchers)
            os.kill(_worker_of_rank(launchers, 1), signal.SIGKILL)
            server.release.set()
            for p, _ in launchers:
                p.wait(120)
        logs = [log.read_text() for _, log in launchers]
        assert all(p.returncode != 0 for p, _ in launchers), logs
        assert any("rank 0 of 2: rank 1 is gone (" in text for text in logs), logs
        assert any("Signal 9 (SIGKILL)" in text and "rank      : 1" in text for text in logs), logs
        # the answers each node's cache kept (an answer is its request's digest)
        answered = {n: {text for m, text in _entries(tmp_path / f"node{n}" / "c.sqlite").values() if m == adapter.name} for n in (0, 1)}
        assert sorted(len(a) for a in answered.values()) == sorted([2, len(mine)])  # rank 1 committed two answers before it was killed
        before = Counter(server.counts)
        first = {p: p.read_bytes() for p in sorted(tmp_path.glob("out*/dist-a-*/**/*")) if p.is_file()}
        assert any(p.name == "results.json" for p in first)  # rank 0's shard had finished

        with _reaped() as relaunch:
            launch_both(1, None, relaunch)
            for p, _ in relaunch:
                p.wait(300)
        assert all(p.returncode == 0 for p, _ in relaunch), [log.read_text()[-3000:] for _, log in relaunch]

    again = server.counts - before
    assert again == Counter({d: 1 for d in digest_of.values() if d not in answered[0] | answered[1]})  # the rest, once each
    [run] = [d for n in (0, 1) for d in (tmp_path / f"out{n}").glob("dist-2*") if (d / "results.json").exists()]
    assert [d.name for n in (0, 1) for d in (tmp_path / f"out{n}").glob("dist-2*")] == [run.name, run.name]  # named by rank 0
    assert sorted(p.name for n in (0, 1) for p in (tmp_path / f"out{n}" / run.name / "shards").iterdir()) == ["rank0", "rank1"]
    assert {p: p.read_bytes() for p in sorted(tmp_path.glob("out*/dist-a-*/**/*")) if p.is_file()} == first  # left as it was
    assert read_results(run).tasks["easyvqa"].metrics == read_results(tmp_path / "single").tasks["easyvqa"].metrics
    records = list(iter_samples(run, "easyvqa"))
    assert [(r.index, r.prediction) for r in records] == [(r.index, r.prediction) for r in single]
    assert all(r.cached for r in records)
