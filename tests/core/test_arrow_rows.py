"""Named loaders' in-memory tables read by pyarrow alone (issue #26): the same fingerprint and rows as the
`datasets.Dataset` those loaders built before, and neither `datasets` nor pandas in a run's process."""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pytest

from evals.data.loaders import LOADERS, _easy_vqa_pngs, _easy_vqa_split, _missing_media, easyvqa_caption_columns
from evals.data.open import open_dataset
from evals.data.source import RowSource, arrow_source, content_fingerprint, select_rows
from evals.spec.catalog import load_task

datasets = pytest.importorskip("datasets")


# open_dataset's fingerprints of these tasks when their loaders built a datasets.Dataset (5c21241): every stored
# result of them carries its task hash, made with the fingerprint. Should one change, those results stop matching.
PINNED = {"easyvqa": "17e5cc1aee2783f3", "easyvqa_caption": "a6ced3d75dad0808", "harvard_asr": "5b9cd195aed65f5c"}


@pytest.fixture(autouse=True)
def _no_torch(monkeypatch):
    # A Dataset's stream imports torch (3 s) to share its epoch with DataLoader workers; the CLI turns that off too.
    monkeypatch.setattr(datasets.config, "TORCH_AVAILABLE", False)


# --- The loaders as they were (5c21241): a datasets.Dataset, made a RowSource by open_dataset -------------------


def _old_arrow_dataset(columns, features):
    table = pa.table({name: pa.array(values, type=features[name]()) if hasattr(features[name], "pa_type") else pa.array(values)
                      for name, values in columns.items()})
    table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features.to_dict()}})})
    return datasets.Dataset(table)


def _old_easyvqa(task, data_dir=None):
    return _old_easyvqa_dataset(task.dataset.split)


@lru_cache(maxsize=1)
def _old_easyvqa_dataset(split):
    questions, _ = _easy_vqa_split(split)
    pngs = _easy_vqa_pngs(split)
    rows = {"question_id": [f"{split}-{i}" for i in range(len(questions))], "question": [q[0] for q in questions],
            "answer": [q[1] for q in questions], "image_id": [int(q[2]) for q in questions],
            "image": [{"bytes": pngs[int(q[2])], "path": f"{q[2]}.png"} for q in questions]}
    features = datasets.Features(question_id=datasets.Value("string"), question=datasets.Value("string"),
                                 answer=datasets.Value("string"), image_id=datasets.Value("int64"), image=datasets.Image())
    return _old_arrow_dataset(rows, features)


def _old_easyvqa_caption(task, data_dir=None):
    # The same columns (the references are not what changed), as the Dataset the loader built from them.
    columns = easyvqa_caption_columns(task.dataset.split)
    features = datasets.Features(image_id=datasets.Value("int64"), image=datasets.Image(),
                                 captions=datasets.Sequence(datasets.Value("string")))
    return datasets.Dataset.from_dict(columns, features=features)


def _old_audio_index(task, data_dir=None):
    root = (task.base_dir / (task.dataset.data_dir or ".")).resolve()
    rows = [json.loads(line) for line in (root / "metadata.jsonl").read_text().splitlines() if line.strip()]
    columns = {"audio": [{"bytes": None, "path": str(root / r["file_name"])} if r.get("file_name")
                         else _missing_media("metadata.jsonl line has no file_name") for r in rows]}
    feature_map = {"audio": datasets.Audio()}
    for key in rows[0]:
        if key != "file_name":
            columns[key] = [r.get(key) for r in rows]
            feature_map[key] = datasets.Value("int64") if isinstance(rows[0][key], int) else datasets.Value("string")
    return _old_arrow_dataset(columns, datasets.Features(feature_map))


OLD = {"easyvqa": _old_easyvqa, "easyvqa_caption": _old_easyvqa_caption, "audio_index": _old_audio_index}


def _identity(source: RowSource) -> tuple:
    return source.fingerprint, source.reuse_key, source.num_rows, source.columns, source.origin, source.revision, source.selection


def _assert_same(task, monkeypatch) -> RowSource:
    """``task`` opened by its loader now and by the loader as it was: the same identity and rows, whole and --limit'ed."""

    def opened(as_it_was: bool, limit: int | None = None) -> RowSource:
        with monkeypatch.context() as m:
            if as_it_was:
                m.setitem(LOADERS._items, task.dataset.loader, OLD[task.dataset.loader])
            return select_rows(open_dataset(task), limit)

    new, old = opened(False), opened(True)
    assert isinstance(new.table, pa.Table) and isinstance(old.table, datasets.Dataset)
    assert _identity(new) == _identity(old)
    assert list(new.rows) == list(old.rows)
    for limit in [n for n in (1, 2, 7, 29, 257) if n < new.num_rows]:  # 257: past one 256-row batch
        picked_new, picked_old = opened(False, limit), opened(True, limit)
        assert _identity(picked_new) == _identity(picked_old), limit
        assert list(picked_new.rows) == list(picked_old.rows), limit
    return new


@pytest.mark.parametrize("name", ["easyvqa", "easyvqa_caption", "harvard_asr"])
def test_a_loader_gives_the_fingerprint_and_rows_its_dataset_gave(name, monkeypatch):
    new = _assert_same(load_task(name), monkeypatch)
    assert new.fingerprint == PINNED[name]


def test_an_audio_index_folder_gives_the_rows_its_dataset_gave_without_datasets(tmp_path, monkeypatch):
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "a.wav").write_bytes(b"RIFF-one")
    (folder / "b.wav").write_bytes(b"RIFF-two")
    lines = [{"file_name": "a.wav", "id": "a", "n": 1}, {"id": "no-file", "n": 2}, {"file_name": "b.wav", "id": "b"}]
    (folder / "metadata.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    (tmp_path / "t.yaml").write_text("")
    task = load_task("harvard_asr")
    task = task.model_copy(update={"source_file": str(tmp_path / "t.yaml"),
                                   "dataset": task.dataset.model_copy(update={"data_dir": "clips"})})
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "datasets", None)  # `import datasets` fails: the loader must not need it
        source = open_dataset(task)
        rows = [row for _, row in select_rows(source, 2).rows]
    assert [r["id"] for r in rows] == ["a", "no-file"] and rows[1]["n"] == 2
    assert rows[0]["audio"] == {"bytes": None, "path": str(folder / "a.wav")}
    _assert_same(task, monkeypatch)
    before = source.fingerprint
    (folder / "b.wav").write_bytes(b"RIFF-TWO")  # the same path, other bytes: other data
    assert open_dataset(task).fingerprint != before


def test_arrow_source_matches_a_dataset_cell_by_cell_nulls_included():
    features = {"id": {"dtype": "int64", "_type": "Value"}, "text": {"dtype": "string", "_type": "Value"},
                "score": {"dtype": "float64", "_type": "Value"}, "image": {"_type": "Image"},
                "tags": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "List"}}
    columns = {"id": [1, None, 3], "text": ["é", None, ""], "score": [0.1, 2.5, None],
               "image": [{"bytes": b"\x89PNG", "path": "x.png"}, None, {"bytes": None, "path": "gone.png"}],
               "tags": [["a", None], None, []]}

    def both(cols):
        new = arrow_source(cols, features, origin="loader:t", revision=None)
        old = datasets.Dataset.from_dict(cols, features=datasets.Features.from_dict(features))  # as easyvqa_caption's was
        assert new.table.schema.remove_metadata() == old.data.schema.remove_metadata()
        assert new.fingerprint == content_fingerprint(old)
        assert [row for _, row in new.rows] == list(old.to_iterable_dataset().decode(False))
        return new.fingerprint

    first = both(columns)
    assert both({**columns, "text": ["é", None, "x"]}) != first  # a plain cell
    assert both({**columns, "image": [{"bytes": b"\x89PNG!", "path": "x.png"}, *columns["image"][1:]]}) != first  # a media byte
    assert both({**columns, "tags": [["a", None], None, ["b"]]}) != first


def test_arrow_source_says_which_column_holds_a_wrong_value():
    with pytest.raises(TypeError, match="column 'n'.*str"):
        arrow_source({"n": [1, "2"]}, {"n": {"dtype": "int64", "_type": "Value"}}, origin="loader:t", revision=None)


def test_an_easyvqa_run_imports_neither_datasets_nor_pandas(tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from perf.test_cli_imports import _imported

    args = ["run", "-m", "baseline:constant", "-t", "easyvqa", "--limit", "2", "-o", str(tmp_path / "runs"),
            "--cache", str(tmp_path / "c.sqlite"), "--no-progress"]
    assert _imported(("datasets", "pandas"), *args) == []
    [run] = (tmp_path / "runs").iterdir()
    samples = [json.loads(line) for line in (run / "samples" / "easyvqa.jsonl").read_text().splitlines()]
    assert sorted(s["id"] for s in samples) == ["test-0", "test-4836"]
