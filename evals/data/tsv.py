"""VLMEvalKit's benchmark files: one TSV a data set, images base64-encoded in its ``image`` column.

Read as VLMEvalKit reads them (open-compass/VLMEvalKit at commit e8e78f05f3080fe28154f2130321f17951c3be94):
``vlmeval/smp/file.py`` ``load`` is ``pandas.read_csv(f, sep='\\t')``, so a cell that pandas reads as missing
(``""``, ``"nan"``, ``"NA"``, ``"None"``, ``"null"``, ... its default ``na_values``, quoted or not) is None here;
``vlmeval/dataset/image_base.py`` ``ImageBaseDataset.__init__`` drops rows whose ``image`` is missing
(``skip_noimg``) and takes an ``image`` cell of 64 characters or fewer as the ``index`` of another row whose cell
holds the image ("for saving space": MMBench's circular copies point at their question's first row this way);
``vlmeval/dataset/image_mcq.py`` ``evaluate_heuristic`` names columns in lower case except the option letters
``A``-``Z``, as here. Every other cell is text as the file has it (pandas' numeric columns are not imitated).

The file is read twice and never held: a first pass counts the rows, notes where each row holding an image starts
and counts the rows that point at it; the rows then stream, each image decoded from base64 as its row is yielded. An
image other rows point at is kept (up to ``SHARED_IMAGE_BUDGET`` bytes in all) until the last of them has had it;
past the budget, a row that points at another reads that row's cell again from its offset. A cell that is not base64, points at no image row
or decodes to more than ``media.ARCHIVE_MEMBER_LIMITS["image"]`` bytes is that sample's media error.

Several images a row (VLMEvalKit's ``_MI`` files: MMT-Bench_VAL_MI): the cell is a Python list literal of base64 strings,
which ``ImageBaseDataset.__init__`` reads with ``toliststr`` (vlmeval/smp/misc.py; a list of one is that one image) and
``dump_image`` writes out in order as ``{index}_0.png``, ``{index}_1.png``, ... (vlmeval/dataset/image_base.py).
A task that names columns ``image_1`` .. ``image_K`` the file lacks (``fields.image``) gets them here: the row's images in
the cell's order, None past its last (a row with more than K images is that row's error). A task that reads ``image``
alone gets a list of several images as that sample's media error. The list is read with ``ast.literal_eval`` (VLMEvalKit
``eval``s it): anything but a list of strings is the sample's media error.
"""

from __future__ import annotations

import ast
import base64
import binascii
import csv
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator

from evals.data.source import error_row
from evals.errors import DataError

NA_STRINGS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
                        "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
"""pandas' default ``na_values`` (``pandas._libs.parsers.STR_NA_VALUES``): the cells ``read_csv`` makes NaN."""
IMAGE_REFERENCE_CHARS = 64
"""An ``image`` cell this long or shorter is another row's ``index`` (VLMEvalKit's ``len(image_map[k]) <= 64``)."""
SHARED_IMAGE_BUDGET = 128 << 20
"""Decoded images kept for the rows that point at them (MMBench dev's 1.2k questions: about a 100 MB)."""
IMAGE_SLOT = re.compile(r"image_([1-9][0-9]*)")
"""A column ``image_N`` a task names and the file lacks: the row's N-th image (its ``image`` cell holding a list)."""
_FIELD_LIMIT = 96 << 20  # a base64 cell of a 64 MiB image, and some; csv's default limit (128 KiB) is below many images


def column_name(name: str) -> str:
    """A column's name as VLMEvalKit's evaluator reads it: lower case, except the option letters ``A``-``Z``."""
    return name if name in string.ascii_uppercase else name.lower()


def _cell(value: str) -> str | None:
    return None if value in NA_STRINGS else value


class _Records:
    """The records of a TSV opened in binary, with the byte offset at which each begins (csv reads no further ahead
    than the record it returns, so the offset after one record is where the next begins)."""

    def __init__(self, handle: IO[bytes], where: str) -> None:
        self.handle, self.where, self.offset, self.line = handle, where, handle.tell(), 0
        self._reader = csv.reader(self._lines(), delimiter="\t", quotechar='"', doublequote=True, strict=False)

    def _lines(self) -> Iterator[str]:
        while True:
            raw = self.handle.readline()
            if not raw:
                return
            self.offset += len(raw)
            self.line += 1
            try:
                yield raw.decode("utf-8-sig" if self.line == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raise DataError(f"{self.where}: line {self.line} is not UTF-8: {e}") from None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        start = self.offset
        while True:
            try:
                values = next(self._reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise DataError(f"{self.where}: line {self.line}: {e}") from None
            if values:  # pandas skips blank lines
                yield start, values
            start = self.offset


@dataclass
class TsvTable:
    """What the first pass over a VLMEvalKit TSV learnt: its columns, rows and where each image row begins."""

    path: Path
    columns: list[str]
    num_rows: int
    image_column: str | None
    image_rows: dict[str, int] = field(default_factory=dict)
    """``index`` -> byte offset of a row whose ``image`` cell holds an image (not a reference)."""
    pointers: dict[str, int] = field(default_factory=dict)
    """``index`` -> how many rows name it in their ``image`` cell."""
    image_slots: int = 0
    """K when the task reads ``image_1`` .. ``image_K`` and the file has no such columns: each row gets its images there,
    in order (``columns`` stays the file's)."""

    @classmethod
    def scan(cls, path: Path, required: list[str]) -> "TsvTable":
        """Read the header and count the rows; a ``required`` column the file lacks is a ``DataError`` naming both."""
        csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
        try:
            handle = open(path, "rb")
        except OSError as e:
            raise DataError(f"cannot read {path}: {e.strerror}") from None
        with handle:
            records = iter(_Records(handle, path.name))
            header = next(records, None)
            if header is None:
                raise DataError(f"{path.name}: the file is empty (no header line)")
            columns = [column_name(c) for c in header[1]]
            repeated = sorted({c for c in columns if columns.count(c) > 1})
            if repeated:
                raise DataError(f"{path.name}: column(s) {', '.join(map(repr, repeated))} appear twice (names are read in lower case)")
            slots = [int(m.group(1)) for c in required if c not in columns and (m := IMAGE_SLOT.fullmatch(c))] if "image" in columns else []
            slot_count = max(slots, default=0)
            columns_read = columns + [f"image_{k}" for k in range(1, slot_count + 1) if f"image_{k}" not in columns]
            missing = [c for c in dict.fromkeys(["index", *required]) if c not in columns_read]
            if missing:
                raise DataError(f"{path.name}: no column {missing[0]!r}, which the task reads; the file's columns: {', '.join(columns)}")
            image = columns.index("image") if "image" in columns else None
            index = columns.index("index")
            table = cls(path, columns, 0, "image" if image is not None else None, image_slots=slot_count)
            for offset, values in records:
                cell = _cell(values[image]) if image is not None and image < len(values) else None
                if image is not None and cell is None:
                    continue  # VLMEvalKit drops rows without an image (skip_noimg)
                table.num_rows += 1
                if cell is not None and len(cell) > IMAGE_REFERENCE_CHARS and index < len(values):
                    table.image_rows.setdefault(values[index], offset)
                elif cell is not None:
                    table.pointers[cell] = table.pointers.get(cell, 0) + 1
        return table

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """The rows (numbered from 0, rows without an image left out), each image a ``{bytes, path}`` struct (a list of
        them for a list cell), spread over ``image_1`` .. ``image_K`` when the task reads those."""
        from evals.data.media import ARCHIVE_MEMBER_LIMITS, MISSING_MEDIA

        limit = ARCHIVE_MEMBER_LIMITS["image"]
        name = self.path.name
        index_column = self.columns.index("index")
        shared: dict[str, Any] = {}  # decoded images rows still to come point at
        left = dict(self.pointers)
        budget = SHARED_IMAGE_BUDGET

        def missing(why: str) -> dict[str, Any]:
            return {"bytes": None, "path": f"{MISSING_MEDIA[0]}{why}{MISSING_MEDIA[1]}"}

        def decode(text: str, where: str) -> dict[str, Any] | list[dict[str, Any]]:
            """One image, or a list cell's images in order (a list of one is that image, as ``toliststr`` reads it)."""
            if not (text.startswith("[") and text.endswith("]")):
                return decode_one(text, where)
            try:
                items = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                items = None
            if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
                return missing(f"{name}: {where} is neither base64 nor a list of base64 strings")
            if len(items) == 1:
                return decode_one(items[0], where)
            if not self.image_slots:
                return missing(f"{name}: {where} holds a list of images ({len(items)}); this task reads one image a row "
                               f"(fields.image naming image_1 .. image_K reads each)")
            return [decode_one(x, f"image {k} of {where}") for k, x in enumerate(items, 1)]

        def decode_one(text: str, where: str) -> dict[str, Any]:
            if len(text) * 3 // 4 > limit:
                return missing(f"{name}: {where} is over the limit of {limit >> 20} MiB for an image")
            try:
                data = base64.b64decode(text)
            except (binascii.Error, ValueError) as e:
                return missing(f"{name}: {where} is not base64: {e}")
            return {"bytes": data, "path": None} if data else missing(f"{name}: {where} decodes to nothing")

        def size_of(cell: dict[str, Any] | list[dict[str, Any]]) -> int:
            return sum(len(c["bytes"] or b"") for c in (cell if isinstance(cell, list) else [cell]))

        def keep(key: str, cell: dict[str, Any] | list[dict[str, Any]]) -> None:
            nonlocal budget
            size = size_of(cell)
            if left.get(key) and key not in shared and size <= budget:
                shared[key], budget = cell, budget - size

        def image_of(key: str, reader: IO[bytes]) -> dict[str, Any] | list[dict[str, Any]]:
            nonlocal budget
            cell = shared.get(key)
            if cell is None:
                offset = self.image_rows.get(key)
                if offset is None:
                    return missing(f"{name}: the image is that of row index {key}, which holds no image")
                reader.seek(offset)
                _, values = next(iter(_Records(reader, name)))
                cell = decode(values[self.columns.index("image")], f"the image of row index {key}")
                keep(key, cell)
            left[key] = left.get(key, 1) - 1
            if not left[key] and key in shared:  # the last row that points at it
                budget += size_of(shared.pop(key))
            return cell

        with open(self.path, "rb") as handle, open(self.path, "rb") as reader:
            records = iter(_Records(handle, name))
            next(records)  # the header
            i = 0
            for _, values in records:
                row = dict(zip(self.columns, map(_cell, values)))
                cell = row.get("image") if self.image_column else None
                if self.image_column and cell is None:
                    continue
                if len(values) > len(self.columns):  # pandas stops at such a line; here it is that row's error
                    yield i, error_row(f"{name}: a row of index {values[0]!r} has {len(values)} cells, the header {len(self.columns)}")
                    i += 1
                    continue
                for column in self.columns[len(values):]:  # a short line: the rest missing, as pandas reads it
                    row[column] = None
                if cell is not None and len(cell) <= IMAGE_REFERENCE_CHARS:
                    row["image"] = image_of(cell, reader)
                elif cell is not None:
                    index = values[index_column] if index_column < len(values) else ""
                    row["image"] = decode(cell, f"the image of row index {index}")
                    keep(index, row["image"])
                if self.image_slots:
                    images = row["image"] if isinstance(row["image"], list) else [row["image"]]
                    if len(images) > self.image_slots:
                        yield i, error_row(f"{name}: the row of index {row.get('index')!r} holds {len(images)} images; the task places "
                                           f"{self.image_slots} (image_1 .. image_{self.image_slots})")
                        i += 1
                        continue
                    row.update({f"image_{k}": images[k - 1] if k <= len(images) else None for k in range(1, self.image_slots + 1)})
                yield i, row
                i += 1
