"""Mirrors: offline reads, the datasets stale-cache trap, missing files, gated sets, corrupt media, --limit, pinning."""

from __future__ import annotations

import fnmatch
import json
import shutil
from pathlib import Path

import pytest
from helpers import run_tasks
from make_fixtures import Part, img, write_parquet, write_readme, write_visulogic
from typer.testing import CliRunner

from evals.adapters.baseline import BaselineAdapter, BaselineArgs
from evals.adapters.base import Capabilities
from evals.spec.catalog import load_task
from evals.cli.main import app
from evals.data.open import open_dataset
from evals.data.source import select_rows
from evals.errors import DataError
from evals.run.plan import RequestPlanner

POPE = "lmms-lab-encoder/POPE"


def _pope_mirror(root: Path, answers: list[str]) -> None:
    from make_fixtures import vqa_parts

    template = next(p for p in vqa_parts() if p.repo == POPE)
    parts = []
    for split in ("adversarial", "popular", "random"):
        rows = [{**template.rows[0], "question_id": f"{split}-{i}", "answer": a, "image": img(i)} for i, a in enumerate(answers)]
        parts.append(Part(POPE, "Full", split, template.features, rows))
    for p in parts:
        write_parquet(root / POPE / p.relpath, p.rows, p.features)
    write_readme(root / POPE, parts)


def _answers(source) -> list[str]:
    return [row["answer"] for _, row in source.rows]


def test_two_mirrors_of_one_repo_and_a_changed_mirror_each_read_their_own_rows(tmp_path):
    """datasets keys its cache by directory name + config patterns: same repo name under two roots must not mix."""
    spec = load_task("pope_popular")
    _pope_mirror(tmp_path / "a", ["yes", "yes", "no"])
    _pope_mirror(tmp_path / "b", ["no"] * 5)
    a, b = open_dataset(spec, tmp_path / "a"), open_dataset(spec, tmp_path / "b")
    assert _answers(a) == ["yes", "yes", "no"] and a.num_rows == 3
    assert _answers(b) == ["no"] * 5 and b.num_rows == 5
    assert a.fingerprint != b.fingerprint
    # Rewrite mirror a in place (same names, same patterns): the next run reads the new rows.
    shutil.rmtree(tmp_path / "a")
    _pope_mirror(tmp_path / "a", ["maybe", "no"])
    again = open_dataset(spec, tmp_path / "a")
    assert _answers(again) == ["maybe", "no"] and again.fingerprint != a.fingerprint
    # And a full run on each mirror scores its own rows.
    res_a = run_tasks([spec], tmp_path / "b", tmp_path / "run_b", "no").tasks["pope_popular"]
    assert res_a.metrics["accuracy"].value == 1.0 and res_a.n_samples == 5


def test_mirror_lacking_a_split_file_names_task_dataset_and_fix(tmp_path):
    _pope_mirror(tmp_path / "m", ["yes"])
    (tmp_path / "m" / POPE / "Full" / "popular-00000-of-00001.parquet").unlink()
    with pytest.raises(DataError) as err:
        list(open_dataset(load_task("pope_popular"), tmp_path / "m").rows)
    msg = str(err.value)
    assert "pope_popular" in msg and POPE in msg and "omnieval data mirror pope_popular" in msg


def test_mirror_lacking_the_repo_names_task_dataset_and_fix(tmp_path):
    with pytest.raises(DataError, match=r"task mme: dataset lmms-lab-encoder/MME is not in the mirror .*omnieval data mirror mme"):
        open_dataset(load_task("mme"), tmp_path)


def test_gqa_join_needs_both_configs_in_the_mirror(fixture_mirror, tmp_path):
    shutil.copytree(fixture_mirror / "lmms-lab-encoder" / "GQA", tmp_path / "lmms-lab-encoder" / "GQA")
    shutil.rmtree(tmp_path / "lmms-lab-encoder" / "GQA" / "testdev_balanced_images")
    with pytest.raises(DataError, match=r"gqa_testdev.*lmms-lab-encoder/GQA.*omnieval data mirror gqa_testdev"):
        list(open_dataset(load_task("gqa_testdev"), tmp_path).rows)


def test_gated_set_without_token_or_mirror_says_what_to_do(monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    spec = load_task("open_asr_ami")
    assert spec.dataset.gated
    with pytest.raises(DataError) as err:
        open_dataset(spec, None)
    msg = str(err.value)
    assert "open_asr_ami" in msg and "hf-audio/open-asr-leaderboard" in msg
    assert "gated" in msg and "HF_TOKEN" in msg and "omnieval data mirror open_asr_ami" in msg


def test_visulogic_without_its_zip_in_the_mirror(tmp_path):
    write_visulogic(tmp_path)
    (tmp_path / "VisuLogic" / "VisuLogic" / "images.zip").unlink()
    with pytest.raises(DataError, match=r"task visulogic: mirror .* lacks images.zip; re-run `omnieval data mirror visulogic"):
        open_dataset(load_task("visulogic"), tmp_path)


class DecodingBaseline(BaselineAdapter):
    """The constant baseline, but asking the runner to decode media as a real model does."""

    declared_capabilities = Capabilities(image=True, multi_image=True, audio=True, batch=True, decode_media=True)


def test_corrupt_image_and_audio_are_per_sample_errors(tmp_path):
    from make_fixtures import VQAV2, _vqav2_answers

    rows = [{"question_type": "is the", "multiple_choice_answer": "yes", "answers": _vqav2_answers(["yes"] * 10), "image_id": i,
             "answer_type": "yes/no", "question_id": i, "question": "Is it?", "image": img(i)} for i in range(3)]
    rows[1]["image"] = {"bytes": b"\x89PNG broken", "path": "bad.png"}
    write_parquet(tmp_path / "m" / "lmms-lab-encoder/VQAv2/data/validation-00000-of-00001.parquet", rows, VQAV2)
    from make_fixtures import audio_parts

    libri = next(p for p in audio_parts() if p.repo == "openslr/librispeech_asr" and p.config == "clean")
    bad = [dict(libri.rows[0]), {**libri.rows[1], "audio": {"bytes": b"fLaC not really", "path": "bad.flac"}}]
    write_parquet(tmp_path / "m" / "openslr/librispeech_asr/clean/test-00000-of-00001.parquet", bad, libri.features)
    write_readme(tmp_path / "m" / "openslr/librispeech_asr", [libri])
    adapter = DecodingBaseline("constant", BaselineArgs(text="yes"))
    results = run_tasks([load_task("vqav2_val"), load_task("librispeech_test_clean")], tmp_path / "m", tmp_path / "run", "yes", adapter=adapter)
    vqa, asr = results.tasks["vqav2_val"], results.tasks["librispeech_test_clean"]
    assert (vqa.n_samples, vqa.n_errors, vqa.n_scored) == (3, 1, 2) and vqa.metrics["vqa_accuracy"].value == 1.0
    assert (asr.n_samples, asr.n_errors, asr.n_scored) == (2, 1, 1)
    records = [json.loads(x) for x in (tmp_path / "run" / "samples" / "vqav2_val.jsonl").read_text().splitlines()]
    assert "cannot decode image" in records[1]["error"] and "error" not in records[0]
    records = [json.loads(x) for x in (tmp_path / "run" / "samples" / "librispeech_test_clean.jsonl").read_text().splitlines()]
    assert "cannot decode audio" in records[1]["error"]


def test_image_missing_from_zip_or_join_is_a_per_sample_error(tmp_path):
    write_visulogic(tmp_path, missing_image=True)
    res = run_tasks([load_task("visulogic")], tmp_path, tmp_path / "run", "A").tasks["visulogic"]
    assert (res.n_samples, res.n_errors) == (3, 1)


def test_limit_on_sorted_esb_set_spreads_over_the_split(fixture_mirror, tmp_path):
    """ESB rows are sorted longest first: --limit must not mean "the N longest clips"."""
    spec = load_task("open_asr_esb_voxpopuli")
    source = open_dataset(spec, fixture_mirror)
    assert source.num_rows == 6  # known from the parquet footer, so the spread is exact
    picked = [row["audio_length_s"] for _, row in select_rows(source, 3).rows]
    assert picked == [0.6, 0.4, 0.2]
    res = run_tasks([spec], fixture_mirror, tmp_path / "run", "the", limit=2).tasks["open_asr_esb_voxpopuli"]
    assert res.n_samples == 2 and res.dataset.selection == "2 of 6, evenly spaced"
    assert res.timing.audio_s is None or res.timing.audio_s >= 0


def test_mmmu_places_interleaved_images_at_their_tags(fixture_mirror):
    spec = load_task("mmmu_val")
    source = open_dataset(spec, fixture_mirror)
    planner = RequestPlanner(spec, source.columns)
    samples = [planner.plan(i, row) for i, row in source.rows]
    first = samples[0].request.messages[0].content
    assert [p.type for p in first] == ["image", "text", "image", "text"]
    assert first[1].text.strip() == "Which painting matches?\nA."
    assert first[3].text.strip().startswith("B. a fresco\nC. a mosaic\nAnswer with the option's letter")
    assert samples[0].choices == ["<image 2>", "a fresco", "a mosaic"] and samples[0].references == ["A"]
    third = samples[2]
    assert third.choices == [] and third.references == ["5"]
    assert [p.type for p in third.request.messages[0].content] == ["text", "image", "text"]
    assert samples[1].subgroups == {"subject": "Math", "topic_difficulty": "Hard", "question_type": "multiple-choice"}


# --- the data commands -------------------------------------------------------------------------


def test_mirror_command_fetches_only_the_task_files(fixture_mirror, tmp_path, monkeypatch):
    """`omnieval data mirror` against a stand-in Hub (the fixture repos): only the needed config/split arrive, and runs read them."""
    import huggingface_hub

    fetched: list[tuple[str, list[str]]] = []

    def fake_snapshot(repo_id, repo_type, revision, allow_patterns, local_dir):
        src = fixture_mirror / repo_id
        fetched.append((repo_id, list(allow_patterns)))
        for f in src.rglob("*"):
            rel = str(f.relative_to(src))
            if f.is_file() and any(fnmatch.fnmatch(rel, p) for p in allow_patterns):
                (Path(local_dir) / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(f, Path(local_dir) / rel)
        return str(local_dir)

    def fake_file(repo_id, filename, repo_type, revision, local_dir):
        Path(local_dir).mkdir(parents=True, exist_ok=True)
        return shutil.copy(fixture_mirror / repo_id / filename, Path(local_dir) / filename)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_file)
    out = tmp_path / "mirror"
    result = CliRunner().invoke(app, ["data", "mirror", "pope_popular,gqa_testdev", "--to", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet"))
    assert files == [
        "lmms-lab-encoder/GQA/testdev_balanced_images/testdev-00000-of-00001.parquet",
        "lmms-lab-encoder/GQA/testdev_balanced_instructions/testdev-00000-of-00001.parquet",
        "lmms-lab-encoder/POPE/Full/popular-00000-of-00001.parquet",
    ]
    assert run_tasks([load_task("gqa_testdev")], out, tmp_path / "run", "yes").tasks["gqa_testdev"].n_scored == 3


def test_mirror_and_pin_fail_clearly_offline(tmp_path):
    result = CliRunner().invoke(app, ["data", "mirror", "vqav2_val", "--to", str(tmp_path)])
    assert result.exit_code != 0
    message = str(result.exception) + result.output
    assert "vqav2_val" in message and "lmms-lab-encoder/VQAv2" in message and "network" in message
    result = CliRunner().invoke(app, ["data", "pin", "mme"])
    assert result.exit_code != 0 and "lmms-lab-encoder/MME" in (str(result.exception) + result.output)


def test_set_revision_rewrites_only_the_revision_line():
    from evals.data.mirror import set_revision
    from evals.data.patterns import readme_patterns

    text = "name: x\ndataset:\n  path: a/b\n  split: test\n  revision: null\nfields:\n  id: id\n"
    out = set_revision(text, "abc123")
    assert out == text.replace("revision: null", "revision: abc123")
    assert "  revision: abc123\nfields:" in set_revision("name: x\ndataset:\n  path: a/b\n  split: test\nfields:\n  id: id\n", "abc123")
    card = "---\nconfigs:\n- config_name: Full\n  data_files:\n  - split: popular\n    path: Full/popular-*\n---\n"
    assert readme_patterns(card, "Full", "popular") == ["Full/popular-*"]
    assert readme_patterns(card, "Other", "popular") is None
    # A card whose header is not a mapping of configs says nothing (the usual layouts are tried), never a crash.
    for header in ("- a\n- b", "just text", "configs: [1, x]", "configs: [oops", "configs:\n- config_name: Full\n  data_files: 3"):
        assert readme_patterns(f"---\n{header}\n---\n", "Full", "popular") is None, header


def test_tasks_cli_lists_catalogue_and_shows_hash():
    runner = CliRunner()
    listing = runner.invoke(app, ["tasks"])
    assert listing.exit_code == 0, listing.output
    for name in ("vqav2_val", "mme", "open_asr_ami", "audiocaps_test", "esc50"):
        assert name in listing.output
    shown = runner.invoke(app, ["tasks", "show", "vqav2_val"])
    assert shown.exit_code == 0 and load_task("vqav2_val").spec_hash in shown.output
    assert "answers[*].answer" in shown.output


def test_cli_run_with_data_dir(fixture_mirror, tmp_path):
    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", 'text="yes"', "-t", "pope_random", "--data-dir", str(fixture_mirror),
                                      "--no-cache", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    results = json.loads(next(tmp_path.rglob("results.json")).read_text())
    assert results["tasks"]["pope_random"]["metrics"]["accuracy"]["value"] == 0.75


def test_parquet_mirrors_read_without_datasets_give_the_builders_rows(fixture_mirror):
    """Every catalogue task whose mirror is parquet: pyarrow alone yields exactly the rows of `datasets`' parquet builder
    (media left encoded), so skipping `datasets`' import and builder changes no request and no cache key."""
    from evals.data.source import _mirror_split_files, _open_builder, from_stream
    from evals.spec.catalog import task_names

    compared = 0
    for name in task_names():
        spec = load_task(name)
        local = fixture_mirror / spec.dataset.path
        if spec.dataset.loader or spec.dataset.data_dir or spec.dataset.data_files or not local.is_dir():
            continue
        if _mirror_split_files(spec, local)[0] != "parquet":
            continue
        fast = open_dataset(spec, fixture_mirror)
        stream, _, num_rows = _open_builder(spec, local, None)
        slow = from_stream(stream, num_rows=num_rows, fingerprint="", origin="", revision=None)
        assert list(fast.rows) == list(slow.rows), name
        assert fast.columns == slow.columns and fast.num_rows == num_rows, name
        compared += 1
    assert compared >= 30  # the catalogue's Hub tasks, not a lucky few
