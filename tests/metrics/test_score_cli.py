import json

import pytest
import typer
from typer.testing import CliRunner

from evals.cli.score import InputFileError, parse_option_pairs, read_score_inputs, score_command, score_inputs


def _app():
    app = typer.Typer()
    app.command("score")(score_command)

    @app.command("noop")
    def noop() -> None:  # a second command so "score" is a real subcommand
        pass

    return app


def _write(path, records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def test_json_output_and_per_sample_file(tmp_path):
    inp = _write(tmp_path / "in.jsonl", [
        {"id": "a", "prediction": "Paris", "references": ["paris"]},
        {"id": "b", "prediction": "Rome", "references": ["Madrid"]},
        {"id": 3, "prediction": "x", "references": ["x", "y"]},
    ])  # fmt: skip
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(_app(), ["score", "--metric", "exact_match", str(inp), "--output", str(out), "--json",
                                         "--option", "ignore_punctuation=true"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["scorer"] == "exact_match" and summary["n"] == 3 and summary["unparsed"] is None
    assert summary["value"] == pytest.approx(2 / 3) and summary["options"]["ignore_punctuation"] is True
    assert summary["ci"][0] <= summary["value"] <= summary["ci"][1]
    samples = [json.loads(line) for line in out.read_text().splitlines()]
    assert [s["id"] for s in samples] == ["a", "b", "3"] and samples[1]["score"] == 0.0


def test_table_output_with_unparsed(tmp_path):
    inp = _write(tmp_path / "in.jsonl", [
        {"id": "1", "prediction": "B", "references": ["B"], "choices": ["x", "y"]},
        {"id": "2", "prediction": "no idea", "references": ["A"], "choices": ["x", "y"]},
    ])  # fmt: skip
    result = CliRunner().invoke(_app(), ["score", "-m", "choice_accuracy", str(inp), "--resamples", "50"])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.stdout and "unparsed predictions: 1" in result.stdout


def test_malformed_lines_reported_and_nothing_scored(tmp_path):
    inp = _write(tmp_path / "in.jsonl", [
        {"id": "1", "prediction": "a", "references": ["a"]},
        "{not json",
        {"id": "2", "references": ["a"]},
        {"id": "1", "prediction": "a", "references": ["a"]},
        "[1, 2]",
    ])  # fmt: skip
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(_app(), ["score", "-m", "exact_match", str(inp), "--output", str(out)])
    assert result.exit_code == 2
    for line in (":2:", ":3:", ":4:", ":5:"):
        assert line in result.output
    assert "prediction" in result.output and "duplicate id" in result.output
    assert not out.exists()
    with pytest.raises(InputFileError) as err:
        read_score_inputs(inp)
    assert [n for n, _ in err.value.problems] == [2, 3, 4, 5]


def test_bad_metric_and_option(tmp_path):
    inp = _write(tmp_path / "in.jsonl", [{"id": "1", "prediction": "a", "references": ["a"]}])
    result = CliRunner().invoke(_app(), ["score", "-m", "nope", str(inp)])
    assert result.exit_code == 2 and "unknown scorer" in result.output
    result = CliRunner().invoke(_app(), ["score", "-m", "wer", str(inp), "-o", "normalizer=klingon"])
    assert result.exit_code == 2 and "normalizer" in result.output
    with pytest.raises(ValueError):
        parse_option_pairs(["novalue"])
    assert parse_option_pairs(["a=1", "b=false", "c=hi"]) == {"a": 1, "b": False, "c": "hi"}


def test_score_inputs_reusable():
    from evals.scoring.contract import ScoreInput

    items = [ScoreInput(id=str(i), prediction="the cat", references=["the cat sat"]) for i in range(5)]
    summary, samples = score_inputs("wer", {"normalizer": "none"}, items, n_resamples=20)
    assert summary["primary"] == "wer" and summary["value"] == pytest.approx(1 / 3)
    assert summary["metrics"]["wer"]["n"] == 5 and len(samples) == 5 and samples[0]["deletions"] == 1


def test_samples_a_scorer_cannot_score_are_reported_not_fatal(tmp_path):
    inp = _write(tmp_path / "in.jsonl", [
        {"id": "1", "prediction": "(B)", "references": ["B"], "choices": ["x", "y"], "cluster": "img1"},
        {"id": "2", "prediction": "A", "references": ["F"], "choices": ["x", "y"], "cluster": "img1"},
        {"id": "3", "prediction": "A", "references": [], "choices": ["x", "y"], "cluster": "img2"},
        {"id": "4", "prediction": "y", "references": ["A"], "choices": ["x", "y"], "cluster": "img3"},
    ])  # fmt: skip
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(_app(), ["score", "-m", "choice_accuracy", str(inp), "--json", "--output", str(out), "--resamples", "50"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["n"] == 2 and summary["n_score_errors"] == 2 and summary["value"] == 0.5
    assert summary["ci_method"] == "bootstrap"  # the two scored samples are in different clusters
    samples = {s["id"]: s for s in map(json.loads, out.read_text().splitlines())}
    assert samples["1"]["extracted"] == "B" and samples["1"]["rule"] == "bare" and "score_error" not in samples["1"]
    assert samples["4"]["extracted"] == "B" and samples["4"]["rule"] == "option_text" and samples["4"]["score"] == 0.0
    assert "is not one of the option letters" in samples["2"]["score_error"] and "score" not in samples["2"]
    assert samples["3"]["score_error"] == "no reference answers"


def test_an_empty_input_is_an_error_not_a_nan(tmp_path):
    from typer.testing import CliRunner

    from evals.cli.main import app

    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    out = CliRunner().invoke(app, ["score", "--metric", "wer", str(empty)])
    assert out.exit_code == 2 and "no predictions to score" in out.output and "nan" not in out.output


def test_what_a_scorer_skipped_is_a_note_in_the_summary_not_a_raw_warning(tmp_path, recwarn):
    inp = _write(tmp_path / "in.jsonl", [{"id": "1", "prediction": "a cat", "references": ["a cat"]}])
    result = CliRunner().invoke(_app(), ["score", "-m", "spice", str(inp), "--resamples", "0", "--option", f"corenlp_dir={tmp_path}"])
    assert result.exit_code == 0, result.output
    assert "  note: SPICE skipped" in result.stdout and not [w for w in recwarn if "SPICE" in str(w.message)]
