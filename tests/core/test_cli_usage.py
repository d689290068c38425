"""The command line reads well: help with no command, --version, usage errors that name the option, documented exit codes."""

from __future__ import annotations

import subprocess

import pytest

from tests.cli_process import run_omnieval


def omnieval(*args: str) -> subprocess.CompletedProcess:
    return run_omnieval(*args, timeout=120)


def test_no_command_shows_the_help():
    out = omnieval()
    assert out.returncode == 0 and "Usage" in out.stdout and "run" in out.stdout and "error" not in out.stderr


def test_version():
    from evals import __version__

    out = omnieval("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"omnieval {__version__}"


@pytest.mark.parametrize(("args", "option"), [
    (["run", "--limit", "0"], "--limit"),
    (["run", "-b", "0"], "--batch-size"),
    (["run", "-b", "eight"], "--batch-size"),
    (["run", "-t", "easyvqa", "--data-dir", "/no/such/mirror"], "--data-dir"),
])
def test_a_bad_option_value_names_the_option_on_one_line_with_exit_2(args, option):
    out = omnieval(*args)
    assert out.returncode == 2
    assert option in out.stderr and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_a_root_option_after_the_command_says_where_it_goes():
    out = omnieval("run", "--debug", "-t", "easyvqa")
    assert out.returncode == 2
    assert out.stderr.strip() == "error: no such option: --debug (it goes before the command: omnieval --debug run ...)"


@pytest.mark.parametrize(("args", "says"), [
    (["run", "-m", "-t", "easyvqa"], "error: option --model/-m needs a value (it was followed by the option -t)"),
    (["run", "-t", "easyvqa", "-m", "ct2-whisper", "-a", "beamsize=5"],
     "beamsize: unknown argument (did you mean beam_size, batch_size?); ct2-whisper: takes batch_size, beam_size,"),
    (["run", "-t", "easyvqa", "-m", "ct2-wisper"], "unknown model kind 'ct2-wisper' (did you mean ct2-whisper?)"),
    (["run", "-t", "harvard_asr", "-m", "baseline:constant", "--conditions", "white_nois:10"],
     "unknown condition 'white_nois:10' (did you mean white_noise, pink_noise?)"),
    (["run", "-t", "easyvqa_captions", "-m", "baseline:constant"], "unknown task 'easyvqa_captions' (did you mean easyvqa_caption"),
])
def test_a_usage_error_says_what_would_fix_it(args, says, tmp_path):
    out = omnieval(*args, "-o", str(tmp_path))
    assert out.returncode == 2 and says in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_a_spec_error_is_usage_and_a_data_error_is_a_failure(tmp_path):
    assert omnieval("tasks", "show", "no_such_task").returncode == 2
    missing = omnieval("run", "-m", "baseline:constant", "-t", "vqav2_val", "--data-dir", str(tmp_path), "--no-progress", "-o", str(tmp_path / "r"))
    assert missing.returncode == 1 and "vqav2_val" in missing.stderr and "Traceback" not in missing.stderr


def test_a_run_that_scored_nothing_exits_1_with_its_reasons_counted(tmp_path):
    # Nothing listens on port 1: every request fails, and the run says why, once per reason, with a count.
    out = omnieval("run", "-m", "openai:x", "-a", "base_url=http://127.0.0.1:1/v1", "-a", "max_retries=0", "-t", "easyvqa",
                   "--limit", "4", "--no-progress", "-o", str(tmp_path / "r"))
    assert out.returncode == 1
    assert "easyvqa: scored nothing" in out.stderr and "  4 x " in out.stderr
    assert (next((tmp_path / "r").iterdir()) / "results.json").exists()  # results are still written


def test_help_names_values_as_users_write_them():
    for command in ("run", "score", "rescore", "leaderboard", "cache prune"):
        out = run_omnieval(*command.split(), "--help", timeout=120, env={**__import__("os").environ, "COLUMNS": "120"})
        assert out.returncode == 0, out.stderr
        assert "<bool>" not in out.stdout and "<list[" not in out.stdout and "<str>" not in out.stdout, (command, out.stdout)
    run_help = omnieval("run", "--help").stdout
    assert "KIND:NAME" in run_help and "KEY=VALUE" in run_help
    assert "[choices]" in omnieval("score", "--help").stdout


def test_bad_model_arguments_and_missing_model_folders_are_named(tmp_path):
    beam = omnieval("run", "-t", "harvard_asr", "-m", "ct2-whisper", "-a", "beam_size=0", "-o", str(tmp_path))
    assert beam.returncode == 2 and "beam_size" in beam.stderr
    missing = omnieval("run", "-t", "easyvqa", "-m", "hf:/nonexistent/model", "-o", str(tmp_path))
    assert missing.returncode == 2 and "no such model directory '/nonexistent/model'" in missing.stderr
