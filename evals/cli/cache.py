"""``omnieval cache``: check, inspect, prune, vacuum and repair the response cache."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

cache_app = typer.Typer(help="Check, inspect, prune, vacuum or repair the response cache.", no_args_is_help=True)

CacheOption = Annotated[Optional[Path], typer.Option("--cache", help="The cache file. Default: ~/.cache/omnieval/responses.sqlite.")]


def _open(cache: Path | None):
    from evals.run.cache import ResponseCache
    from evals.settings import default_cache_path

    path = cache or default_cache_path()
    if not path.exists():
        raise typer.BadParameter(f"no cache at {path}", param_hint="--cache")
    return ResponseCache(path)


@cache_app.command("check")
def check_command(cache: CacheOption = None) -> None:
    """Check the file's integrity and that every stored response parses; exit 1 when something is wrong."""
    c = _open(cache)
    problems = c.check()
    for p in problems[:20]:
        typer.echo(p)
    if problems:
        typer.echo(f"{c.path}: {len(problems)} problem(s); `omnieval cache repair --cache {c.path}` keeps what can be read", err=True)
        raise typer.Exit(1)
    typer.echo(f"{c.path}: ok ({len(c)} responses)")


@cache_app.command("stats")
def stats_command(cache: CacheOption = None) -> None:
    """Responses, stored plans, size on disk, responses per model."""
    s = _open(cache).stats()
    typer.echo(f"{s['path']}: {s['responses']} responses, {s['plans']} stored plans, {int(s['bytes']) / 1e6:.1f} MB")  # type: ignore[call-overload]
    for model, n in s["by_model"].items():  # type: ignore[union-attr]
        typer.echo(f"  {n:>9}  {model}")


@cache_app.command("prune")
def prune_command(
    cache: CacheOption = None,
    older_than_days: Annotated[Optional[float], typer.Option("--older-than-days", min=0, help="Delete responses older than this.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Delete this model's responses (its name as `cache stats` shows it).")] = None,
) -> None:
    """Delete responses by age and/or model."""
    if older_than_days is None and model is None:
        raise typer.BadParameter("give --older-than-days and/or --model", param_hint="--older-than-days")
    n = _open(cache).prune(older_than_days * 86400 if older_than_days is not None else None, model)
    typer.echo(f"deleted {n} responses")


@cache_app.command("vacuum")
def vacuum_command(cache: CacheOption = None) -> None:
    """Give the space of deleted rows back to the file system."""
    c = _open(cache)
    c.vacuum()
    typer.echo(f"{c.path}: vacuumed")


@cache_app.command("repair")
def repair_command(cache: CacheOption = None) -> None:
    """Copy every readable response into a fresh cache file; the damaged file is kept beside it."""
    from evals.run.cache import repair_cache
    from evals.settings import default_cache_path

    path = cache or default_cache_path()
    if not path.exists():
        raise typer.BadParameter(f"no cache at {path}", param_hint="--cache")
    kept, lost, backup = repair_cache(path)
    typer.echo(f"{path}: kept {kept} responses, lost {lost}; the damaged file is at {backup}")


@cache_app.command("merge")
def merge_command(
    sources: Annotated[list[Path], typer.Argument(help="The caches to merge (made on other machines).", show_default=False)],
    into: Annotated[Path, typer.Option("--into", help="The cache to merge them into; created if absent.", show_default=False)],
) -> None:
    """Merge caches made elsewhere into one. Conflicting entries (one key, different answers) are listed, none of
    them is written (DEST keeps its own) and the command exits 1; a source that is not a sound cache is refused
    before DEST is touched."""
    from evals.run.cache_merge import merge_caches

    report = merge_caches(sources, into)
    typer.echo(f"{into}: {report.added} responses added, {report.agreed} already held; "
               f"{report.plans_added} stored plans added, {report.plans_agreed} already held")
    if report.conflicts:
        for c in report.conflicts[:10]:
            typer.echo(f"  conflict: {c.kind} {c.key} differs between {', '.join(c.files)}", err=True)
        typer.echo(f"{len(report.conflicts)} conflicting key(s) not merged ({into} keeps its own where it had one); "
                   f"remove the side you do not want (`omnieval cache prune`) or merge into a new file", err=True)
        raise typer.Exit(1)
