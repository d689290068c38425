"""GTZAN on MARBLE's test fold (tasks/audio/gtzan.yaml, variant gtzan_marble_test) on a fixture mirror of
sanchit-gandhi/gtzan with clips in and out of the fold: only the fold's clips are asked, in the data's order, read as
gtzan reads them; a fold clip whose genre class is not its folder is that sample's error; the fold is the recorded
file MARBLE fetches, as it is. No model here: the family's tiny-model run is test_meld_gtzan.py's."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from helpers import run_cli
from make_fixtures import GTZAN_MARBLE_ROWS, GTZAN_ROWS, gtzan_marble_part, write_parts

from evals.data.loaders import GTZAN_MARBLE_TEST, gtzan_marble_test_clips
from evals.spec.catalog import load_task, tasks_root


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return write_parts(tmp_path_factory.mktemp("gtzan_marble"), [gtzan_marble_part()])


def _groups(res):
    return {s["field"]: {g: v["exact_match"]["value"] for g, v in s["groups"].items()} for s in res["subgroups"]}


def test_only_the_folds_clips_are_asked_and_read_as_gtzan_reads_them(mirror, tmp_path):
    res, records = run_cli(mirror, tmp_path / "r", tmp_path / "c.sqlite", "gtzan_marble_test", "Blues.")
    assert [r["id"] for r in records] == [f"genres/{f.split('.')[0]}/{f}" for f, _ in GTZAN_MARBLE_ROWS]
    assert res["metrics"]["exact_match"]["value"] == pytest.approx(1 / 2)
    assert _groups(res)["genre"] == pytest.approx({"blues": 1.0, "hiphop": 0.0})
    hyphen, _ = run_cli(mirror, tmp_path / "r2", tmp_path / "c2.sqlite", "gtzan_marble_test", "Hip-hop")
    assert hyphen["metrics"]["exact_match"]["value"] == pytest.approx(1 / 2)
    # the whole set on the same mirror: every clip, in or out of the fold
    everything, _ = run_cli(mirror, tmp_path / "r3", tmp_path / "c3.sqlite", "gtzan", "Blues.")
    assert everything["metrics"]["exact_match"]["value"] == pytest.approx(3 / 5)
    assert _groups(everything)["genre"] == pytest.approx({"blues": 1.0, "hiphop": 0.0})


def test_a_fold_clip_labelled_another_genre_is_that_samples_error(tmp_path):
    mislabelled = write_parts(tmp_path / "m", [gtzan_marble_part([("blues.00012.wav", 4), ("hiphop.00000.wav", 4), ("blues.00000.wav", 4)])])
    res, records = run_cli(mislabelled, tmp_path / "r", tmp_path / "c.sqlite", "gtzan_marble_test", "hiphop",
                           "--max-error-rate", "0.5")
    # the clip outside the fold is not asked; the bad row keeps its row number as its id
    assert [r["id"] for r in records] == ["0", "genres/hiphop/hiphop.00000.wav"]
    assert "genre 4 is not the 'blues' of blues.00012.wav" in str(records[0])
    assert res["metrics"]["exact_match"]["value"] == pytest.approx(1.0) and res["n_errors"] == 1


def test_the_fold_is_the_file_marble_fetches():
    # coreyker/dnn-mgr gtzan/test_filtered.txt at bdad579ea6cb37b665ea6019fe1026a6ce20cbc7 (the URL in a43992899/MARBLE-Benchmark
    # d9300e33 exp_scripts/download/download_gtzan.sh), recorded: its sha256 and what it holds
    data = (tasks_root() / "data" / GTZAN_MARBLE_TEST).read_bytes()
    assert hashlib.sha256(data).hexdigest() == "09cafa6a89ce0a27f30ed250d56ecb4d03c22fffb5a693f96c7ae655ee02ac72"
    clips = gtzan_marble_test_clips()
    assert len(clips) == 290 and "jazz.00054.wav" not in clips
    assert Counter(c.split(".")[0] for c in clips) == {"blues": 31, "classical": 31, "country": 30, "disco": 29, "hiphop": 27,
                                                      "jazz": 27, "metal": 27, "pop": 30, "reggae": 26, "rock": 32}
    assert not clips & {f for f, _ in GTZAN_ROWS} and {f for f, _ in GTZAN_MARBLE_ROWS} <= clips


def test_the_variant_is_gtzan_but_for_its_rows():
    whole, fold = load_task("gtzan"), load_task("gtzan_marble_test")
    assert fold.dataset.loader == "gtzan_marble_test" and whole.dataset.loader is None
    assert fold.model_dump(exclude={"name", "description", "dataset"}) == whole.model_dump(exclude={"name", "description", "dataset"})
