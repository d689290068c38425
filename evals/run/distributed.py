"""Data parallel runs under ``torchrun``, ``accelerate launch`` or Slurm's ``srun`` (one node or several): each rank
answers a shard, rank 0 runs the whole thing as one process would.

``omnieval run`` is one code path for one process and for many (``evals/cli/main.py``). Under a launcher, for each
model, every rank first calls :func:`answer_shard`, then rank 0 alone goes on as a single process does:

- **At start** every rank's cache and rank 0's are brought level for this model's entries and its judges' (rows
  whose ``model`` is the adapter's or a judge's name): each rank sends rank 0 what rank 0 lacks, then rank 0 sends
  each rank what that rank lacks. A relaunch therefore resumes from everything any rank had answered or judged,
  even where ranks now land on other nodes or the world size changed.
- **The shard**: each rank evaluates the rows with ``index % world_size == rank`` (the runner's
  ``RunOptions.shard``), judged by its own judges when a task has a judge, into its own run directory
  (``<run>/shards/rank<k>`` under its ``--output``) and into the response cache at its own ``--cache`` path
  (:class:`ShardCache`), which commits each answer and verdict as it arrives.
- **At the end** each rank sends rank 0 the answers and verdicts its shard used that rank 0's cache lacks. Rank 0
  then runs the model as a single-process ``omnieval run`` does (the same function, run directory, judges, suite
  mean, condition comparisons, progress and exit code): every request is a cache hit, so the results are exactly
  a single-process run's. A request that failed on some rank is not cached and is asked again by rank 0.

Every exchange offers keys first and sends only the rows the other side lacks,
in chunks of at most ``_CHUNK_ROWS`` rows and ``_CHUNK_BYTES`` bytes, so a
large run never holds its answers in memory at once. A rank that dies closes
its connections: the rank waiting on it stops with :class:`RankLostError`
naming it, and what every rank answered stays in its cache.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

from evals.adapters.base import Adapter
from evals.requests import Response
from evals.run.cache import ResponseCache
from evals.run.evaluate import evaluate_model
from evals.run.judge import AnyJudge, judge_names
from evals.run.runner import RunOptions
from evals.spec.task import TaskSpec
from evals.settings import launcher_env

_CHUNK_KEYS = 8192  # keys per message (32 characters each)
_CHUNK_ROWS = 512  # cache rows per message, and at most _CHUNK_BYTES of them
_CHUNK_BYTES = 8 << 20

Row = tuple[str, str, float, "str | None"]  # (key, response JSON, created, model), as the cache stores it


class RankLostError(RuntimeError):
    """Another rank stopped (killed, crashed or cut off) while this one waited on it; the message names it."""


@dataclass(frozen=True)
class DistContext:
    """This process's place in a launch: ``rank`` of ``world_size``, ``local_rank`` on its host."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    initialized: bool = False
    group: object = field(default=None, compare=False, repr=False)  # the gloo group the answers travel on (None: the default group)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def shard(self) -> tuple[int, int] | None:
        return (self.rank, self.world_size) if self.world_size > 1 else None

    def agree(self, value: str) -> str:
        """Rank 0's ``value``, on every rank (over the launcher's process group; without one, each rank's own)."""
        if not self.initialized:
            return value
        import torch.distributed as dist

        box = [value if self.is_main else None]
        with self._peer(0 if not self.is_main else None, "waiting for rank 0"):
            dist.broadcast_object_list(box, src=0, group=self.group)
        return str(box[0])

    def send(self, obj: object, dst: int) -> None:
        """Send one picklable object to rank ``dst`` (point to point over the process group)."""
        import torch.distributed as dist

        with self._peer(dst, "sending answers"):
            dist.send_object_list([obj], dst=dst, group=self.group)

    def recv(self, src: int) -> object:
        """The next object rank ``src`` sent to this rank."""
        import torch.distributed as dist

        box: list[object] = [None]
        with self._peer(src, "receiving answers"):
            dist.recv_object_list(box, src=src, group=self.group)
        return box[0]

    def _peer(self, peer: int | None, doing: str) -> "_PeerGuard":
        return _PeerGuard(self, peer, doing)


class _PeerGuard:
    """Turns the process group's error for a vanished peer into one line that names the rank."""

    def __init__(self, ctx: DistContext, peer: int | None, doing: str) -> None:
        self.ctx, self.peer, self.doing = ctx, peer, doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, err, tb) -> bool:
        if err is None or not isinstance(err, RuntimeError) or isinstance(err, RankLostError):
            return False
        who = f"rank {self.peer}" if self.peer is not None else "another rank"
        # gloo's "[.../pair.cc:561] Connection closed by peer [127.0.0.1]:9644. This is typically ...": its first sentence
        reason = re.sub(r"^\[[^\]]*\]\s*", "", (str(err).strip().splitlines() or [""])[0]).split(". ")[0][:200] or type(err).__name__
        raise RankLostError(
            f"rank {self.ctx.rank} of {self.ctx.world_size}: {who} is gone ({reason}) while {self.doing}; every answer a rank "
            f"committed is in that rank's --cache: run the same command again to resume"
        ) from None


def dist_context(init: bool = True) -> DistContext:
    """This process's place in the launch (``launcher_env``: torchrun, accelerate or srun); join the process group.

    The group is NCCL with CUDA, else gloo. The ranks' answers and agreements always travel on gloo (a group of its own
    beside NCCL): gloo sees a peer's closed connection at once, so a rank that dies stops the others with a message
    instead of leaving them in NCCL's watchdog until it times out.
    With no launcher environment this is a world of one and nothing is initialised.
    """
    env = launcher_env()
    rank, world, local = env.rank, env.world, env.local_rank
    if world < 1 or not 0 <= rank < world:
        names = ("SLURM_PROCID", "SLURM_NTASKS") if env.launcher == "srun" else ("RANK", "WORLD_SIZE")
        raise ValueError(f"bad launcher environment: {names[0]}={rank} {names[1]}={world}")
    if env.launcher == "srun" and world > 1 and env.rendezvous is None:
        raise ValueError(f"srun started {world} tasks but MASTER_ADDR and MASTER_PORT are not both set: export them before srun "
                         "(the first node's host name and a free port), e.g. MASTER_ADDR=$(scontrol show hostnames "
                         "\"$SLURM_JOB_NODELIST\" | head -n 1) MASTER_PORT=29500")
    initialized, group = False, None
    if init and world > 1:
        try:
            import torch
            import torch.distributed as dist
        except ImportError:
            dist = None  # type: ignore[assignment]
        if dist is not None and dist.is_available():
            if not dist.is_initialized():
                backend = "nccl" if torch.cuda.is_available() else "gloo"
                if backend == "nccl":
                    torch.cuda.set_device(local)
                dist.init_process_group(backend=backend, rank=rank, world_size=world)  # env:// reads MASTER_ADDR/PORT
            group = dist.new_group(backend="gloo") if dist.get_backend() != "gloo" else None
            initialized = True
    return DistContext(rank=rank, world_size=world, local_rank=local, initialized=initialized, group=group)


class ShardCache(ResponseCache):
    """A rank's own cache (its node's ``--cache``) that remembers the keys of every answer and verdict its shard used
    (hits and new answers alike): what it offers rank 0 at the end."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self.used: set[str] = set()

    def get_many(self, keys: list[str]) -> dict[str, Response]:
        found = super().get_many(keys)
        self.used.update(found)
        return found

    def put_many(self, items: list[tuple[str, Response]], model: str | None = None) -> None:
        super().put_many(items, model)
        self.used.update(k for k, r in items if r.ok)


def _connect(path: Path) -> sqlite3.Connection:
    ResponseCache(path).close()  # the schema, and a clear error for a file that is not a cache
    return sqlite3.connect(path, timeout=60, isolation_level=None)


def _model_keys(conn: sqlite3.Connection, model: str) -> Iterator[list[str]]:
    """The keys of ``model``'s entries, a chunk at a time."""
    cursor = conn.execute("SELECT key FROM responses WHERE model = ? ORDER BY key", (model,))
    while chunk := [k for (k,) in cursor.fetchmany(_CHUNK_KEYS)]:
        yield chunk


def _present(conn: sqlite3.Connection, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):  # SQLite caps the number of bound parameters
        part = keys[start:start + 500]
        found.update(k for (k,) in conn.execute(f"SELECT key FROM responses WHERE key IN ({','.join('?' * len(part))})", part))
    return found


def _row_chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    """``rows`` in messages of at most ``_CHUNK_ROWS`` rows and (but for one large row) ``_CHUNK_BYTES`` bytes."""
    chunk: list[Row] = []
    size = 0
    for row in rows:
        if chunk and (len(chunk) == _CHUNK_ROWS or size + len(row[1]) > _CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += len(row[1])
    if chunk:
        yield chunk


def _rows_for(conn: sqlite3.Connection, keys: Iterable[str]) -> Iterator[Row]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == 500:
            yield from conn.execute(f"SELECT key, response, created, model FROM responses WHERE key IN ({','.join('?' * 500)})", batch)
            batch = []
    if batch:
        yield from conn.execute(f"SELECT key, response, created, model FROM responses WHERE key IN ({','.join('?' * len(batch))})", batch)


def _write(conn: sqlite3.Connection, rows: list[Row]) -> None:
    """Store received rows in one transaction; an entry this cache already has is kept as it is."""
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT OR IGNORE INTO responses (key, response, created, model) VALUES (?, ?, ?, ?)", rows)
    conn.execute("COMMIT")


def _send_stream(ctx: DistContext, chunks: Iterable[list], dst: int) -> None:
    for chunk in chunks:
        ctx.send(chunk, dst)
    ctx.send(None, dst)


def _recv_stream(ctx: DistContext, src: int) -> Iterator[list]:
    while (chunk := ctx.recv(src)) is not None:
        yield chunk  # type: ignore[misc]


def _keys_in_chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for key in keys:
        chunk.append(key)
        if len(chunk) == _CHUNK_KEYS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _push(ctx: DistContext, conn: sqlite3.Connection, key_chunks: Iterable[list[str]]) -> None:
    """Rank ``ctx.rank`` offers rank 0 the entries under ``key_chunks``; rank 0 asks for those it lacks; they are sent."""
    _send_stream(ctx, key_chunks, 0)
    wanted = [k for chunk in _recv_stream(ctx, 0) for k in chunk]
    _send_stream(ctx, _row_chunks(_rows_for(conn, wanted)), 0)


def _take(ctx: DistContext, conn: sqlite3.Connection, src: int) -> int:
    """Rank 0's side of :func:`_push` from rank ``src``: the rows it lacks, written to its cache; returns their number."""
    lacking = []
    for chunk in _recv_stream(ctx, src):
        have = _present(conn, chunk)
        lacking.extend(k for k in chunk if k not in have)
    _send_stream(ctx, _keys_in_chunks(lacking), src)
    written = 0
    for rows in _recv_stream(ctx, src):
        _write(conn, [tuple(r) for r in rows])
        written += len(rows)
    return written


def _level(ctx: DistContext, cache_path: Path, model: str) -> None:
    """Bring every rank's cache and rank 0's level for ``model``'s entries (rank 0 first takes, then gives)."""
    conn = _connect(cache_path)
    try:
        if not ctx.is_main:
            _push(ctx, conn, _model_keys(conn, model))
            # After every rank pushed, rank 0 asks this rank which keys it has now (ranks on one host may share a file,
            # and one that an earlier rank filled needs nothing more) and sends the rest of its entries for the model.
            _send_stream(ctx, _model_keys(conn, model), 0)
            for rows in _recv_stream(ctx, 0):
                _write(conn, [tuple(r) for r in rows])
            return
        for rank in range(1, ctx.world_size):
            _take(ctx, conn, rank)
        for rank in range(1, ctx.world_size):
            theirs = {k for chunk in _recv_stream(ctx, rank) for k in chunk}
            missing = (k for chunk in _model_keys(conn, model) for k in chunk if k not in theirs)
            _send_stream(ctx, _row_chunks(_rows_for(conn, missing)), rank)
    finally:
        conn.close()


def answer_shard(ctx: DistContext, adapter: Adapter, tasks: list[TaskSpec], shard_dir: Path, cache: ShardCache, options: RunOptions,
                 command: list[str] | None = None, judge: AnyJudge | None = None) -> None:
    """This rank's part of one model's run: caches levelled, its shard evaluated (and judged) into ``shard_dir``, its
    answers and verdicts sent to rank 0. Rank 0 then evaluates ``tasks`` whole from its cache, as one process would."""
    for name in (adapter.name, *judge_names(judge)):
        _level(ctx, cache.path, name)
    cache.used.clear()
    evaluate_model(adapter, tasks, shard_dir, cache, replace(options, shard=ctx.shard), command, judge=judge)
    conn = _connect(cache.path)
    try:
        if ctx.is_main:
            for rank in range(1, ctx.world_size):
                _take(ctx, conn, rank)
        else:
            _push(ctx, conn, _keys_in_chunks(sorted(cache.used)))
    finally:
        conn.close()
