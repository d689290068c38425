"""The leaderboard's robustness and fairness views, read from the runs' own statistics.

Both views only re-arrange figures a run computed (``results.robustness``: each condition against clean, paired
on the same samples; ``tasks[t].subgroups[f].gap``: the largest gap between groups), for the cells the
leaderboard picked. Nothing is re-estimated here, so a view always agrees with the run it cites.

- ``robustness_view``: per task run under conditions, a model x condition table (the metric with its interval,
  and for each condition the paired difference to clean with its interval and p-value, from the same run), and
  the mean relative degradation per model: the data of the degradation curves.
- ``fairness_view``: per task column and subgroup field, each model's groups (value, interval, size, under-30
  flag), the worst and best group, and the gap with its interval and test; ``significant`` marks p < alpha.

Comparability is the leaderboard's: a condition is part of a task's hash (``harvard_asr.white_noise_10`` is its
own condition column, compared across models like any column) and so are the subgroup fields, so a view never puts side
by side what the columns would not. Condition columns (``condition_tasks``) belong to the robustness view only: they are
not columns of the main table and do not count towards the overall rank; the view orders them mildest first
(``condition_order``: a condition's levels by its declared direction, ``evals.spec.conditions.Condition.harder``).
"""

from __future__ import annotations

from typing import Any

from evals.report.index import RunEntry


def _condition_records(entries: list[RunEntry]) -> dict[tuple[str, str], Any]:
    """(run_dir, condition task) -> the run's ``ConditionComparison`` for it."""
    return {(str(e.path), c.condition_task): c for e in entries for c in (e.results.robustness or [])}


def condition_tasks(entries: list[RunEntry]) -> dict[str, tuple[str, str]]:
    """Every task of the runs made under a robustness condition -> (its clean task, the condition: ``white_noise:20``).

    What a run says first: its paired comparisons (``results.robustness``), then the condition its manifest recorded
    for the task (``spec_source``, when the clean task was not in the same run); for runs older than both, the name
    ``spec.task.under_condition`` gives such a task (``harvard_asr.white_noise_20``). These are the leaderboard's
    condition columns: shown in the robustness view, never in the main table or the overall rank.
    """
    from evals.spec.conditions import parse_condition, split_condition_task

    found: dict[str, tuple[str, str]] = {}
    for e in entries:
        for c in e.results.robustness or []:
            found.setdefault(c.condition_task, (c.task, c.condition))
    for e in entries:
        recorded = e.manifest.tasks if e.manifest is not None else {}
        for task in e.results.tasks:
            if task in found:
                continue
            source = (recorded.get(task) or {}).get("spec_source") or {}
            condition = source.get("condition")
            if condition:
                try:
                    name, value = parse_condition(condition)
                except ValueError:
                    name, value = condition.partition(":")[0], None
                suffix = f".{name}_{value:g}" if value is not None else ""
                base = task[:-len(suffix)] if suffix and task.endswith(suffix) else source.get("task", task)
                found[task] = (base, condition)
                continue
            split = split_condition_task(task)
            if split is not None:
                found[task] = split
    return found


def condition_order(entries: list[RunEntry]) -> list[str]:
    """Every condition the runs ran, mildest first: each in the order the runs list it (their ``--conditions`` order),
    its levels by the condition's declared direction (``white_noise:20, 10, 0``: decreasing SNR), never sorted as text."""
    from evals.spec.conditions import order_conditions

    seen: dict[str, None] = {}
    for e in entries:
        for c in e.results.robustness or []:
            seen.setdefault(c.condition, None)
    for _, condition in condition_tasks(entries).values():
        seen.setdefault(condition, None)
    return order_conditions(seen)


def robustness_view(entries: list[RunEntry], columns: list[dict[str, Any]], cells: list[dict[str, Any]],
                    alpha: float) -> list[dict[str, Any]]:
    """Per task run clean and under conditions: each model's value per condition (mildest first) and its paired change
    from clean. ``columns`` and ``cells``: the main table's and the condition columns' together."""
    records = _condition_records(entries)
    condition_task = {cond: ct for ct, cond in condition_tasks(entries).items()}  # (task, condition) -> its column
    main = {c["key"]: c for c in columns if not c["variant"]}
    by_cell = {(c["model"], c["column"]): c for c in cells}
    order = condition_order(entries)
    views = []
    for task in sorted({t for t, _ in condition_task}):
        conds = [(cond, condition_task[(task, cond)]) for cond in order if condition_task.get((task, cond)) in main]
        if not conds:
            continue
        keys = ([task] if task in main else []) + [ct for _, ct in conds]
        models = list(dict.fromkeys(c["model"] for k in keys for c in cells if c["column"] == k))
        rows = []
        for model in models:
            clean = by_cell.get((model, task))
            points = [_point("clean", task, clean, None, alpha)] if clean is not None else []
            for cond, ct in conds:
                cell = by_cell.get((model, ct))
                if cell is None:
                    continue
                # A paired difference needs clean and the condition from one run: the run that compared them.
                rec = records.get((cell["run_dir"], ct)) if clean is not None and cell["run_dir"] == clean["run_dir"] else None
                points.append(_point(cond, ct, cell, rec, alpha))
            degr = [p["relative_degradation"] for p in points if p["condition"] != "clean" and p["relative_degradation"] is not None]
            rows.append({"model": model, "points": points,
                         "mean_relative_degradation": sum(degr) / len(degr) if degr else None})
        col = main.get(task) or main[conds[0][1]]
        views.append({"task": task, "metric": col["metric"], "lower_is_better": col["lower_is_better"],
                      "conditions": (["clean"] if task in main else []) + [c for c, _ in conds], "columns": keys, "rows": rows})
    return views


def _point(condition: str, column: str, cell: dict[str, Any], rec: Any, alpha: float) -> dict[str, Any]:
    point = {"condition": condition, "column": column, "value": cell["value"], "ci_low": cell["ci_low"], "ci_high": cell["ci_high"],
             "n": cell["n"], "diff": None, "diff_ci_low": None, "diff_ci_high": None, "p_value": None, "significant": None,
             "relative_degradation": None, "n_paired": None}
    if rec is not None:
        point.update(diff=rec.diff, diff_ci_low=rec.ci_low, diff_ci_high=rec.ci_high, p_value=rec.p_value,
                     significant=rec.p_value < alpha, relative_degradation=rec.relative_degradation, n_paired=rec.n)
    return point


def fairness_view(entries: list[RunEntry], columns: list[dict[str, Any]], cells: list[dict[str, Any]],
                  alpha: float) -> list[dict[str, Any]]:
    """Per task column and subgroup field with a gap: each model's groups and its largest gap, significance marked."""
    by_dir = {str(e.path): e for e in entries}
    under_condition = condition_tasks(entries)
    views = []
    for col in columns:
        if col["variant"] or col["task"] in under_condition:
            continue
        fields: dict[str, list[dict[str, Any]]] = {}
        for cell in (c for c in cells if c["column"] == col["key"]):
            task = by_dir[cell["run_dir"]].results.tasks[cell["task"]]
            for report in task.subgroups:
                gap = report.gap
                if gap is None:
                    continue
                groups = {g: {"value": mv[gap.metric].value, "ci_low": mv[gap.metric].ci_low, "ci_high": mv[gap.metric].ci_high,
                              "n": gap.sizes.get(g, mv[gap.metric].n), "small": g in gap.small_groups}
                          for g, mv in sorted(report.groups.items()) if gap.metric in mv}
                fields.setdefault(report.field, []).append({
                    "model": cell["model"], "metric": gap.metric, "groups": groups, "worst": gap.worst, "best": gap.best,
                    "gap": gap.gap, "ci_low": gap.ci_low, "ci_high": gap.ci_high, "p_value": gap.p_value,
                    "significant": gap.significant if gap.significant is not None or gap.p_value is None else gap.p_value < alpha, "small_groups": list(gap.small_groups),
                })
        for field, rows in fields.items():
            views.append({"column": col["key"], "task": col["task"], "field": field, "metric": rows[0]["metric"],
                          "lower_is_better": col["lower_is_better"],
                          "groups": sorted({g for r in rows for g in r["groups"]}), "rows": rows})
    return views
