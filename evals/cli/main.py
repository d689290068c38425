"""The ``omnieval`` command line (typer)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from evals.errors import OmniEvalError

app = typer.Typer(
    name="omnieval",
    help="Evaluate open multimodal models on public VQA, captioning and audio benchmarks.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
from evals.cli.listings import TasksGroup  # noqa: E402
from evals.cli.tables import wrap_help_text_when_loaded  # noqa: E402

wrap_help_text_when_loaded()  # help at any width: no option's help cut with an ellipsis
tasks_app = typer.Typer(help="List the tasks (search words, --modality, --kind and --suite narrow the list); `show NAME` prints one.",
                        invoke_without_command=True, cls=TasksGroup, subcommand_metavar="| show NAME")
app.add_typer(tasks_app, name="tasks")

_state = {"debug": False}


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _show_version(value: bool) -> None:
    if value:
        from evals import __version__

        typer.echo(f"omnieval {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    _state["debug"] = debug


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


@app.command()
def run(
    model: Annotated[Optional[list[str]], typer.Option("--model", "-m", help="Model as kind:name, e.g. hf:Qwen/Qwen2.5-VL-3B-Instruct. Repeat for several.", rich_help_panel="Model")] = None,
    model_arg: Annotated[Optional[list[str]], typer.Option("--model-arg", "-a", help="Adapter argument key=value (repeatable), e.g. -a dtype=bfloat16.", rich_help_panel="Model")] = None,
    tasks: Annotated[Optional[list[str]], typer.Option("--tasks", "-t", help="Comma-separated task names (or YAML paths).", rich_help_panel="Tasks")] = None,
    task_file: Annotated[Optional[list[Path]], typer.Option("--task-file", "-f", help="A task YAML outside the catalogue (your own data); repeatable. A family file runs all its variants.", exists=True, dir_okay=False, rich_help_panel="Tasks")] = None,
    suite: Annotated[Optional[str], typer.Option("--suite", "-s", help="A suite of tasks; with no --model, its own models run.", rich_help_panel="Tasks")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Evaluate N samples per task, spread evenly over the split (deterministic).", min=1, rich_help_panel="Tasks")] = None,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", envvar="OMNIEVAL_DATA_DIR", exists=True, file_okay=False, help="Offline mirror root: DIR/<hub id> holds the Hub repo's files.", rich_help_panel="Data")] = None,
    batch_size: Annotated[Optional[int], typer.Option("--batch-size", "-b", min=1, help="Requests per adapter call; outputs do not depend on it. Default: the adapter's own maximum when it has one (openai: 4 x concurrency, so every connection is busy), else 8.", rich_help_panel="Execution")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory under which each run gets its own directory.", rich_help_panel="Output")] = Path("runs"),
    cache: Annotated[Optional[Path], typer.Option("--cache", envvar="OMNIEVAL_CACHE", help="Response cache file (SQLite). Default: $OMNIEVAL_CACHE_DIR/responses.sqlite, else ~/.cache/omnieval/responses.sqlite.", rich_help_panel="Execution")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the response cache.", rich_help_panel="Execution")] = False,
    seed: Annotated[int, typer.Option(help="Seed for bootstrap confidence intervals.", rich_help_panel="Execution")] = 0,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show the progress bar.", rich_help_panel="Output")] = True,
    max_error_rate: Annotated[float, typer.Option("--max-error-rate", min=0.0, max=1.0, help="Exit 1 when a task's share of failed samples exceeds this (results are written either way).", rich_help_panel="Execution")] = 0.0,
    judge: Annotated[Optional[list[str]], typer.Option("--judge", help="The judge model for judged tasks, as kind:name (e.g. openai:qwen3-8b with -J base_url=http://127.0.0.1:8000/v1, or hf:PATH); repeat for a panel of judges. Tasks without a judge block never use it.", rich_help_panel="Judge")] = None,
    judge_arg: Annotated[Optional[list[str]], typer.Option("--judge-arg", "-J", help="Judge adapter argument key=value (repeatable; applies to every judge), as -a is for the model.", rich_help_panel="Judge")] = None,
    max_new_tokens: Annotated[Optional[int], typer.Option("--max-new-tokens", min=1, help="Generation budget for every task instead of its own (reasoning models need room to think); it changes the tasks' hashes, so such results rank apart.", rich_help_panel="Execution")] = None,
    max_reasoning_tokens: Annotated[Optional[int], typer.Option("--max-reasoning-tokens", min=1, help="Thinking budget of a reasoning model apart from the answer's (hf: the model thinks up to N tokens, is closed with </think> if it has not finished, then answers within the task's budget); changes the tasks' hashes.", rich_help_panel="Execution")] = None,
    conditions: Annotated[Optional[str], typer.Option("--conditions", help="Robustness conditions, comma-separated: each task runs once per condition that fits its medium (clean,white_noise:20,white_noise:0,jpeg:10,...), and each condition is compared with clean on the same samples (paired bootstrap). `omnieval conditions` lists them.", rich_help_panel="Execution")] = None,
    reasoning_tags: Annotated[str, typer.Option("--reasoning-tags", help="Comma-separated tags whose spans (<think>...</think>) are removed from predictions before scoring; the raw output stays in the record. 'none' keeps predictions whole.", rich_help_panel="Execution")] = "think",
) -> None:
    """Evaluate model(s) on tasks. With no arguments: the offline `quickstart` suite with its models.

    Exit codes: 0 done; 1 a task scored nothing or failed more samples than --max-error-rate allows; 2 bad usage or spec; 130 interrupted.
    """
    from evals.adapters.base import create_adapter, parse_model_args
    from evals.run.cache import ResponseCache
    from evals.spec.catalog import load_suite, load_task
    from evals.spec.task import load_task_family
    from rich.markup import escape

    from evals.cli.console import comparison_lines, console, progress_display, results_tables
    from evals.report.render_md import p_text, signed
    from evals.run.evaluate import evaluate_model, run_id_for, unfinished_run
    from evals.data.source import keep_torch_out_of_datasets
    from evals.run.memory import tune_allocators
    from evals.run.distributed import ShardCache, answer_shard, dist_context
    from evals.run.runner import RunOptions
    from evals.settings import default_cache_path

    tune_allocators()
    keep_torch_out_of_datasets()
    # Under a launcher (torchrun, accelerate launch, srun) every rank answers a shard of each model's run and sends
    # rank 0 its answers; rank 0 then runs the model as one process does, from its cache (``evals/run/distributed.py``).
    # Only rank 0 speaks: notes, progress, tables, failures.
    ctx = dist_context()
    from dataclasses import replace

    task_names = _split(tasks)
    specs = {}
    for path in task_file or []:
        for spec in load_task_family(path):
            specs[spec.name] = spec
            task_names.append(spec.name)
    if suite and task_names:
        _fail("give --tasks or --suite, not both")
    suite_spec = load_suite(suite or "quickstart") if (suite or not task_names) else None
    if suite_spec is not None:
        task_names = suite_spec.tasks
    specs = {name: specs.get(name) or load_task(name) for name in task_names}
    budgets = {k: v for k, v in (("max_new_tokens", max_new_tokens), ("max_reasoning_tokens", max_reasoning_tokens)) if v is not None}
    if budgets:
        from evals.spec.task import with_generation

        specs = {name: with_generation(spec, **budgets) for name, spec in specs.items()}
    if conditions is None and suite_spec is not None and suite_spec.conditions:
        conditions = ",".join(suite_spec.conditions)
    if conditions is not None:
        from evals.cli.tables import Wrapped
        from evals.run.conditions import condition_specs, left_out
        from evals.spec.conditions import canonical_condition

        try:  # each written one way (white_noise:1e1 is white_noise:10), once
            wanted = list(dict.fromkeys(canonical_condition(c) for c in conditions.split(",") if c.strip()))
        except ValueError as e:
            _fail(f"--conditions: {e}")
        if not wanted:
            _fail("--conditions: no condition given (e.g. --conditions clean,white_noise:10; `omnieval conditions` lists them)")
        for line in (line for spec in specs.values() for line in left_out(spec, wanted) if ctx.is_main):
            console.print(Wrapped(f"--conditions: {line}"))  # on stderr, as wide as the terminal
        # A suite's per-model task list names clean tasks: each brings its conditions along.
        per_task = {name: condition_specs([spec], wanted) for name, spec in specs.items()}
        if not any(per_task.values()):
            media = ", ".join(f"{name}: {spec.modality}" for name, spec in specs.items())
            _fail(f"--conditions: nothing to run: {', '.join(wanted)} fit none of the tasks' media ({media})")
        under = {name: [s.name for s in group] for name, group in per_task.items()}
        specs = {s.name: s for group in per_task.values() for s in group}
    else:
        under = {name: [name] for name in specs}
    cli_args = parse_model_args(model_arg or [])
    plan: list[tuple[str, dict, list[str]]] = []
    if model:
        plan = [(m, cli_args, list(specs)) for m in model]
    elif suite_spec is not None and suite_spec.models:
        plan = [(m.model, {**m.args, **cli_args}, [n for t in m.tasks for n in under.get(t, [t])] if m.tasks else list(specs))
                for m in suite_spec.models]
    else:
        _fail("no --model given (e.g. --model hf:HuggingFaceTB/SmolVLM-256M-Instruct); `omnieval models` lists kinds")
    idle = next((m for m, _, names in plan if not names), None)
    if idle is not None:  # a suite's model whose every task --conditions left out
        _fail(f"--conditions: nothing to run for {idle}: every condition was left out of its tasks")
    tags = () if reasoning_tags.strip().lower() == "none" else tuple(_split([reasoning_tags]))
    bad_tag = next((t for t in tags if not t.replace("_", "").replace("-", "").isalnum()), None)
    if bad_tag is not None:
        _fail(f"--reasoning-tags: {bad_tag!r} is not a tag name (letters, digits, - and _), e.g. --reasoning-tags think")
    options = RunOptions(batch_size=batch_size or 8, limit=limit, data_dir=str(data_dir) if data_dir else None, seed=seed, reasoning_tags=tags)
    if judge_arg and not judge:
        _fail("-J/--judge-arg given without --judge")
    spread = ctx.world_size > 1
    if spread and no_cache:
        _fail(f"--no-cache cannot be used with {ctx.world_size} ranks: each rank's --cache carries its answers to rank 0")
    cache_path = cache or default_cache_path()
    response_cache = None if no_cache else ShardCache(cache_path) if spread else ResponseCache(cache_path)
    problem = next((p for p in (s.judge_problem(len(judge or [])) for s in specs.values()) if p), None)
    if problem:  # before any model loads
        _fail(problem)
    judge_runner = None
    if judge:
        from evals.run.judge import make_judges

        judge_runner = make_judges(judge, parse_model_args(judge_arg or []), response_cache)
    all_results = []
    with progress_display(progress and ctx.is_main) as on_progress:
        for model_name, args, names in plan:
            adapter = create_adapter(model_name, args)
            if batch_size is None:  # a remote model's throughput is its concurrency: let the adapter size the batch
                options = replace(options, batch_size=adapter.capabilities.max_batch_size or 8)
            if on_progress is not None:  # one bar (or line) per model and task
                options.on_progress = lambda task, p, label=adapter.name: on_progress(f"{label} {task}", p)
            resumed = unfinished_run(output, adapter.fingerprint_hash(), names, limit, seed) if ctx.is_main else None
            run_dir = resumed or output / run_id_for(adapter.name)
            if resumed is not None:
                console.print(f"continuing the unfinished run {escape(str(resumed))}", soft_wrap=True)
            try:
                if spread:  # rank 0 names the run directory; each rank's shard goes under it in its own --output
                    run_dir = output / ctx.agree(run_dir.name)
                    shard_options = replace(options, on_progress=None if on_progress is None else
                                            lambda task, p, label=adapter.name: on_progress(f"{label} {task} (rank 0's shard)", p))
                    answer_shard(ctx, adapter, [specs[n] for n in names], run_dir / "shards" / f"rank{ctx.rank}", response_cache,
                                 shard_options, sys.argv, judge_runner)
                    if not ctx.is_main:
                        continue
                whole_suite = suite_spec.name if suite_spec is not None and set(names) == set(suite_spec.tasks) else None
                results = evaluate_model(adapter, [specs[n] for n in names], run_dir, response_cache, options, sys.argv, suite=whole_suite,
                                         judge=judge_runner, suite_aggregate=suite_spec.aggregate if whole_suite else None)
            finally:
                adapter.close()
            all_results.append(results)
            for name, res in results.tasks.items():
                new = res.n_new if res.n_new is not None else res.n_samples - res.n_cached
                # The progress display's words and counts: cached, new (asked of the model now), errors.
                console.print(f"{escape(adapter.name)} {name}: {res.n_samples} samples (cached {res.n_cached}, new {new}, "
                              f"errors {res.n_errors}; {res.timing.wall_s:.1f}s)", soft_wrap=not console.is_terminal)
            for c in results.robustness or []:
                console.print(f"{escape(adapter.name)} {c.task} under {c.condition}: {c.metric} {c.value:.4f} against {c.clean:.4f} clean, "
                              f"difference {signed(c.diff, 4)} [{signed(c.ci_low, 4)}, {signed(c.ci_high, 4)}], {p_text(c.p_value)}, n={c.n}", soft_wrap=not console.is_terminal)
            if results.suite is not None:
                sr = results.suite
                rtfx = f", RTFx {sr.rtfx:.1f}" if sr.rtfx else ""
                scaled = f" (x{sr.scale:g})" if sr.scale != 1 else ""
                console.print(f"{escape(adapter.name)} suite {sr.suite}: mean {sr.metric}{scaled} {sr.mean:.4f} over {len(sr.tasks)} tasks{rtfx}", soft_wrap=not console.is_terminal)
            console.print(f"[green]wrote[/green] {escape(str(run_dir))}", soft_wrap=True)
    if judge_runner is not None:
        judge_runner.close()
    for table in results_tables(all_results):
        console.print(table)
    for line in comparison_lines(all_results, _paired_board(all_results, output)):
        console.print(escape(line), soft_wrap=not console.is_terminal)
    failures = failure_report(all_results, output, max_error_rate)
    for line in failures:
        typer.echo(line, err=True)
    code = int(ctx.agree(str(1 if failures else 0)))  # rank 0's, on every rank: each node's launcher exits as the run does
    if code:
        raise typer.Exit(code)


def _paired_board(all_results, output: Path):
    """The leaderboard of this command's runs when it ran several models (their paired tests), else None.

    Results that are not comparable (another task version in the same output) leave it out: the tables say nothing
    rather than compare unlike things.
    """
    if len({r.model for r in all_results}) < 2:
        return None
    from evals.report.build import build_leaderboard
    from evals.report.index import LeaderboardError, load_runs

    try:
        return build_leaderboard(load_runs([output / r.run_id for r in all_results]))
    except LeaderboardError:
        return None


def failure_report(all_results, output: Path, max_error_rate: float) -> list[str]:
    """Lines describing each task that scored nothing or failed too often, with its error reasons grouped and counted."""
    from collections import Counter

    from evals.results import iter_samples

    lines: list[str] = []
    for results in all_results:
        for name, res in results.tasks.items():
            failed = res.n_errors + res.n_score_errors
            rate = failed / res.n_samples if res.n_samples else 1.0
            if res.n_scored > res.n_score_errors and rate <= max_error_rate:
                continue
            what = "scored nothing" if res.n_scored <= res.n_score_errors else f"failed {failed} of {res.n_samples} samples ({rate:.1%} > --max-error-rate {max_error_rate:g})"
            lines.append(f"error: {results.model} {name}: {what}")
            reasons = Counter(r.error or r.score_error for r in iter_samples(output / results.run_id, name) if r.error or r.score_error)
            for reason, count in reasons.most_common(5):
                lines.append(f"  {count} x {reason}")
            if len(reasons) > 5:
                lines.append(f"  ... and {len(reasons) - 5} other reasons (see samples/{name}.jsonl)")
    return lines


@tasks_app.callback()
def tasks_list(
    ctx: typer.Context,
    words: Annotated[Optional[list[str]], typer.Argument(metavar="WORD", help="Only tasks whose name, dataset or description contains every WORD (any case).", show_default=False)] = None,
    modality: Annotated[Optional[list[str]], typer.Option("--modality", help="Only tasks of this modality: image, audio or video (comma-separated or repeated for several).", show_default=False)] = None,
    kind: Annotated[Optional[list[str]], typer.Option("--kind", help="Only tasks of this kind, e.g. asr, mcq, vqa (comma-separated or repeated for several).", show_default=False)] = None,
    suite: Annotated[Optional[str], typer.Option("--suite", "-s", help="Only the tasks of this suite.", show_default=False)] = None,
) -> None:
    """List the tasks with their modality, kind, dataset, split and metrics; the filters narrow the list.

    `omnieval tasks show NAME` prints one task's whole spec.
    """
    if ctx.invoked_subcommand is not None:
        return
    from evals.cli.listings import list_tasks

    list_tasks(words or [], _split(modality), _split(kind), suite, list_commands=getattr(ctx.command, "commands", {}))


@tasks_app.command("show")
def tasks_show(name: Annotated[str, typer.Argument(help="Task name or YAML path.")]) -> None:
    """Print a task's full spec and its hash."""
    import yaml

    from evals.spec.catalog import load_task

    spec = load_task(name)
    typer.echo(f"# {spec.source_file}\n# spec hash: {spec.spec_hash}")
    typer.echo(yaml.safe_dump(spec.model_dump(mode="json", exclude={"source_file"}), sort_keys=False, allow_unicode=True))


@tasks_app.command("cards")
def tasks_cards() -> None:
    """The 2026 model cards' benchmarks the catalogue runs as each card reports them, and why the others are not.

    Data: tasks/data/model_cards.yaml; the figure counts (card, benchmark) pairs.
    """
    from evals.cli.listings import list_model_cards

    list_model_cards()


@app.command()
def models() -> None:
    """List model kinds and what each supports, then the hf: model families tested."""
    from evals.cli.listings import list_models

    list_models()


@app.command()
def conditions() -> None:
    """List the robustness conditions `omnieval run --conditions` takes."""
    from evals.cli.listings import list_conditions

    list_conditions()


@app.command()
def rescore(
    run_dirs: Annotated[list[Path], typer.Argument(help="Finished run directories.", show_default=False)],
    task: Annotated[Optional[list[str]], typer.Option("--task", "-t", help="Rescore with this task spec (a YAML file or a task name) instead of the catalogue's current one; repeatable.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Where the rescored run goes (one run only). Default: beside the run, <run id>-rescored-<hash>.")] = None,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", envvar="OMNIEVAL_DATA_DIR", exists=True, file_okay=False, help="Mirror root, read only when a new subgroup field is not in the stored records.")] = None,
    judge: Annotated[Optional[list[str]], typer.Option("--judge", help="Judge the stored answers of judged tasks again with this model (kind:name; repeat for a panel); needed when a task's judge block changed.")] = None,
    judge_arg: Annotated[Optional[list[str]], typer.Option("--judge-arg", "-J", help="Judge adapter argument key=value (repeatable).")] = None,
    cache: Annotated[Optional[Path], typer.Option("--cache", envvar="OMNIEVAL_CACHE", help="Response cache for the judge's calls (as for run).")] = None,
) -> None:
    """Recompute scores, statistics and results of finished runs from their stored predictions, without the model under test."""
    from evals.run.rescore import rescore_run
    from evals.spec.catalog import load_task

    if output is not None and len(run_dirs) > 1:
        raise typer.BadParameter("--output takes one run directory", param_hint="--output")
    specs = [load_task(t) for t in task or []]
    judge_runner = None
    if judge:
        from evals.adapters.base import parse_model_args
        from evals.run.cache import ResponseCache
        from evals.run.judge import make_judges
        from evals.settings import default_cache_path

        judge_runner = make_judges(judge, parse_model_args(judge_arg or []), ResponseCache(cache or default_cache_path()))
    try:
        for run_dir in run_dirs:
            out = rescore_run(run_dir, specs, output, data_dir=str(data_dir) if data_dir else None, judge=judge_runner)
            typer.echo(f"rescored {run_dir} -> {out}")
    finally:
        if judge_runner is not None:
            judge_runner.close()


# Commands defined beside what they drive; their modules keep module-level imports light.
from evals.cli.leaderboard import leaderboard_command, runs_app  # noqa: E402
from evals.cli.score import score_command  # noqa: E402
from evals.cli.cache import cache_app  # noqa: E402
from evals.cli.data import data_app  # noqa: E402

app.command("score")(score_command)
app.command("leaderboard")(leaderboard_command)
app.add_typer(runs_app, name="runs")
app.add_typer(data_app, name="data")
app.add_typer(cache_app, name="cache")


_ROOT_OPTIONS = ("--debug", "--version")
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
"""0 done; 1 the run failed (data unavailable, a task scored nothing, too many errors); 2 bad usage (an option, a task file, a model argument); 130 interrupted."""


def _missing_value(command, args: list[str]) -> str | None:
    """``option -m/--model needs a value`` when an option that takes one is followed by another option
    (``run -m -t easyvqa``), which click would take as the value and then complain of an extra argument."""
    while hasattr(command, "commands") and args:
        sub = next((i for i, a in enumerate(args) if a in command.commands), None)
        if sub is None:
            return None
        command, args = command.commands[args[sub]], args[sub + 1:]
    options = {name: p for p in command.params if getattr(p, "param_type_name", "") == "option" for name in p.opts + p.secondary_opts}
    for here, after in zip(args, args[1:]):
        if here == "--":
            return None
        param = options.get(here)
        if param is not None and not param.is_flag and after in options:
            return f"option {'/'.join(param.opts)} needs a value (it was followed by the option {after})"
    return None


def _usage_message(e: Exception) -> str:
    """One line for a usage error, naming the option; root options given after a command say where they go."""
    name = getattr(e, "option_name", None)
    if name in _ROOT_OPTIONS:
        return f"no such option: {name} (it goes before the command: omnieval {name} run ...)"
    message = e.format_message() if hasattr(e, "format_message") else str(e)
    return message.replace("\n", " ").strip()


_METAVARS = {
    "model": "KIND:NAME", "model_arg": "KEY=VALUE", "option": "KEY=VALUE", "tasks": "TASK[,TASK]", "task": "TASK",
    "task_file": "FILE", "cache": "FILE", "max_error_rate": "RATE", "batch_size": "N", "limit": "N", "seed": "N",
    "resamples": "N", "n_resamples": "N", "max_new_tokens": "N", "max_reasoning_tokens": "N", "conditions": "LIST", "older_than_days": "DAYS", "revision": "SHA", "data_dir": "DIR", "output": "PATH",
    "out": "DIR", "to": "DIR", "reasoning_tags": "TAGS", "judge": "KIND:NAME", "judge_arg": "KEY=VALUE",
}


def _tidy_metavars(command) -> None:
    """Name each option's value as a user would write it (``-m KIND:NAME``, ``--limit N``), not as a Python type; flags show none."""
    for param in command.params:
        kind = getattr(param, "param_type_name", "")
        if kind == "option" and getattr(param, "is_flag", False):
            param.metavar = ""
        elif kind == "option" and param.metavar is None:
            param.metavar = _METAVARS.get(param.name or "", (param.name or "value").upper())
        elif kind == "argument":
            if param.metavar is None:
                param.metavar = (param.name or "value").upper() + ("..." if param.nargs == -1 else "")
            param.display_type_rich = lambda ctx: None  # the name says it; "<list[Path]>" beside it says nothing more
    help_option = command.get_help_option(typer.Context(command))
    if help_option is not None:
        help_option.metavar = ""
        command.get_help_option = lambda ctx, option=help_option: option
    for sub in getattr(command, "commands", {}).values():
        _tidy_metavars(sub)


def _on_interrupt(signum, frame) -> None:
    """Ctrl-C: the first stops the run where it is (the batch in flight is lost, everything answered is kept) and
    says so at once; a second, while that shutdown waits on a model call or worker that cannot be interrupted,
    quits at once (each committed batch is already safe in the cache, as after a kill)."""
    import os

    if _state.get("interrupted"):
        os.write(2, b"\ninterrupted twice: quitting now; everything answered so far is in the cache\n")
        os._exit(EXIT_INTERRUPTED)
    _state["interrupted"] = True
    os.write(2, b"\ninterrupting: stopping after the model call in flight (Ctrl-C again to quit at once)\n")
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: one-line errors and documented exit codes, tracebacks only with --debug."""
    import signal

    from evals.errors import DataError
    from evals.settings import one_blas_thread

    one_blas_thread()
    if len(sys.argv) == 1:
        sys.argv.append("--help")
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not where SIGINT is ignored (a background job)
        signal.signal(signal.SIGINT, _on_interrupt)
    try:
        command = typer.main.get_command(app)
        _tidy_metavars(command)
        missing = _missing_value(command, sys.argv[1:])
        if missing:
            typer.echo(f"error: {missing}", err=True)
            sys.exit(EXIT_USAGE)
        code = command.main(args=sys.argv[1:], prog_name="omnieval", standalone_mode=False)
        # click returns the code of a typer.Exit instead of raising it when not standalone
        code = code if isinstance(code, int) else EXIT_OK
        if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into Exit(130)
            typer.echo("interrupted: everything answered so far is in the cache; the same command resumes", err=True)
        sys.exit(code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted: everything answered so far is in the cache; the same command resumes", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except typer.TyperException as e:  # usage errors: unknown option, bad value, missing argument
        if _state["debug"]:
            raise
        typer.echo(f"error: {_usage_message(e)}", err=True)
        sys.exit(EXIT_USAGE)
    except (OmniEvalError, KeyError, ValueError, FileNotFoundError) as e:
        if _state["debug"]:
            raise
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        typer.echo(f"error: {message}", err=True)
        failed = isinstance(e, (DataError, FileNotFoundError)) or (isinstance(e, OmniEvalError) and type(e).__name__ == "CacheError")
        sys.exit(EXIT_FAILED if failed else EXIT_USAGE)
    except Exception as e:  # noqa: BLE001
        if _state["debug"]:
            raise
        typer.echo(f"error: {type(e).__name__}: {e}".splitlines()[0], err=True)
        sys.exit(EXIT_FAILED)
