"""Data parallel runs under ``torchrun`` / ``accelerate launch``: one shard per rank, merged on rank 0.

Each rank evaluates the rows with ``index % world_size == rank`` (the runner's
``RunOptions.shard``) into its own run directory and its own SQLite cache, so
there are no collectives and no shared writer in the hot path. After a barrier,
rank 0 copies every shard cache into the main cache and evaluates the full
task list once more: every request is now a cache hit, so this pass only
scores, and the results (metrics, CIs, sample records in dataset order) are
exactly those of a single-process run. A request that failed on some rank is
not cached and is retried by rank 0.

``torchrun --nproc-per-node 4 -m evals run -m hf:... -t ...`` with the CLI
calling :func:`run_distributed` when :func:`dist_context` reports a world
larger than one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from evals.adapters.base import Adapter
from evals.run.cache import ResponseCache
from evals.results import RunResults
from evals.run.runner import RunOptions
from evals.spec.task import TaskSpec
from evals.settings import launcher_env


@dataclass(frozen=True)
class DistContext:
    """This process's place in a launch: ``rank`` of ``world_size``, ``local_rank`` on its host."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    initialized: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def shard(self) -> tuple[int, int] | None:
        return (self.rank, self.world_size) if self.world_size > 1 else None

    @property
    def device(self) -> str:
        """The accelerator this rank should use (``cuda:<local_rank>``), or ``cpu``."""
        try:
            import torch
        except ImportError:
            return "cpu"
        return f"cuda:{self.local_rank}" if torch.cuda.is_available() else "cpu"

    def agree(self, value: str) -> str:
        """Rank 0's ``value``, on every rank (over the launcher's process group; without one, each rank's own)."""
        if not self.initialized:
            return value
        import torch.distributed as dist

        box = [value if self.is_main else None]
        dist.broadcast_object_list(box, src=0)
        return str(box[0])

    def barrier(self) -> None:
        if self.initialized:
            import torch.distributed as dist

            dist.barrier()


def dist_context(init: bool = True) -> DistContext:
    """Read ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` (set by torchrun/accelerate); join the process group.

    The group (NCCL with CUDA, else gloo) is used only for barriers. With no
    launcher environment this is a world of one and nothing is initialised.
    """
    env = launcher_env()
    rank, world, local = env.rank, env.world, env.local_rank
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"bad launcher environment: RANK={rank} WORLD_SIZE={world}")
    initialized = False
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
                dist.init_process_group(backend=backend)
            initialized = True
    return DistContext(rank=rank, world_size=world, local_rank=local, initialized=initialized)


def shard_cache_path(cache_path: Path, rank: int) -> Path:
    """Rank ``rank``'s own cache file beside the main one."""
    return cache_path.with_name(f"{cache_path.stem}.rank{rank}{cache_path.suffix or '.sqlite'}")


def merge_shards(shard_caches: list[Path], target: Path) -> int:
    """Copy every response of ``shard_caches`` into the cache at ``target``; returns the rows copied."""
    ResponseCache(target).close()  # creates the schema if the target is new
    conn = sqlite3.connect(target, timeout=60, isolation_level=None)
    copied = 0
    try:
        for i, path in enumerate(shard_caches):
            if not Path(path).exists():
                raise FileNotFoundError(f"shard cache {path} does not exist (did rank {i} finish?)")
            conn.execute("ATTACH DATABASE ? AS shard", (str(path),))
            before = conn.total_changes
            conn.execute("INSERT OR IGNORE INTO responses (key, response, created, model) SELECT key, response, created, model FROM shard.responses")
            copied += conn.total_changes - before
            conn.execute("DETACH DATABASE shard")
    finally:
        conn.close()
    return copied


def run_distributed(
    make_adapter: Callable[[DistContext], Adapter],
    tasks: list[TaskSpec],
    output_dir: Path,
    cache_path: Path,
    options: RunOptions,
    context: DistContext | None = None,
    command: list[str] | None = None,
) -> RunResults | None:
    """Evaluate ``tasks`` data-parallel; rank 0 returns the merged results (written to ``output_dir``), others None."""
    from dataclasses import replace

    from evals.run.evaluate import evaluate_model

    ctx = context or dist_context()
    adapter = make_adapter(ctx)
    try:
        shard_cache = ResponseCache(shard_cache_path(cache_path, ctx.rank))
        shard_options = replace(options, shard=ctx.shard)
        evaluate_model(adapter, tasks, output_dir / "shards" / f"rank{ctx.rank}", shard_cache, shard_options, command)
        shard_cache.close()
        ctx.barrier()
        results = None
        if ctx.is_main:
            merge_shards([shard_cache_path(cache_path, r) for r in range(ctx.world_size)], cache_path)
            main_cache = ResponseCache(cache_path)
            try:
                results = evaluate_model(adapter, tasks, output_dir, main_cache, replace(options, shard=None), command)
            finally:
                main_cache.close()
        ctx.barrier()
        return results
    finally:
        adapter.close()
