"""Run under torchrun by test_distributed: evaluate a tiny model data-parallel."""

import sys
from pathlib import Path

from evals.adapters.base import create_adapter
from evals.spec.catalog import load_task
from evals.run.distributed import run_distributed
from evals.run.runner import RunOptions

model, out = sys.argv[1], Path(sys.argv[2])
run_distributed(lambda ctx: create_adapter(model, {"batch_size": 4}), [load_task("easyvqa")], out / "run", out / "cache.sqlite",
                RunOptions(limit=10, batch_size=4))
