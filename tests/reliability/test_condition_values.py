"""A robustness condition's value is checked against the range its condition declares (``spec/conditions.py``
``Condition.valid``) before anything runs: a bad one is a usage error of one line naming ``--conditions``, the condition,
the value and the valid range. A value is written one way (``white_noise:1e+1`` is ``white_noise:10``), a condition that
does not fit a task's medium is reported, and a list that leaves nothing to run is refused.

Offline and cheap: ``baseline:constant`` on the fixtures shipped with the project (``harvard_asr``, ``easyvqa``)."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from evals.cli.main import app
from tests.cli_process import run_omnieval

AUDIO, IMAGE = "harvard_asr", "easyvqa"


def _run(tmp_path, task: str, conditions: str, *extra: str):
    return CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-t", task, "--limit", "2", "--conditions", conditions,
                                    "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"), "--no-progress",
                                    *extra])


# Each fault of tracker issue 27's "Conditions": the value, the task it was tried on, the range the message must name.
BAD = [
    ("white_noise:nan", AUDIO, "[-50, 100]"),  # scored as nan
    ("white_noise:-inf", AUDIO, "[-50, 100]"),  # ZeroDivisionError after the clean task ran
    ("white_noise:1e+20", AUDIO, "[-50, 100]"),  # a pydantic error about the task name 'harvard_asr.white_noise_1e+20'
    ("pink_noise:inf", AUDIO, "[-50, 100]"),
    ("babble:nan", AUDIO, "[-50, 100]"),
    ("jpeg:-5", IMAGE, "[1, 100]"),
    ("jpeg:0", IMAGE, "[1, 100]"),
    ("jpeg:10.5", IMAGE, "[1, 100]"),  # a quality is a whole number: 10.5 was read as 10
    ("brightness:-1", IMAGE, "(0, 10]"),
    ("contrast:0", IMAGE, "(0, 10]"),
    ("clipping:-1", AUDIO, "(0, 1]"),
    ("reverb:-1", AUDIO, "(0, 10]"),
    ("reverb:2e4", AUDIO, "(0, 10]"),  # an impulse response of 2e4 s: memory exhausted
    ("occlusion:5", IMAGE, "(0, 1)"),
    ("downscale:0", IMAGE, "[1, 1000]"),  # ZeroDivisionError after the clean task ran
    ("downscale:0.001", IMAGE, "[1, 1000]"),  # enlarged 1000 times first
    ("speed:0", AUDIO, "[0.25, 4]"),  # failed inside soxr
    ("speed:1e-4", AUDIO, "[0.25, 4]"),  # a clip 10000 times as long: memory exhausted
    ("telephone:0", AUDIO, "[1000, 48000]"),  # failed inside soxr
    ("telephone:8000.5", AUDIO, "[1000, 48000]"),
    ("gaussian_noise:-0.1", IMAGE, "[0, 1]"),
    ("gaussian_blur:-2", IMAGE, "[0, 100]"),
    ("frame_drop:1.5", IMAGE, "[0, 1]"),
    ("video_blur:1e9", IMAGE, "[0, 100]"),
]


@pytest.mark.parametrize(("condition", "task", "valid"), BAD, ids=[b[0] for b in BAD])
def test_a_value_outside_its_conditions_range_is_a_usage_error_before_anything_runs(tmp_path, condition, task, valid):
    result = _run(tmp_path, task, f"clean,{condition}")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    name, _, value = condition.partition(":")
    assert line.startswith("error: --conditions: ") and f"'{condition}'" in line and f": {value} is not valid" in line, line
    assert f"{name} takes {'an integer' if name in ('jpeg', 'telephone') else 'a finite number'} in {valid}" in line, line
    assert "validation error" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "runs").exists() and not (tmp_path / "c.sqlite").exists()  # nothing ran, nothing written


def test_a_value_that_is_not_a_number_names_the_range_too(tmp_path):
    result = _run(tmp_path, IMAGE, "jpeg:lots")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --conditions: condition 'jpeg:lots': 'lots' is not a number; jpeg takes an integer in [1, 100]"
    assert not (tmp_path / "runs").exists()


def test_a_suites_conditions_are_checked_alike(tmp_path):
    """A suite file's ``conditions:`` are read at load: a spec error, exit 2 from the command (``evals.cli.main.main``)."""

    suite = tmp_path / "bad.yaml"
    suite.write_text(f"name: bad\ntasks: [{AUDIO}]\nconditions: [clean, 'speed:0']\n")
    out = run_omnieval("run", "-m", "baseline:constant", "--suite", str(suite), "-o", str(tmp_path / "runs"), "--no-progress", timeout=120)
    assert out.returncode == 2 and "condition 'speed:0': 0 is not valid; speed takes a finite number in [0.25, 4]" in out.stderr, out.stderr
    assert not (tmp_path / "runs").exists()


def test_a_value_rounded_out_of_its_range_is_refused_saying_so():
    """Task names write a value to 6 significant digits, and a task runs as it is named: the value checked is that one."""
    from evals.spec.conditions import parse_condition

    with pytest.raises(ValueError, match=r"'occlusion:0.9999999': 0.9999999 \(1 to 6 significant digits, as task names write "
                                         r"it\) is not valid; occlusion takes a finite number in \(0, 1\)"):
        parse_condition("occlusion:0.9999999")
    assert parse_condition("gaussian_noise:0.123456789") == ("gaussian_noise", 0.123457)


def test_an_exponent_or_a_negative_zero_is_the_same_condition_under_one_name(tmp_path):
    result = _run(tmp_path, AUDIO, "clean,white_noise:1E+1,white_noise:10,white_noise:-0,white_noise:0.0")
    assert result.exit_code == 0, result.output
    run = next((tmp_path / "runs").iterdir())
    results = json.loads((run / "results.json").read_text())
    assert sorted(results["tasks"]) == [AUDIO, f"{AUDIO}.white_noise_0", f"{AUDIO}.white_noise_10"]
    assert sorted(r["condition"] for r in results["robustness"]) == ["white_noise:0", "white_noise:10"]
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["tasks"][f"{AUDIO}.white_noise_10"]["spec_source"]["condition"] == "white_noise:10"


def test_every_value_in_range_makes_a_task_whose_name_reads_back():
    """The ends of each range and a tiny value (written with an exponent by ``:g``): a valid task name, never a pydantic
    error, that the reports read back as the same condition."""
    from evals.spec.catalog import load_task
    from evals.spec.conditions import CONDITIONS, canonical_condition, parse_condition, split_condition_task
    from evals.spec.task import under_condition

    specs = {"image": load_task(IMAGE), "audio": load_task(AUDIO)}
    for name, c in CONDITIONS.items():
        v = c.valid
        step = (v.high - v.low) / 1000  # inside an open end by what 6 significant digits still write
        values = [c.default, v.low + step if v.low_open else v.low, v.high - step if v.high_open else v.high]
        if not v.integer and v.low <= 1e-5 <= v.high:
            values.append(1e-5)
        for value in values:
            value = round(value) if v.integer else value
            condition = canonical_condition(f"{name}:{value!r}")
            assert "+" not in condition and parse_condition(condition)[0] == name
            spec = under_condition(specs.get(c.kind, specs["image"]), condition)
            assert split_condition_task(spec.name) == (specs.get(c.kind, specs["image"]).name, condition)


def test_perturb_refuses_a_value_outside_the_range_too():
    from PIL import Image

    from evals.data.perturb import perturb

    image = Image.new("RGB", (8, 8))
    with pytest.raises(ValueError, match=r"jpeg takes an integer in \[1, 100\]"):
        perturb("image", image, "jpeg:0", "s")


def test_a_condition_that_does_not_fit_a_tasks_medium_is_reported(tmp_path):
    result = _run(tmp_path, f"{AUDIO},{IMAGE}", "clean,jpeg:10,white_noise:10")
    assert result.exit_code == 0, result.output
    stderr = " ".join(result.stderr.split())  # wrapped to the terminal's width
    assert f"--conditions: jpeg:10 left out for {AUDIO}: an image condition, and {AUDIO} is an audio task" in stderr
    assert f"--conditions: white_noise:10 left out for {IMAGE}: an audio condition, and {IMAGE} is an image task" in stderr
    results = json.loads((next((tmp_path / "runs").iterdir()) / "results.json").read_text())
    assert sorted(results["tasks"]) == sorted([AUDIO, IMAGE, f"{AUDIO}.white_noise_10", f"{IMAGE}.jpeg_10"])


@pytest.mark.parametrize(("conditions", "says"), [
    (",", "--conditions: no condition given"),
    (" , ,", "--conditions: no condition given"),
    ("", "--conditions: no condition given"),
    ("jpeg:10", f"--conditions: nothing to run: jpeg:10 fit none of the tasks' media ({AUDIO}: audio)"),
    ("jpeg:10,frame_drop:0.5", "--conditions: nothing to run: jpeg:10, frame_drop:0.5 fit none of the tasks' media"),
])
def test_a_list_that_runs_nothing_is_a_usage_error(tmp_path, conditions, says):
    result = _run(tmp_path, AUDIO, conditions)
    assert result.exit_code == 2 and says in result.stderr, result.output
    assert not (tmp_path / "runs").exists()


def test_a_suite_model_left_with_no_task_is_a_usage_error(tmp_path):
    suite = tmp_path / "two.yaml"
    suite.write_text(f"name: two\ntasks: [{AUDIO}, {IMAGE}]\nmodels:\n  - model: baseline:constant\n    tasks: [{AUDIO}]\n"
                     f"  - model: baseline:constant\n    tasks: [{IMAGE}]\n")
    result = CliRunner().invoke(app, ["run", "--suite", str(suite), "--conditions", "jpeg:10", "--limit", "2", "-o",
                                      str(tmp_path / "runs"), "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "--conditions: nothing to run for baseline:constant" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_the_conditions_listing_and_the_docs_give_each_valid_range():
    from pathlib import Path

    from evals.spec.conditions import CONDITIONS

    listing = CliRunner().invoke(app, ["conditions"], env={"COLUMNS": "160"})
    assert listing.exit_code == 0
    rows = {line.split()[0]: line for line in listing.output.splitlines() if line.strip()}
    docs = (Path(__file__).resolve().parents[2] / "docs" / "robustness.md").read_text()
    for name, c in CONDITIONS.items():
        assert f"  {c.valid.text}  " in rows[name], rows[name]
        assert f"| `{name}` | {c.kind} | {c.default:g} | {c.valid.text} |" in docs, name
