"""VLMEvalKit TSVs whose image cell holds several images (evals/data/tsv.py; the ``_MI`` files such as MMT-Bench_VAL_MI).

VLMEvalKit (open-compass/VLMEvalKit e8e78f05f3080fe28154f2130321f17951c3be94) reads such a cell with ``toliststr``
(vlmeval/smp/misc.py: a Python list literal of base64 strings; a list of one is that one image) and ``dump_image``
(vlmeval/dataset/image_base.py) writes its images out in the list's order. Here a task that names ``image_1`` ..
``image_K`` gets them in that order; a task that reads ``image`` alone gets a list of several as that sample's error.
"""

from __future__ import annotations

import base64

import pandas as pd
import pytest
from make_fixtures import jpeg_bytes

import evals.data.tsv as tsv
from evals.data.media import MISSING_MEDIA
from evals.data.source import ROW_ERROR
from evals.data.tsv import TsvTable
from evals.errors import DataError

SLOTS = ["image_1", "image_2", "image_3"]


def b64(seed: int) -> str:
    return base64.b64encode(jpeg_bytes(seed)).decode()


def write(tmp_path, images: dict[int, str]):
    path = tmp_path / "X_MI.tsv"
    frame = pd.DataFrame([{"index": i, "question": f"q{i}", "image": cell, "answer": "A"} for i, cell in images.items()])
    frame.to_csv(path, sep="\t", index=False)
    return path


def rows(path, required):
    return {row.get("index", i): row for i, row in TsvTable.scan(path, required).rows()}


def why(cell) -> str | None:
    path = cell["path"] if isinstance(cell, dict) else None
    return path[len(MISSING_MEDIA[0]):-len(MISSING_MEDIA[1])] if path and path.startswith(MISSING_MEDIA[0]) else None


def test_image_slots_hold_a_list_cells_images_in_order_and_none_past_them(tmp_path):
    path = write(tmp_path, {0: b64(1), 1: str([b64(2)]), 2: str([b64(3), b64(4)]), 3: str([b64(5), b64(6), b64(7)])})
    got = rows(path, ["question", *SLOTS])
    assert [got["0"][s] and got["0"][s]["bytes"] for s in SLOTS] == [jpeg_bytes(1), None, None]
    assert [got["1"][s] and got["1"][s]["bytes"] for s in SLOTS] == [jpeg_bytes(2), None, None]  # a list of one: one image
    assert [got["2"][s] and got["2"][s]["bytes"] for s in SLOTS] == [jpeg_bytes(3), jpeg_bytes(4), None]
    assert [got["3"][s]["bytes"] for s in SLOTS] == [jpeg_bytes(5), jpeg_bytes(6), jpeg_bytes(7)]
    assert TsvTable.scan(path, SLOTS).columns == ["index", "question", "image", "answer"]  # the file's own columns


def test_a_task_reading_one_image_gets_a_list_of_several_as_the_samples_error_and_a_list_of_one_as_its_image(tmp_path):
    path = write(tmp_path, {0: str([b64(1)]), 1: str([b64(2), b64(3)])})
    got = rows(path, ["image"])
    assert got["0"]["image"] == {"bytes": jpeg_bytes(1), "path": None}
    assert "holds a list of images (2)" in why(got["1"]["image"]) and "image_1 .. image_K" in why(got["1"]["image"])


def test_more_images_than_the_task_places_is_that_rows_error(tmp_path):
    path = write(tmp_path, {0: str([b64(k) for k in range(4)]), 1: b64(9)})
    table = TsvTable.scan(path, SLOTS)
    got = [row for _, row in table.rows()]
    assert "holds 4 images; the task places 3 (image_1 .. image_3)" in got[0][ROW_ERROR]
    assert got[1]["image_1"]["bytes"] == jpeg_bytes(9)


@pytest.mark.parametrize("cell, expected", [
    ("[1, 2]", "is neither base64 nor a list of base64 strings"),
    ("['abc', ]]", "is neither base64 nor a list of base64 strings"),
    ("[]", "is neither base64 nor a list of base64 strings"),
    ("[__import__('os').getcwd()]", "is neither base64 nor a list of base64 strings"),  # a literal, never evaluated code
])
def test_a_cell_that_is_no_list_of_strings_is_the_samples_media_error(tmp_path, cell, expected):
    got = rows(write(tmp_path, {0: cell[0] + " " * 70 + cell[1:]}), SLOTS)  # longer than the 64 characters of an index reference
    assert got["0"]["image_2"] is None and expected in why(got["0"]["image_1"])


def test_an_image_of_the_list_that_is_not_base64_names_its_place(tmp_path):
    got = rows(write(tmp_path, {0: str([b64(1), "not base64!" * 10])}), SLOTS)
    assert got["0"]["image_1"]["bytes"] == jpeg_bytes(1)
    assert "image 2 of the image of row index 0 is not base64" in why(got["0"]["image_2"])


@pytest.mark.parametrize("budget", [tsv.SHARED_IMAGE_BUDGET, 0])
def test_a_row_naming_another_gets_its_images_whether_kept_or_read_again(tmp_path, monkeypatch, budget):
    monkeypatch.setattr(tsv, "SHARED_IMAGE_BUDGET", budget)
    got = rows(write(tmp_path, {0: str([b64(1), b64(2)]), 1: "0", 2: "0"}), SLOTS)
    for index in ("0", "1", "2"):
        assert [got[index][s] and got[index][s]["bytes"] for s in SLOTS] == [jpeg_bytes(1), jpeg_bytes(2), None]


def test_image_slots_need_the_image_column_and_start_at_one(tmp_path):
    path = tmp_path / "NOIMG.tsv"
    pd.DataFrame([{"index": 0, "question": "q"}]).to_csv(path, sep="\t", index=False)
    with pytest.raises(DataError, match="no column 'image_1'"):
        TsvTable.scan(path, ["image_1"])
    with pytest.raises(DataError, match="no column 'image_0'"):
        TsvTable.scan(write(tmp_path, {0: b64(1)}), ["image_0"])
