"""``omnieval data mirror|pin``: offline mirrors of the catalogue's Hub data sets, and pinned revisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

data_app = typer.Typer(help="Mirror data sets for offline runs, and pin their revisions.", no_args_is_help=True)


def _expand(names: list[str]) -> list[str]:
    from evals.spec.catalog import load_suite, suite_names

    out: list[str] = []
    for item in names:
        for name in (v.strip() for v in item.split(",") if v.strip()):
            out += load_suite(name).tasks if name in suite_names() else [name]
    return list(dict.fromkeys(out))


@data_app.command("mirror")
def mirror_command(
    tasks: Annotated[list[str], typer.Argument(help="Task or suite names (comma-separated or repeated).")],
    to: Annotated[Path, typer.Option("--to", help="Mirror root; each data set goes to DIR/<hub path>. Use it later with --data-dir DIR.")],
    revision: Annotated[Optional[str], typer.Option(help="Fetch this revision instead of the task's pinned one.")] = None,
) -> None:
    """Download the files of the configs and splits TASKS read, for offline runs with --data-dir."""
    from evals.data.mirror import mirror_task

    for name in _expand(tasks):
        for target in mirror_task(name, to, revision):
            typer.echo(f"{name}: {target}")
    typer.echo(f"done: run with --data-dir {to}")


@data_app.command("pin")
def pin_command(
    tasks: Annotated[list[str], typer.Argument(help="Task or suite names (comma-separated or repeated).")],
) -> None:
    """Write the Hub's current commit of each task's dataset into its YAML as dataset.revision."""
    from evals.data.mirror import pin_task

    for name in _expand(tasks):
        path, old, new = pin_task(name)
        typer.echo(f"{name}: {path}: revision {old or 'null'} -> {new}")

