"""Data parallel under torchrun and as srun starts tasks (gloo, CPU): ranks exchange answers over the process group,
rank 0 runs the one-process path, and the results are exactly the same command's in one process (judges, suite mean,
conditions, exit code); a rank killed mid-run fails the launch with a message naming it, and a relaunch resumes."""

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


_LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_STEP_ID", "SLURM_PROCID", "SLURM_NTASKS",
                "SLURM_LOCALID")


def test_dist_context_without_launcher_is_a_world_of_one(monkeypatch):
    for var in _LAUNCH_VARS:
        monkeypatch.delenv(var, raising=False)
    ctx = dist_context()
    assert (ctx.rank, ctx.world_size, ctx.shard, ctx.is_main, ctx.initialized) == (0, 1, None, True, False)
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match="RANK=3 WORLD_SIZE=2"):
        dist_context(init=False)


def test_srun_tasks_are_ranks_and_torchrun_under_srun_wins(monkeypatch):
    """Slurm's ``srun`` without torchrun: a task of a step (``SLURM_STEP_ID``) is rank ``SLURM_PROCID`` of
    ``SLURM_NTASKS``, ``SLURM_LOCALID`` on its node, and needs ``MASTER_ADDR``/``MASTER_PORT``; a batch script's own
    shell (Slurm's task variables, no step) is a world of one; torchrun's variables, where both are set, win."""
    from evals.settings import launcher_env

    for var in _LAUNCH_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in {"SLURM_PROCID": "3", "SLURM_NTASKS": "4", "SLURM_LOCALID": "1"}.items():
        monkeypatch.setenv(var, value)
    assert (launcher_env().world, dist_context().world_size) == (1, 1)  # sbatch's shell: omnieval run is one process
    monkeypatch.setenv("SLURM_STEP_ID", "0")
    with pytest.raises(ValueError, match="srun started 4 tasks but MASTER_ADDR and MASTER_PORT are not both set"):
        dist_context(init=False)
    monkeypatch.setenv("MASTER_ADDR", "node-1")
    monkeypatch.setenv("MASTER_PORT", "29500")
    env, ctx = launcher_env(), dist_context(init=False)
    assert (env.launcher, env.rendezvous) == ("srun", "node-1:29500")
    assert (ctx.rank, ctx.world_size, ctx.local_rank, ctx.shard, ctx.is_main) == (3, 4, 1, (3, 4), False)
    monkeypatch.setenv("SLURM_PROCID", "4")
    with pytest.raises(ValueError, match="SLURM_PROCID=4 SLURM_NTASKS=4"):
        dist_context(init=False)
    for var, value in {"RANK": "1", "WORLD_SIZE": "16", "LOCAL_RANK": "1"}.items():  # srun --ntasks-per-node=1 torchrun ...
        monkeypatch.setenv(var, value)
    assert launcher_env() == type(env)(1, 16, 1, "torchrun", "node-1:29500")


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

def _same_results(dist_run: Path, single_run: Path) -> None:
    """Two runs' results.json equal but for what names or times a run (its id, timings, cached counts, notes of hits)."""
    def comparable(run):
        data = json.loads((run / "results.json").read_text())
        data.pop("run_id")
        for task in data["tasks"].values():
            for key in ("timing", "n_cached", "n_new"):
                task.pop(key, None)
        return data

    assert comparable(dist_run) == comparable(single_run)


def _cli(*args: str) -> int:
    """``omnieval ARGS`` in this process (the one-process reference); its exit code."""
    from typer.testing import CliRunner

    from evals.cli.main import app

    return CliRunner().invoke(app, list(args)).exit_code


def test_two_ranks_started_as_srun_starts_them_equal_one_process(tiny_model, tmp_path):
    """Two ``python -m evals run -s SUITE`` processes with the environment Slurm's ``srun`` gives its tasks
    (``SLURM_STEP_ID``, ``SLURM_PROCID``, ``SLURM_NTASKS``, ``SLURM_LOCALID``; ``MASTER_ADDR``/``MASTER_PORT`` exported),
    no torchrun, a tiny LLaVA, gloo, one --cache shared: disjoint shards, rank 0 runs the suite as one process does, and
    the results (the suite's mean included) and records equal the same command's in one process."""
    model = f"hf:{tiny_model('llava')}"
    suite = tmp_path / "one.yaml"
    suite.write_text("name: one\ntasks: [easyvqa]\n")
    args = ["run", "-m", model, "-a", "batch_size=4", "-b", "4", "-s", str(suite), "--limit", "10", "--no-progress"]
    env = {k: v for k, v in os.environ.items() if k not in _LAUNCH_VARS}
    env.update({"OMP_NUM_THREADS": "1", "SLURM_STEP_ID": "0", "SLURM_NTASKS": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port())})
    with _reaped() as tasks:
        for k in (0, 1):
            log = tmp_path / f"task{k}.log"
            with log.open("w") as f:
                tasks.append((subprocess.Popen([sys.executable, "-m", "evals", *args, "--output", str(tmp_path / "dist"), "--cache",
                                                str(tmp_path / "c.sqlite")], stdout=f, stderr=subprocess.STDOUT, cwd=ROOT,
                                               env={**env, "SLURM_PROCID": str(k), "SLURM_LOCALID": str(k)}, start_new_session=True), log))
        for p, _ in tasks:
            p.wait(300)
    assert [p.returncode for p, _ in tasks] == [0, 0], [log.read_text()[-3000:] for _, log in tasks]
    [run] = (tmp_path / "dist").iterdir()
    assert _cli(*args, "--output", str(tmp_path / "single"), "--no-cache") == 0
    [single_run] = (tmp_path / "single").iterdir()

    _same_results(run, single_run)
    assert read_results(run).suite is not None
    dist_records = list(iter_samples(run, "easyvqa"))
    single_records = list(iter_samples(single_run, "easyvqa"))
    assert [(r.index, r.prediction) for r in dist_records] == [(r.index, r.prediction) for r in single_records]
    assert all(r.cached for r in dist_records)  # rank 0 only scored: every response came from a rank's answers
    shards = [{r.index for r in iter_samples(run / "shards" / f"rank{k}", "easyvqa")} for k in (0, 1)]
    assert shards[0] and shards[1] and not shards[0] & shards[1]
    assert shards[0] | shards[1] == {r.index for r in single_records}
    assert all(i % 2 == k for k in (0, 1) for i in shards[k])


def _digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body["messages"], sort_keys=True).encode()).hexdigest()[:16]


class _HoldingServer(FaultServer):
    """Answers each model request with a digest of its messages (question and image), so a record's prediction names
    the request it came from, and each judge request (model ``j``) with a grade drawn from its digest, a quarter of them
    not a grade; counts the requests per digest and remembers which model each was for; holds the ``hold_nth`` request
    whose digest is in ``hold_from`` until ``release`` is set (the test kills its sender meanwhile)."""

    def __init__(self) -> None:
        super().__init__(delay=0)
        self.counts: Counter = Counter()
        self.model_of: dict[str, str] = {}
        self.hold_from: set[str] = set()
        self.hold_nth = 0
        self.seen_from_hold = 0
        self.held: str | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    @staticmethod
    def grade(digest: str) -> str | None:
        n = int(digest[:6], 16)
        return None if n % 4 == 0 else f"{n % 11 / 10:.1f}"

    def handle(self, handler, body):
        digest = _digest(body)
        with self.lock:
            self.counts[digest] += 1
            self.model_of[digest] = body["model"]
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
        answer = digest if body["model"] != "j" else self.grade(digest) or "no grade"
        self._send(handler, 200, self._completion(body, answer[::-1]))  # (it sends its text reversed)


_JUDGED = """name: easyvqa_judged
version: 1
description: easy-VQA's answers graded from 0 to 1 by a judge (the distributed tests' judged task)
modality: image
kind: vqa
dataset: {path: easy-vqa, loader: easyvqa, split: test}
fields: {id: question_id, image: image, question: question, references: answer}
prompt: {user: "<image>\\n{{ question }}\\nOne word."}
generation: {max_new_tokens: 8}
scorers: [judge_score]
judge:
  max_new_tokens: 8
  verdict: {kind: scale, min: 0.0, max: 1.0}
  prompt: "Grade the answer {{ prediction }} to {{ question }} (expected: {{ answer }}) from 0 to 1."
"""


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
    its own --cache and --output, an ``openai:`` model and an ``openai:`` judge on a scripted loopback server, two
    tasks (one judged) under ``--conditions clean,jpeg:10``. The server holds rank 1's third request; the test SIGKILLs
    rank 1 while rank 0 waits for its answers: both launches fail, rank 0 saying that rank 1 is gone, and rank 1's node
    keeps the two answers it had committed. The relaunch (the other node first, so the ranks may land on the other
    nodes; rank 0 names a new run directory for both, and the first launch's stay as they were) sends the server only
    what nobody had answered or judged, and its results (judge verdicts, the conditions' comparisons with clean) and
    records equal the same command's in one process; the judge's unreadable grades breach --max-error-rate, and both
    nodes' launchers exit 1 as that process does."""
    judged = tmp_path / "easyvqa_judged.yaml"
    judged.write_text(_JUDGED)
    with _HoldingServer() as server:
        model = "openai:stand-in"
        args = ["run", "-m", model, "-a", f"base_url={server.url}", "-a", "concurrency=1", "-b", "1", "-t", "easyvqa", "-f", str(judged),
                "--conditions", "clean,jpeg:10", "--judge", "openai:j", "-J", f"base_url={server.url}", "--limit", "20"]
        assert _cli(*args, "--output", str(tmp_path / "single"), "--cache", str(tmp_path / "single.sqlite")) == 1  # unreadable grades
        [single_run] = (tmp_path / "single").iterdir()
        single = list(iter_samples(single_run, "easyvqa"))
        digest_of = {r.index: r.prediction for r in single}
        assert len(set(digest_of.values())) == 20  # every request differs, so a digest names one sample
        asked_once = Counter(server.counts)
        assert set(asked_once.values()) == {1} and len(asked_once) == 4 * 20 + 2 * 20  # 4 tasks (2 conditions), 2 judged
        server.counts.clear()
        server.hold_from, server.hold_nth = {d for i, d in digest_of.items() if i % 2 == 1}, 3  # rank 1's shard
        mine = {d for i, d in digest_of.items() if i % 2 == 0}

        def launch(node: int, port: int, tag: str):
            env = {**os.environ, "OMP_NUM_THREADS": "1"}
            log = tmp_path / f"node{node}-{tag}.log"
            cmd = [str(TORCHRUN), "--nnodes", "2", "--nproc-per-node", "1", "--node-rank", str(node), "--rdzv-backend", "c10d",
                   "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", f"omnieval-{port}", "--max-restarts", "0",
                   "-m", "evals", *args, "--output", str(tmp_path / f"out{node}"), "--cache", str(tmp_path / f"node{node}" / "c.sqlite")]
            with log.open("w") as f:
                return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True), log

        def launch_both(first: int, tag: str, launchers: list) -> None:
            port = _free_port()
            launchers.append(launch(first, port, tag))
            _wait_for("the rendezvous store listens", lambda: _listening(port), launchers)  # the first node hosts it
            launchers.append(launch(1 - first, port, tag))

        with _reaped() as launchers:
            launch_both(0, "first", launchers)
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
        # the model's answers each node's cache kept (an answer is its request's digest)
        answered = {n: {text for m, text in _entries(tmp_path / f"node{n}" / "c.sqlite").values() if m == model} for n in (0, 1)}
        assert sorted(len(a) for a in answered.values()) == [2, 4 * 10]  # rank 1: two before it was killed; rank 0: its shard
        before = Counter(server.counts)
        first = {p: p.read_bytes() for p in sorted(tmp_path.glob("out*/**/*")) if p.is_file()}
        assert len({p.relative_to(tmp_path).parts[1] for p in first}) == 1  # one run directory, named by rank 0 for both
        assert any(p.name == "results.json" for p in first)  # rank 0's shard had finished

        with _reaped() as relaunch:
            launch_both(1, "relaunch", relaunch)
            for p, _ in relaunch:
                p.wait(300)
        logs = [log.read_text() for _, log in relaunch]
        assert [p.returncode for p, _ in relaunch] == [1, 1], [text[-3000:] for text in logs]  # rank 0's exit code on both nodes
        assert any(" easyvqa_judged: failed " in text for text in logs), logs
        # progress (plain lines off a terminal) on rank 0 alone: its shard's, then the whole run's
        assert sorted(("(rank 0's shard): " in text, "openai:stand-in easyvqa: 20/20 samples (cached 20," in text) for text in logs) == \
            [(False, False), (True, True)], logs

    again = server.counts - before
    done = answered[0] | answered[1]
    graded = {d for d, m in server.model_of.items() if m == "j" and server.grade(d) is not None}
    expected = Counter({d: 1 for d, m in server.model_of.items() if m != "j" and d not in done})  # the model: the rest, once each
    # the judge: what it graded before is not asked again; the rest once, an unreadable grade (never cached) again by rank 0
    expected.update({d: 1 if d in graded else 2 for d, m in server.model_of.items() if m == "j" and not (d in graded and before[d])})
    assert again == expected
    [run] = [d for n in (0, 1) for d in (tmp_path / f"out{n}").iterdir() if (d / "results.json").exists()]
    earlier = {p.relative_to(tmp_path).parts[:2] for p in first}
    assert [d.name for n in (0, 1) for d in (tmp_path / f"out{n}").iterdir() if (f"out{n}", d.name) not in earlier] == \
        [run.name, run.name]  # named by rank 0
    assert sorted(p.name for n in (0, 1) for p in (tmp_path / f"out{n}" / run.name / "shards").iterdir()) == ["rank0", "rank1"]
    assert {p: p.read_bytes() for p in first} == first  # left as it was
    _same_results(run, single_run)
    results = read_results(run)
    assert [(c.task, c.condition) for c in results.robustness] == [("easyvqa", "jpeg:10"), ("easyvqa_judged", "jpeg:10")]
    for task in results.tasks:
        records = list(iter_samples(run, task))
        verdicts = [[(r.index, r.prediction, r.judge and r.judge.model_dump(exclude={"cached"})) for r in rs]
                    for rs in (records, iter_samples(single_run, task))]
        assert verdicts[0] == verdicts[1]
        assert all(r.cached for r in records)
    assert results.tasks["easyvqa_judged"].n_score_errors > 0
