"""``open_dataset``: a task's rows from a named loader, a builder directory, a mirror or the Hub."""

from __future__ import annotations

from pathlib import Path

from evals.data.loaders import LOADERS
from evals.data.source import RowSource, content_fingerprint, from_stream, hf_datasets, open_files
from evals.hashing import stable_hash
from evals.spec.task import TaskSpec


def open_dataset(spec: TaskSpec, data_dir: str | Path | None = None) -> RowSource:
    """Stream the rows of ``spec``'s split; media columns stay encoded.

    With ``data_dir``, a Hub id ``org/name`` is read from ``data_dir/org/name``
    (the same files as the Hub repo) and nothing is fetched.
    """
    ds_spec = spec.dataset
    if not ds_spec.loader:
        return open_files(spec, data_dir)
    ds = LOADERS.get(ds_spec.loader)(spec, Path(data_dir) if data_dir is not None else None)
    if isinstance(ds, RowSource):  # loaders that join or group rows, or hold them in memory (arrow_source), build their own
        return ds
    datasets = hf_datasets()
    num_rows = len(ds) if isinstance(ds, datasets.Dataset) else None
    fingerprint = content_fingerprint(ds) if isinstance(ds, datasets.Dataset) else stable_hash([ds_spec.loader, ds_spec.split])
    stream = ds.to_iterable_dataset() if isinstance(ds, datasets.Dataset) else ds
    reuse_key = fingerprint if isinstance(ds, datasets.Dataset) else None  # a full-content hash
    return from_stream(stream, table=ds if isinstance(ds, datasets.Dataset) else None, num_rows=num_rows, fingerprint=fingerprint,
                       origin=f"loader:{ds_spec.loader}", revision=ds_spec.revision, reuse_key=reuse_key)
