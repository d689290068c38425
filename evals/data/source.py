"""Opening a task's rows: Hub id, local mirror, builder directory or named loader.

Rows are streamed (memory does not grow with the data set) with media left
encoded (``decode=False``): ``evals.data.media`` decodes them later, in the
prefetch worker. Nothing here goes through the Arrow cache of local
directories, which `datasets` keys by directory *name* and file patterns: a
second mirror of the same repo would otherwise silently return the first
one's rows. The data fingerprint is computed from the files themselves.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from evals.data.patterns import default_patterns, readme_patterns
from evals.errors import DataError, SpecError
from evals.hashing import stable_hash
from evals.hub import ensure_hub_or_offline, unreachable_reason
from evals.spec.task import TaskSpec

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

_EDGE = 1 << 16


_TORCH_OUT = False


def keep_torch_out_of_datasets() -> None:
    """For the ``omnieval`` process: `datasets`' streaming dataset imports torch (1-2 s) only to share its epoch with
    DataLoader workers, which omnieval never uses; a fully cached run then needs no torch at all.

    Process-wide, so only the CLI calls it: a library user may want `datasets`' torch formatting.
    """
    global _TORCH_OUT
    _TORCH_OUT = True
    if "datasets" in sys.modules:
        sys.modules["datasets"].config.TORCH_AVAILABLE = False


def hf_datasets():  # noqa: ANN201 - the module
    """`datasets`, imported on first use: 0.5 s of imports that a run over parquet mirrors never needs."""
    import datasets

    if _TORCH_OUT:
        datasets.config.TORCH_AVAILABLE = False
    return datasets


ROW_ERROR = "__row_error__"
"""The key of a row a loader could not read (a line that is not JSON, an entry of the wrong shape): the planner
makes that row's sample an error saying why, and the task goes on."""


def error_row(why: str) -> dict[str, Any]:
    """A stand-in for an unreadable row: that sample's error, ``why``."""
    return {ROW_ERROR: why}


@dataclass
class RowSource:
    """The rows of one task, with what identifies the data they came from."""

    rows: Iterator[tuple[int, dict[str, Any]]]
    num_rows: int | None
    fingerprint: str
    origin: str
    revision: str | None
    selection: str = "all"
    columns: list[str] = field(default_factory=list)
    table: datasets.Dataset | pa.Table | None = None
    """Set for in-memory/Arrow data: ``select_rows`` then picks rows by index instead of streaming past them."""
    reuse_key: str | None = None
    """Changes whenever the rows could have changed (paths, sizes, mtimes): lets a re-run reuse a stored plan."""


def mirror_path(spec: TaskSpec, data_dir: str | Path) -> Path:
    return Path(data_dir) / spec.dataset.path


def _files_identity(files: list[str]) -> list[tuple[str, int, str]]:
    """What identifies data files across machines: relative name, size, and a hash of head and tail.

    Not the absolute path or mtime (the same mirror elsewhere must give the same
    task hash) and not a full read (mirrors can be many GB). A parquet file's
    tail is its footer: schema, row groups and column statistics.
    """
    if not files:
        return []
    root = os.path.commonpath([os.path.dirname(f) for f in files])
    out = []
    for f in files:
        try:
            size = os.path.getsize(f)
            h = hashlib.sha256()
            with open(f, "rb") as fh:
                h.update(fh.read(_EDGE))
                if size > 2 * _EDGE:
                    fh.seek(size - _EDGE)
                h.update(fh.read(_EDGE))
            out.append((os.path.relpath(f, root), size, h.hexdigest()[:16]))
        except OSError:
            out.append((os.path.basename(f), -1, ""))
    return out


def content_fingerprint(ds: datasets.Dataset, base_dir: Path | None = None) -> str:
    """A fingerprint of an in-memory Dataset's content, media files by their bytes rather than their paths.

    Remembered on the object: a loader that caches its Dataset is hashed once per process. ``arrow_source``
    gives a table of the same content the same fingerprint.
    """
    known = ds.__dict__.get("_omnieval_content_fingerprint")
    if known is not None:
        return known
    ds.__dict__["_omnieval_content_fingerprint"] = fingerprint = _content_fingerprint(ds)
    return fingerprint


def _content_fingerprint(ds: datasets.Dataset) -> str:
    datasets = hf_datasets()
    media = [name for name, feat in ds.features.items() if isinstance(feat, (datasets.Image, datasets.Audio))]
    plain = ds.remove_columns(media) if media else ds  # `datasets` rewrites the schema metadata to the features left
    return _table_fingerprint(plain.data, [ds.data.column(name) for name in media])


def _table_fingerprint(plain: Any, media: list[pa.ChunkedArray]) -> str:
    """The content hash of a table: its ``plain`` (non-media) columns (a pyarrow or `datasets` Table) as Arrow IPC bytes,
    schema metadata included, then each ``media`` column's cells by the bytes they carry or else the file their path names."""
    h = hashlib.sha256()
    for batch in plain.to_batches():
        h.update(pa_serialize(batch))
    file_digests: dict[str, bytes] = {}
    for column in media:
        for cell in column.to_pylist():
            if cell and cell.get("bytes"):
                h.update(hashlib.sha256(cell["bytes"]).digest())
            elif cell and cell.get("path"):
                path = cell["path"]
                if path not in file_digests:  # questions share images: read each file once
                    try:
                        file_digests[path] = hashlib.sha256(Path(path).read_bytes()).digest()
                    except OSError:
                        file_digests[path] = b"missing:" + os.path.basename(path).encode()
                h.update(file_digests[path])
    return h.hexdigest()[:16]


_MEDIA_FEATURES = ("Image", "Audio")
_FIXED_WIDTH = {"int64": "q", "int32": "i", "float64": "d", "float32": "f"}
"""`array` type codes of the fixed-width ``Value`` dtypes ``arrow_source`` builds."""


def _arrow_array(values: list, feature: dict[str, Any]) -> pa.Array:
    """``values`` as the Arrow array `datasets` makes of them for ``feature`` (a ``Features.to_dict()`` entry).

    Built from buffers: ``pa.array`` imports pandas (0.35 s) on its first call, only to ask whether the list is a
    pandas object. Media are ``{bytes, path}`` structs; a None value is null.
    """
    import pyarrow as pa

    present = [v for v in values if v is not None]
    validity = None
    if len(present) < len(values):
        bits = bytearray((len(values) + 7) // 8)
        for i, v in enumerate(values):
            if v is not None:
                bits[i >> 3] |= 1 << (i & 7)
        validity = pa.py_buffer(bits)
    kind, dtype = feature.get("_type"), feature.get("dtype")
    if kind in _MEDIA_FEATURES:
        children = [_arrow_array([v.get(key) if v is not None else None for v in values], {"_type": "Value", "dtype": cell_type})
                    for key, cell_type in (("bytes", "binary"), ("path", "string"))]
        media_type = pa.struct([pa.field("bytes", pa.binary()), pa.field("path", pa.string())])
        return pa.Array.from_buffers(media_type, len(values), [validity], children=children)
    if kind in ("List", "Sequence") and feature.get("length", -1) == -1:
        child = _arrow_array([x for v in present for x in v], feature["feature"])
        return pa.Array.from_buffers(pa.list_(child.type), len(values), [validity, _offsets(values)], children=[child])
    if kind == "Value" and dtype in ("string", "binary"):
        wanted = str if dtype == "string" else bytes
        if not all(isinstance(v, wanted) for v in present):
            wrong = next(v for v in present if not isinstance(v, wanted))
            raise TypeError(f"expected {wanted.__name__} values, got {type(wrong).__name__} {wrong!r:.60}")
        cells = [v.encode() if isinstance(v, str) else v for v in values]
        data = pa.py_buffer(b"".join(c for c in cells if c is not None))
        return pa.Array.from_buffers(pa.type_for_alias(dtype), len(values), [validity, _offsets(cells), data])
    if kind == "Value" and dtype in _FIXED_WIDTH:
        cells = array(_FIXED_WIDTH[dtype], [0 if v is None else v for v in values])  # a str, or a float as an int: TypeError
        return pa.Array.from_buffers(pa.type_for_alias(dtype), len(values), [validity, pa.py_buffer(cells)])
    raise ValueError(f"arrow_source builds no Arrow array for the feature {feature}")


def _offsets(cells: list) -> pa.Buffer:
    """The int32 offsets of variable-length ``cells`` (a None is empty); past 2 GiB in all, an OverflowError."""
    import pyarrow as pa

    return pa.py_buffer(array("i", accumulate((len(c) if c is not None else 0 for c in cells), initial=0)))


def arrow_source(columns: dict[str, list], features: dict[str, dict[str, Any]], *, origin: str,
                 revision: str | None) -> RowSource:
    """The rows of in-memory ``columns`` read through pyarrow alone, as a `datasets.Dataset` of these ``features`` would give them.

    ``features`` is what ``datasets.Features.to_dict()`` writes (``{"image": {"_type": "Image"}, "id": {"dtype":
    "int64", "_type": "Value"}}``), in column order. The rows, media cells as ``{bytes, path}``, and the fingerprint
    are those of that Dataset's path (``content_fingerprint``): stored results keep matching, and `datasets`
    (0.8 s of imports with pandas) stays out of the process.
    """
    import pyarrow as pa

    if list(columns) != list(features):
        raise ValueError(f"arrow_source: columns {list(columns)} and features {list(features)} differ")
    arrays = {}
    for name, values in columns.items():
        try:
            arrays[name] = _arrow_array(values, features[name])
        except (TypeError, OverflowError) as e:
            raise TypeError(f"arrow_source: column {name!r}: {e}") from None
    table = pa.Table.from_arrays(list(arrays.values()), names=list(arrays))
    media = [name for name, feature in features.items() if feature.get("_type") in _MEDIA_FEATURES]
    # The schema metadata `datasets` writes, and rewrites to the columns left once the media are removed: it is hashed.
    left = {name: feature for name, feature in features.items() if name not in media}
    plain = table.drop_columns(media).replace_schema_metadata({"huggingface": json.dumps({"info": {"features": left}})})
    fingerprint = _table_fingerprint(plain, [table.column(name) for name in media])
    rows = enumerate(row for batch in table.to_batches(max_chunksize=256) for row in batch.to_pylist())
    return RowSource(rows=rows, num_rows=table.num_rows, fingerprint=fingerprint, origin=origin, revision=revision,
                     columns=list(features), table=table, reuse_key=fingerprint)


def pa_serialize(batch) -> bytes:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _parquet_rows(files: list[str]) -> int | None:
    if not files or not all(f.endswith(".parquet") and os.path.exists(f) for f in files):
        return None
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def _split_files(builder: datasets.DatasetBuilder, split: str) -> list[str]:
    data_files = builder.config.data_files or {}
    files = data_files.get(split)
    return [str(f) for f in files] if files else []


def _open_builder(spec: TaskSpec, local: Path | None, data_dir: Path | None,
                  mirror_files: tuple[str, list[str]] | None = None) -> tuple[datasets.IterableDataset, list[str], int | None]:
    """``datasets``' builder over a Hub repo, a mirror (``mirror_files``: its packaged builder and files, when known) or a builder dir."""
    ds_spec = spec.dataset
    kwargs: dict[str, Any] = {}
    if data_dir is not None:
        kwargs["data_dir"] = str(data_dir)
    if ds_spec.data_files:
        kwargs["data_files"] = ds_spec.data_files
    path = str(local) if local is not None else ds_spec.path
    name = ds_spec.name
    if local is None and data_dir is None:
        kwargs["revision"] = ds_spec.revision
        ensure_hub_or_offline()
    if local is not None and not ds_spec.data_files:
        # Read the split's own files with the packaged file builder: a mirror holds only the
        # splits its tasks need, while the card's `configs:` lists them all, which the
        # repo-level builder refuses ("Couldn't infer the same data file format for all splits").
        path, files = mirror_files or _mirror_split_files(spec, local)
        name = None
        kwargs["data_files"] = {ds_spec.split: files}
    builder = hf_datasets().load_dataset_builder(path, name, **kwargs)
    files = _split_files(builder, ds_spec.split)
    if builder.config.data_files is not None and not files:
        from evals.names import did_you_mean

        known = list(builder.config.data_files)
        where = f" ({spec.source_file})" if spec.source_file else ""
        # The task asks for what the data does not have: a bad task file (exit 2), not unavailable data.
        raise SpecError(f"task {spec.name}{where}: dataset.split {ds_spec.split!r} is not a split of {ds_spec.path}"
                        f"{did_you_mean(ds_spec.split, known)}; its splits: {', '.join(known) or 'none'}")
    num_rows = None
    if builder.info.splits and ds_spec.split in builder.info.splits:
        num_rows = builder.info.splits[ds_spec.split].num_examples or None
    if num_rows is None and (local is not None or data_dir is not None):
        num_rows = _parquet_rows(files)
    stream = builder.as_streaming_dataset(split=ds_spec.split)
    return stream, files, num_rows


_FILE_BUILDERS = {".parquet": "parquet", ".arrow": "arrow", ".jsonl": "json", ".json": "json", ".csv": "csv"}


def _mirror_split_files(spec: TaskSpec, local: Path) -> tuple[str, list[str]]:
    """The packaged builder and files of ``spec``'s config/split inside mirror ``local``.

    Files are those the dataset card's ``configs:`` patterns give the config and
    split, else the usual parquet layouts; a missing file is a DataError that
    says how to refill the mirror.
    """
    ds = spec.dataset
    readme = local / "README.md"
    patterns = readme_patterns(readme.read_text(errors="replace"), ds.name, ds.split) if readme.is_file() else None
    patterns = patterns or default_patterns(ds.name, ds.split)
    files = sorted({str(p) for pat in patterns for p in local.glob(pat) if p.is_file() and p.suffix in _FILE_BUILDERS})
    if not files:
        raise DataError(
            f"task {spec.name}: mirror {local} of {ds.path} lacks files for config {ds.name or 'default'} split {ds.split} "
            f"(looked for {', '.join(patterns[:3])}{', ...' if len(patterns) > 3 else ''}); re-run `omnieval data mirror {spec.name} --to {local.parents[len(Path(ds.path).parts) - 1]}`"
        )
    kinds = {_FILE_BUILDERS[Path(f).suffix] for f in files}
    if len(kinds) > 1:
        raise DataError(f"task {spec.name}: mirror {local} mixes file formats for split {ds.split}: {sorted(kinds)}")
    return kinds.pop(), files


def _hub_error(spec: TaskSpec, err: Exception) -> DataError:
    text = str(err)
    ds = spec.dataset.path
    offline = unreachable_reason()
    from evals.spec.catalog import is_gated

    if spec.dataset.gated or is_gated(ds) or (offline is None and ("gated" in text.lower() or "401" in text or "403" in text)):
        return DataError(
            f"task {spec.name}: dataset {ds} is gated: accept its terms on the Hub and set HF_TOKEN, "
            f"or mirror it with `omnieval data mirror {spec.name} --to DIR` and pass --data-dir DIR ({offline or text.splitlines()[0][:200]})"
        )
    cause = offline or (text.splitlines()[0][:200] if text else type(err).__name__)
    return DataError(
        f"task {spec.name}: could not load dataset {ds} (split {spec.dataset.split}): {cause}; "
        f"offline? mirror it with `omnieval data mirror {spec.name} --to DIR` and pass --data-dir DIR"
    )


def open_files(spec: TaskSpec, data_dir: str | Path | None = None) -> RowSource:
    """Stream the rows of ``spec``'s split from a builder directory, a mirror or the Hub; media columns stay encoded.

    With ``data_dir``, a Hub id ``org/name`` is read from ``data_dir/org/name``
    (the same files as the Hub repo) and nothing is fetched.
    """
    ds_spec = spec.dataset
    revision = ds_spec.revision
    local: Path | None = None
    builder_dir: Path | None = None
    if ds_spec.data_dir:
        builder_dir = (spec.base_dir / ds_spec.data_dir).resolve()
        origin = f"local:{builder_dir}"
    elif data_dir is not None:
        local = mirror_path(spec, data_dir).resolve()
        if not local.is_dir():
            raise DataError(
                f"task {spec.name}: dataset {ds_spec.path} is not in the mirror {data_dir} (looked for {local}); "
                f"create it with `omnieval data mirror {spec.name} --to {data_dir}`"
            )
        origin = f"mirror:{local}"
    else:
        origin = f"hub:{ds_spec.path}@{revision or 'main'}"
    mirror_files = _mirror_split_files(spec, local) if local is not None and not ds_spec.data_files else None
    if mirror_files is not None and mirror_files[0] == "parquet":
        return _parquet_source(spec, local, mirror_files[1], origin=origin, revision=revision)  # type: ignore[arg-type]
    try:
        stream, files, num_rows = _open_builder(spec, local, builder_dir, mirror_files)
    except (DataError, SpecError):
        raise
    except FileNotFoundError as e:
        if local is not None:
            raise DataError(
                f"task {spec.name}: mirror {local} of {ds_spec.path} lacks files for config {ds_spec.name or 'default'} "
                f"split {ds_spec.split}: {str(e).splitlines()[0][:200]}; re-run `omnieval data mirror {spec.name} --to {data_dir}`"
            ) from None
        raise _hub_error(spec, e) from None
    except Exception as e:  # noqa: BLE001 - the Hub client raises many types; all mean "could not load"
        if local is not None or builder_dir is not None:
            raise DataError(f"task {spec.name}: could not read {local or builder_dir}: {str(e).splitlines()[0][:200]}") from None
        raise _hub_error(spec, e) from None
    if local is not None or builder_dir is not None:
        fingerprint, reuse_key = _local_identity(spec, files)
    else:
        fingerprint = stable_hash({"files": files, "revision": revision, "config": ds_spec.name, "split": ds_spec.split})
        reuse_key = fingerprint if revision else None  # an unpinned Hub repo may change under us
    return from_stream(stream, num_rows=num_rows, fingerprint=fingerprint, origin=origin, revision=revision, reuse_key=reuse_key)


def _local_identity(spec: TaskSpec, files: list[str]) -> tuple[str, str | None]:
    """(fingerprint, reuse key) of local files: the fingerprint from their content, the key also from paths and mtimes."""
    ds_spec = spec.dataset
    fingerprint = stable_hash({"files": _files_identity(files), "revision": ds_spec.revision, "config": ds_spec.name, "split": ds_spec.split})
    stats = [(f, os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files if os.path.exists(f)]
    return fingerprint, stable_hash([fingerprint, stats]) if len(stats) == len(files) else None


def _parquet_source(spec: TaskSpec, local: Path, files: list[str], *, origin: str, revision: str | None) -> RowSource:
    """A mirror's parquet files read with pyarrow alone.

    The rows are those of `datasets`' parquet builder with ``decode=False`` (media
    cells stay ``{bytes, path}``), without importing `datasets` (0.5 s) or building
    its builder (about 1 s on a 400-row mirror): fixed costs a short run notices.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # pre_buffer (pyarrow's default) keeps every range read from a file until the handle is dropped:
        # a 20,000-image mirror then held ~2 GB by the end of the run. Row group by row group, memory stays flat.
        handles = [(f, pq.ParquetFile(f, pre_buffer=False)) for f in files]
    except (OSError, pa.ArrowException) as e:
        raise DataError(f"task {spec.name}: could not read {local}: {str(e).splitlines()[0][:200]}") from None
    fingerprint, reuse_key = _local_identity(spec, files)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        index = 0
        for path, handle in handles:
            try:
                for group in range(handle.num_row_groups):
                    table = handle.read_row_group(group)
                    for start in range(0, table.num_rows, 256):  # a large group is converted a slice at a time
                        for row in table.slice(start, 256).to_pylist():
                            yield index, row
                            index += 1
                    del table
            except (OSError, pa.ArrowException) as e:
                raise DataError(f"task {spec.name}: could not read {path}: {str(e).splitlines()[0][:200]}") from None

    return RowSource(rows=rows(), num_rows=sum(h.metadata.num_rows for _, h in handles), fingerprint=fingerprint, origin=origin,
                     revision=revision, reuse_key=reuse_key, columns=list(handles[0][1].schema_arrow.names))


def from_stream(stream: Any, table: datasets.Dataset | None = None, **identity: Any) -> RowSource:
    """A ``RowSource`` over a `datasets` stream, media left encoded."""
    if stream.features is not None:  # plain JSON/CSV files have no declared features, and no media features to decode
        stream = stream.decode(False)
    columns = list(stream.features) if stream.features else []
    return RowSource(rows=enumerate(stream), columns=columns, table=table, **identity)


def select_rows(source: RowSource, limit: int | None) -> RowSource:
    """Keep ``limit`` rows spread evenly over the split (not the first N: some sets are sorted by length).

    Deterministic: the same data and limit always give the same rows.
    """
    if limit is None or (source.num_rows is not None and limit >= source.num_rows):
        return source
    if limit <= 0:
        raise DataError(f"--limit must be positive, got {limit}")
    if source.num_rows is None:
        rows = (r for r, _ in zip(source.rows, range(limit)))
        return replace(source, rows=rows, num_rows=limit, selection=f"first {limit} (size unknown)", table=None)
    total = source.num_rows
    wanted = {(i * total) // limit for i in range(limit)}
    last = max(wanted)
    selection = f"{limit} of {total}, evenly spaced"
    if source.table is not None:
        order = sorted(wanted)
        # Arrow batches straight to Python rows: media stay encoded, as with decode=False, at a third of the cost.
        if hasattr(source.table, "with_format"):  # a datasets.Dataset (a registered loader's own)
            picked = source.table.select(order).with_format("arrow").iter(batch_size=256)
        else:  # a pyarrow Table (arrow_source); indices as an Arrow array, as a list they would import pandas
            picked = source.table.take(_arrow_array(order, {"dtype": "int64", "_type": "Value"})).to_batches(max_chunksize=256)
        picked_rows = zip(order, (row for batch in picked for row in batch.to_pylist()))
        return replace(source, rows=picked_rows, num_rows=limit, selection=selection, table=None)

    def picked() -> Iterator[tuple[int, dict[str, Any]]]:
        for index, row in source.rows:
            if index in wanted:
                yield index, row
            if index >= last:
                return

    return replace(source, rows=picked(), num_rows=limit, selection=selection, table=None)
