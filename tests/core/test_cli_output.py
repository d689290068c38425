"""The command line's output fits an 80-column terminal: no line wider, nothing cut with an ellipsis, names whole or
broken only after ``_`` or ``.``; and ``omnieval tasks`` filters by modality, kind, suite and search words."""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from functools import lru_cache

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from evals.cli import console as terminal
from evals.cli.main import app
from evals.cli.tables import Col, FitTable, Wrapped, wrap_spans
from evals.results import DatasetRecord, MetricValue, RunResults, TaskResult
from tests.cli_process import run_omnieval

WIDTH = 80
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78M]")


def _screen_lines(raw: str) -> list[str]:
    """The lines a terminal was sent, escape sequences removed; a carriage return starts a line too (rich's live display
    redraws with it)."""
    # the pty writes each line break as CR LF (onlcr): that is one line end, not a carriage return and then a line
    return [piece for line in _ANSI.sub("", raw).replace("\r\n", "\n").split("\n") for piece in line.split("\r")]


def _in_pty(args_list: list[list[str]], tmp_path, timeout: float = 240) -> dict[str, list[str]]:
    """Run ``omnieval ARGS`` for each of ``args_list`` in one process whose stdin, stdout and stderr are a real
    80-column terminal (a pty sized with TIOCSWINSZ, no $COLUMNS): its screen lines per command."""
    driver = (
        "import json, sys\n"
        "from evals.cli.main import main\n"
        "for args in json.loads(sys.argv[1]):\n"
        "    print('@@@ ' + ' '.join(args), flush=True)\n"
        "    sys.argv = ['omnieval', *args]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    sys.stdout.flush(); sys.stderr.flush()\n"
        "print('@@@ end', flush=True)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TERMINAL_WIDTH", "NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, WIDTH, 0, 0))
    proc = subprocess.Popen([sys.executable, "-c", driver, json.dumps(args_list)], stdin=slave, stdout=slave, stderr=slave,
                            env=env, cwd=tmp_path, start_new_session=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    lines = _screen_lines(b"".join(chunks).decode("utf-8", "replace"))
    out: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if line.startswith("@@@ "):
            current = line[4:].strip()
            out[current] = []
        elif current is not None:
            out[current].append(line)
    assert "end" in out, "\n".join(lines[-40:])
    return out


def _assert_fits(lines: list[str], what: str) -> None:
    text = "\n".join(lines)
    assert "Traceback" not in text, text
    wide = [line for line in lines if cell_len(line) > WIDTH]
    assert not wide, f"{what}: lines wider than {WIDTH}:\n" + "\n".join(wide)
    assert "…" not in text, f"{what}: text cut with an ellipsis:\n{text}"


def _whole_or_broken_at_separators(lines: list[str], name: str) -> bool:
    """``name`` is on a line whole, or in pieces down one column, each piece but the last ending in ``_`` or ``.``."""
    if any(re.search(rf"(?<!\S){re.escape(name)}(?!\S)", line) for line in lines):
        return True
    for i, line in enumerate(lines):
        for m in re.finditer(r"\S+", line):
            piece, col = m.group(), m.start()
            if not (name.startswith(piece) and piece[-1] in "_."):
                continue
            rest, j = name[len(piece):], i + 1
            while rest and j < len(lines):
                below = lines[j][col:]
                nxt = below.split()[0] if below[:1].strip() else ""
                if not nxt or not rest.startswith(nxt) or (nxt != rest and nxt[-1] not in "_."):
                    break
                rest, j = rest[len(nxt):], j + 1
            if not rest:
                return True
    return False


@lru_cache(maxsize=None)
def _catalogue():
    from evals.spec.catalog import load_task, task_names

    return {name: load_task(name) for name in task_names()}


@pytest.fixture(scope="module")
def terminal_80(tmp_path_factory):
    """Each listing, the help and a short run with a robustness condition, in one 80-column terminal."""
    tmp = tmp_path_factory.mktemp("pty")
    commands = [["tasks"], ["models"], ["conditions"], ["--help"], ["run", "--help"], ["tasks", "--help"],
                ["run", "-m", "baseline:constant", "-t", "harvard_asr,easyvqa", "--conditions", "clean,white_noise:20",
                 "--limit", "6", "-o", str(tmp / "runs"), "--cache", str(tmp / "c.sqlite")]]
    return _in_pty(commands, tmp)


def test_tasks_fit_80_columns_with_every_name_whole(terminal_80):
    lines = terminal_80["tasks"]
    _assert_fits(lines, "omnieval tasks")
    firsts = {line.split()[0] for line in lines if line.strip()}
    missing = [name for name in _catalogue() if name not in firsts and not _whole_or_broken_at_separators(lines, name)]
    assert not missing, missing
    assert any("tasks; suites:" in line for line in lines)


@pytest.mark.parametrize("command", ["models", "conditions"])
def test_models_and_conditions_fit_80_columns(terminal_80, command):
    lines = terminal_80[command]
    _assert_fits(lines, command)
    if command == "conditions":
        from evals.spec.conditions import CONDITIONS

        assert all(_whole_or_broken_at_separators(lines, name) for name in CONDITIONS)
    else:
        assert any(line.startswith("ct2-whisper ") for line in lines) and any("Qwen2.5-Omni" in line for line in lines)


@pytest.mark.parametrize("command", ["--help", "run --help", "tasks --help"])
def test_help_fits_80_columns_and_cuts_no_word(terminal_80, command):
    lines = terminal_80[command]
    _assert_fits(lines, command)
    assert any("Usage:" in line for line in lines)
    if command == "run --help":
        # Each option's help, squeezed of spaces and borders, holds every long word of it (nothing cut).
        import typer
        from rich.text import Text

        squeezed = "".join(re.sub(r"[│╭╮╰╯─\s]", "", line) for line in lines)
        run_command = typer.main.get_command(app).commands["run"]
        for param in run_command.params:
            for word in Text.from_markup(getattr(param, "help", None) or "").plain.split():
                if len(word) >= 12:
                    assert word in squeezed, (param.name, word)
        assert "$OMNIEVAL_CACHE_DIR/responses.sqlite," in squeezed


def test_a_run_in_80_columns_fits_with_names_broken_only_at_separators(terminal_80):
    key = next(k for k in terminal_80 if k.startswith("run -m"))
    everything = terminal_80[key]
    # The run's one-line log messages (a task's counts, a condition against clean, the run directory, subgroup gaps)
    # are printed unwrapped on purpose, for logs and copied paths; the progress display and the tables must fit.
    log = re.compile(r"^(wrote |groups: |paired: )|^baseline:constant \S+(: \d+ samples| under )")
    lines = [line for line in everything if not log.search(line)]
    _assert_fits(lines, "omnieval run")
    text = "\n".join(lines)
    # The progress display: the label whole, on a line of its own above the bar, or before the counts once finished.
    label = re.compile(r"^baseline:constant harvard_asr\.white_noise_20(  6/6  .*)?$")
    assert any(label.match(line.rstrip()) for line in lines), text
    assert any(re.search(r"\b6/6\b.*\bcached \d+\b.*\berrors 0\b", line) for line in lines), text
    # The results table: the condition's task whole or broken after `_` or `.`, never mid-word.
    assert _whole_or_broken_at_separators(lines, "harvard_asr.white_noise_20"), text
    assert "white_nois\n" not in text and "harvard_as\n" not in text


# In-process checks (fast): wrapping, layouts at many widths, progress lines.


def test_wrap_breaks_a_long_name_only_after_its_separators():
    s = "harvard_asr.white_noise_20"
    assert [s[a:b] for a, b in wrap_spans(s, 14, "_.")] == ["harvard_asr.", "white_noise_20"]
    assert [s[a:b] for a, b in wrap_spans(s, 9, "_.")] == ["harvard_", "asr.", "white_", "noise_20"]
    prose = "a task of hf-audio/open-asr-leaderboard"
    assert [prose[a:b] for a, b in wrap_spans(prose, 20, "/-")] == ["a task of hf-audio/", "open-asr-leaderboard"]
    # A piece wider than the line is folded, never cut.
    assert "".join(s[a:b] for a, b in wrap_spans(s, 4, "_.")) == s


def _run(task_names: list[str]) -> RunResults:
    tasks = {}
    for name in task_names:
        tasks[name] = TaskResult(
            task=name, task_version=1, modality="audio", kind="asr", task_hash="t", spec_hash="s",
            dataset=DatasetRecord(path="p", split="test", fingerprint="f", origin="o"), primary_metric="wer",
            metrics={m: MetricValue(value=0.25, ci_low=0.2, ci_high=0.3, n=30) for m in ("wer", "substitution_rate", "deletion_rate")},
            scorers={}, n_samples=30, n_scored=30, n_errors=0)
    return RunResults(run_id="r", model="hf:Qwen/Qwen2.5-Omni-7B[dtype=bfloat16]", model_hash="h", model_fingerprint={}, tasks=tasks)


@pytest.mark.parametrize("width", [40, 70, 80, 100, 160])
def test_results_tables_fit_every_width_and_break_names_only_at_separators(width):
    """From 70 columns names break only at separators; narrower still, a name is folded but never cut."""
    names = ["harvard_asr", "harvard_asr.white_noise_20", "open_asr_esb_librispeech_clean.telephone_8000"]
    out = Console(width=width, record=True, file=io.StringIO())
    for table in terminal.results_tables([_run(names)]):
        out.print(table)
    lines = out.export_text().splitlines()
    assert max(cell_len(line) for line in lines) <= width and "…" not in "\n".join(lines)
    if width < 70:
        squeezed = "".join(lines).replace(" ", "")
        assert all(n in squeezed for n in ["hf:Qwen/Qwen2.5-Omni-7B[dtype=bfloat16]", "0.2500"])
        return
    assert all(_whole_or_broken_at_separators(lines, n) for n in names), "\n".join(lines)
    assert all(_whole_or_broken_at_separators(lines, m) for m in ("substitution_rate", "deletion_rate"))
    assert "[0.2000, 0.3000]" in "\n".join(lines) or width < 80


def test_a_table_leaves_out_optional_columns_and_says_so():
    table = FitTable([Col("name"), Col("prose", breaks=""), Col("extra", optional=1)],
                     [["a_name", "words " * 20, "x" * 30]], left_out="{columns} left out")
    narrow = Console(width=60, record=True, file=io.StringIO())
    narrow.print(table)
    assert "extra left out" in narrow.export_text() and "xxxx" not in narrow.export_text()
    wide = Console(width=200, record=True, file=io.StringIO())
    wide.print(table)
    assert "x" * 30 in wide.export_text() and "left out" not in wide.export_text()
    wrapped = Console(width=10, record=True, file=io.StringIO())
    wrapped.print(Wrapped("$OMNIEVAL_CACHE_DIR/responses.sqlite", "/._"))
    assert wrapped.export_text().splitlines() == ["$OMNIEVAL_", "CACHE_DIR/", "responses.", "sqlite"]


@pytest.mark.parametrize("width", [50, 80, 120])
def test_progress_lines_fit_with_the_label_whole(width):
    label = "hf:Qwen/Qwen2.5-Omni-7B open_asr_esb_librispeech_clean.white_noise_20"
    bars = terminal._Bars(console=Console(file=io.StringIO(), force_terminal=True, width=width), auto_refresh=False)
    task = bars.add_task(label, total=2620, cached=1200, ran=300, errors=3, rate="12.5 new/s", started=bars.get_time() - 100, took=0.0)
    bars.update(task, completed=1503)
    out = Console(width=width, record=True, file=io.StringIO())
    out.print(bars.get_renderable())
    lines = out.export_text().splitlines()
    assert max(cell_len(line) for line in lines) <= width and "…" not in "\n".join(lines)
    assert _whole_or_broken_at_separators(lines, "open_asr_esb_librispeech_clean.white_noise_20") or width < 60
    stats = lines[-1]
    assert "1503/2620" in stats and "errors 3" in stats and "━" in stats
    if width >= 80:
        assert "cached 1200" in stats and "ETA" in stats


def test_progress_is_never_taller_than_the_terminal_and_finished_tasks_take_one_line():
    """Rich crops a live display taller than the terminal at its bottom (the running task) with an ellipsis."""
    bars = terminal._Bars(console=Console(file=io.StringIO(), force_terminal=True, width=80, height=6), auto_refresh=False)
    for i in range(8):
        task = bars.add_task(f"baseline:constant task_{i}.white_noise_20", total=30, cached=0, ran=0, errors=0, rate="",
                             started=bars.get_time() - 5, took=0.0)
        bars.update(task, completed=30 if i < 7 else 12, ran=30 if i < 7 else 12, took=3.0)
    out = Console(width=80, record=True, file=io.StringIO())
    out.print(bars.get_renderable())
    lines = out.export_text().splitlines()
    assert len(lines) <= 5 and lines[0] == "5 earlier tasks done", lines
    assert lines[1] == "baseline:constant task_5.white_noise_20  30/30  cached 0  errors 0  took 0:03"
    assert lines[-2] == "baseline:constant task_7.white_noise_20" and "12/30" in lines[-1] and "…" not in "".join(lines)


def test_piped_output_is_80_columns_unless_COLUMNS_says_otherwise():
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    piped = run_omnieval("conditions", timeout=120, env=env)
    assert piped.returncode == 0, piped.stderr
    assert max(cell_len(line) for line in piped.stdout.splitlines()) == 80
    wide = run_omnieval("conditions", timeout=120, env={**env, "COLUMNS": "160"})
    assert 80 < max(cell_len(line) for line in wide.stdout.splitlines()) <= 160


# The filters of `omnieval tasks`.

runner = CliRunner()


@pytest.fixture()
def listed(monkeypatch):
    """``omnieval tasks ARGS`` in process, 200 columns wide (every column shown): (exit code, task names listed, result).
    Parsed specs are kept between calls: parsing the catalogue's YAML is what takes the time."""
    import evals.spec.catalog as catalog

    cached = _catalogue()
    original = catalog.load_task
    monkeypatch.setattr(catalog, "load_task", lambda name: cached[name] if name in cached else original(name))

    def invoke(*args: str):
        result = runner.invoke(app, ["tasks", *args], env={"COLUMNS": "200"})
        names = [line.split()[0] for line in result.stdout.splitlines() if line.strip() and line.split()[0] in cached]
        return result.exit_code, names, result

    return invoke


def test_filter_by_modality_kind_and_suite_together(listed):
    from evals.spec.catalog import load_suite

    code, names, result = listed("--modality", "audio", "--kind", "asr", "--suite", "open_asr")
    suite = set(load_suite("open_asr").tasks)
    expected = sorted(n for n, t in _catalogue().items() if n in suite and t.modality == "audio" and t.kind == "asr")
    assert code == 0 and names == expected and expected, result.output
    assert f"{len(expected)} of {len(_catalogue())} tasks" in result.stdout


@pytest.mark.parametrize(("option", "value", "field"), [("--modality", "video", "modality"), ("--kind", "caption", "kind"),
                                                        ("--kind", "asr,speech_translation", "kind")])
def test_filter_by_modality_or_kind(listed, option, value, field):
    code, names, result = listed(option, value)
    expected = sorted(n for n, t in _catalogue().items() if getattr(t, field) in value.split(","))
    assert code == 0 and names == expected and expected, result.output


def test_filter_by_suite(listed):
    from evals.spec.catalog import load_suite

    code, names, result = listed("-s", "quickstart")
    assert code == 0 and set(names) == set(load_suite("quickstart").tasks), result.output


def test_search_words_match_name_dataset_and_description_in_any_case(listed):
    catalogue = _catalogue()
    code, names, _ = listed("LibriSpeech")
    assert code == 0 and "librispeech_test_clean" in names and "open_asr_esb_librispeech_clean" in names
    # A word only in the dataset's path.
    owner = next(t for t in catalogue.values() if "/" in t.dataset.path and t.dataset.path.split("/")[0] not in t.name)
    word = owner.dataset.path.split("/")[0]
    code, names, _ = listed(word)
    assert code == 0 and owner.name in names
    # A word only in the description.
    for t in catalogue.values():
        only = [w for w in re.findall(r"[a-z]{7,}", t.description.lower()) if w not in t.name.lower() and w not in t.dataset.path.lower()]
        if only:
            code, names, _ = listed(only[0])
            assert code == 0 and t.name in names
            break
    else:
        pytest.skip("no task description has a word of its own")
    # Several words: every one must match; options may follow the words.
    code, names, result = listed("open_asr", "librispeech", "--kind", "asr")
    haystack = {n: f"{n} {t.dataset.path} {t.dataset.name} {t.description}".lower() for n, t in catalogue.items()}
    expected = sorted(n for n, h in haystack.items() if "open_asr" in h and "librispeech" in h and catalogue[n].kind == "asr")
    assert code == 0 and names == expected and "open_asr_librispeech_clean" in names, result.output


@pytest.mark.parametrize(("args", "says"), [
    (["--modality", "audoi"], "error: unknown modality 'audoi' (did you mean audio?); known: image, audio, video"),
    (["--kind", "aasr"], "error: unknown kind 'aasr' (did you mean asr?); known: "),
    (["--suite", "open_as"], "error: unknown suite 'open_as' (did you mean open_asr"),
    (["--modality", "--kind", "asr"], "error: option --modality needs a value (it was followed by the option --kind)"),
])
def test_an_unknown_filter_value_is_one_clear_line(listed, args, says):
    code, names, result = listed(*args)
    assert code == 2 and not names
    assert result.stderr.startswith(says) and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_nothing_matching_exits_1_and_says_so(listed):
    code, _, result = listed("harvard_as", "--modality", "image")
    assert code == 1 and result.stderr.strip() == "no task matches 'harvard_as' --modality image; `omnieval tasks` lists all " + str(len(_catalogue()))
    code, _, result = listed("shw")
    assert code == 1 and "(did you mean show?)" in result.stderr


def test_show_still_shows_a_task_with_or_without_filters_before_it(listed):
    code, _, result = listed("show", "harvard_asr")
    assert code == 0 and "spec hash:" in result.stdout
    code, _, result = listed("--modality", "audio", "show", "harvard_asr")
    assert code == 0 and "spec hash:" in result.stdout
