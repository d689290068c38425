"""Opening a task's rows: Hub id, local mirror, builder directory or named loader.

Rows are streamed (memory does not grow with the data set) with media left
encoded (``decode=False``): ``evals.media`` decodes them later, in the
prefetch worker. Nothing here goes through the Arrow cache of local
directories, which `datasets` keys by directory *name* and file patterns: a
second mirror of the same repo would otherwise silently return the first
one's rows. The data fingerprint is computed from the files themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import datasets

from evals.errors import DataError
from evals.hashing import stable_hash
from evals.spec import TaskSpec


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


def mirror_path(spec: TaskSpec, data_dir: str | Path) -> Path:
    return Path(data_dir) / spec.dataset.path


def _files_identity(files: list[str]) -> list[tuple[str, int, int]]:
    out = []
    for f in files:
        try:
            st = os.stat(f)
            out.append((f, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((f, -1, -1))
    return out


def _parquet_rows(files: list[str]) -> int | None:
    if not files or not all(f.endswith(".parquet") and os.path.exists(f) for f in files):
        return None
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def _split_files(builder: datasets.DatasetBuilder, split: str) -> list[str]:
    data_files = builder.config.data_files or {}
    files = data_files.get(split)
    return [str(f) for f in files] if files else []


def _open_builder(spec: TaskSpec, local: Path | None, data_dir: Path | None) -> tuple[datasets.IterableDataset, list[str], int | None]:
    ds_spec = spec.dataset
    kwargs: dict[str, Any] = {}
    if data_dir is not None:
        kwargs["data_dir"] = str(data_dir)
    if ds_spec.data_files:
        kwargs["data_files"] = ds_spec.data_files
    path = str(local) if local is not None else ds_spec.path
    if local is None and data_dir is None:
        kwargs["revision"] = ds_spec.revision
    builder = datasets.load_dataset_builder(path, ds_spec.name, **kwargs)
    files = _split_files(builder, ds_spec.split)
    if builder.config.data_files is not None and not files:
        known = ", ".join(builder.config.data_files) or "none"
        raise DataError(f"task {spec.name}: dataset {ds_spec.path} has no split {ds_spec.split!r} (splits: {known})")
    num_rows = None
    if builder.info.splits and ds_spec.split in builder.info.splits:
        num_rows = builder.info.splits[ds_spec.split].num_examples or None
    if num_rows is None and (local is not None or data_dir is not None):
        num_rows = _parquet_rows(files)
    stream = builder.as_streaming_dataset(split=ds_spec.split)
    return stream, files, num_rows


def _hub_error(spec: TaskSpec, err: Exception) -> DataError:
    text = str(err)
    ds = spec.dataset.path
    if spec.dataset.gated or "gated" in text.lower() or "401" in text or "403" in text:
        return DataError(
            f"task {spec.name}: dataset {ds} is gated: accept its terms on the Hub and set HF_TOKEN, "
            f"or mirror it with `omnieval data mirror {spec.name} --to DIR` and pass --data-dir DIR ({text.splitlines()[0][:200]})"
        )
    return DataError(
        f"task {spec.name}: could not load dataset {ds} (split {spec.dataset.split}): {text.splitlines()[0][:200] if text else type(err).__name__}; "
        f"offline? mirror it with `omnieval data mirror {spec.name} --to DIR` and pass --data-dir DIR"
    )


def open_dataset(spec: TaskSpec, data_dir: str | Path | None = None) -> RowSource:
    """Stream the rows of ``spec``'s split; media columns stay encoded.

    With ``data_dir``, a Hub id ``org/name`` is read from ``data_dir/org/name``
    (the same files as the Hub repo) and nothing is fetched.
    """
    ds_spec = spec.dataset
    revision = ds_spec.revision
    if ds_spec.loader:
        from evals.loaders import LOADERS

        ds = LOADERS.get(ds_spec.loader)(ds_spec, spec.base_dir)
        num_rows = len(ds) if isinstance(ds, datasets.Dataset) else None
        fingerprint = getattr(ds, "_fingerprint", None) or stable_hash([ds_spec.loader, ds_spec.split])
        origin = f"loader:{ds_spec.loader}"
        stream = ds.to_iterable_dataset() if isinstance(ds, datasets.Dataset) else ds
        files: list[str] = []
    else:
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
        try:
            stream, files, num_rows = _open_builder(spec, local, builder_dir)
        except DataError:
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
        identity = _files_identity(files) if (local is not None or builder_dir is not None) else files
        fingerprint = stable_hash({"files": identity, "revision": revision, "config": ds_spec.name, "split": ds_spec.split})

    stream = stream.decode(False)
    columns = list(stream.features) if stream.features else []
    return RowSource(
        rows=enumerate(stream),
        num_rows=num_rows,
        fingerprint=fingerprint,
        origin=origin,
        revision=revision,
        columns=columns,
    )


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
        return RowSource(rows, limit, source.fingerprint, source.origin, source.revision, f"first {limit} (size unknown)", source.columns)
    total = source.num_rows
    wanted = {(i * total) // limit for i in range(limit)}
    last = max(wanted)

    def picked() -> Iterator[tuple[int, dict[str, Any]]]:
        for index, row in source.rows:
            if index in wanted:
                yield index, row
            if index >= last:
                return

    return RowSource(picked(), limit, source.fingerprint, source.origin, source.revision, f"{limit} of {total}, evenly spaced", source.columns)
