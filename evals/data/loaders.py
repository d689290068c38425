"""Named loaders for data sets that `datasets.load_dataset` cannot read from a Hub id alone.

Each returns a ``RowSource``, or a ``datasets.Dataset`` / ``IterableDataset``, whose
columns follow the public schema; media columns use the ``Image``/``Audio``
features (cells ``{bytes, path}``) so the same ``decode=False`` path handles them.
In-memory tables go through ``arrow_source``: pyarrow alone, no `datasets`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from evals.data.source import ROW_ERROR, RowSource, _files_identity, arrow_source, error_row, open_files
from evals.errors import DataError
from evals.hashing import bytes_hash, stable_hash
from evals.hub import ensure_hub_or_offline, unreachable_reason
from evals.registry import Registry
from evals.spec.task import TaskSpec

if TYPE_CHECKING:
    import datasets

Loader = Callable[[TaskSpec, "Path | None"], "datasets.Dataset | datasets.IterableDataset | RowSource"]
"""``loader(spec, data_dir)``: ``data_dir`` is the ``--data-dir`` mirror root, or None for the Hub."""
LOADERS: Registry[Loader] = Registry("loader")


def _easy_vqa_root() -> Path:
    try:
        import easy_vqa
    except ImportError as e:
        raise ImportError("the easyvqa tasks need the `easy-vqa` package: pip install easy-vqa") from e
    return Path(easy_vqa.__file__).parent / "data"


@lru_cache(maxsize=4)
def _easy_vqa_split(split: str) -> tuple[list[list], Path]:
    root = _easy_vqa_root() / split
    questions = json.loads((root / "questions.json").read_text())
    return questions, root / "images"


@lru_cache(maxsize=2)
def _easy_vqa_pngs(split: str) -> dict[int, bytes]:
    """Every image of a split by id (a few hundred KB). Cells carry the bytes: the planner reads media
    paths only inside the task's own folder, and these live in the easy-vqa package."""
    questions, image_dir = _easy_vqa_split(split)
    return {i: (image_dir / f"{i}.png").read_bytes() for i in sorted({int(q[2]) for q in questions})}


@LOADERS.register("easyvqa")
def load_easyvqa(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """The easy-VQA questions of one split (``train``/``test``), one row per question."""
    split = task.dataset.split
    questions, _ = _easy_vqa_split(split)
    pngs = _easy_vqa_pngs(split)
    columns = {
        "question_id": [f"{split}-{i}" for i in range(len(questions))],
        "question": [q[0] for q in questions],
        "answer": [q[1] for q in questions],
        "image_id": [int(q[2]) for q in questions],
        "image": [{"bytes": pngs[int(q[2])], "path": f"{q[2]}.png"} for q in questions],
    }
    features = {"question_id": _STRING, "question": _STRING, "answer": _STRING, "image_id": _INT64, "image": {"_type": "Image"}}
    return _loader_source(task, columns, features)


_STRING = {"dtype": "string", "_type": "Value"}
_INT64 = {"dtype": "int64", "_type": "Value"}


def _loader_source(task: TaskSpec, columns: dict[str, list], features: dict[str, dict[str, Any]]) -> RowSource:
    """A named loader's in-memory columns as the rows of ``task``: the origin and fingerprint a `datasets.Dataset` of them had."""
    return arrow_source(columns, features, origin=f"loader:{task.dataset.loader}", revision=task.dataset.revision)


def easyvqa_captions(split: str) -> dict[int, tuple[str, str]]:
    """The (colour, shape) of each easy-VQA image, read off its own questions."""
    questions, _ = _easy_vqa_split(split)
    shapes = {"circle", "rectangle", "triangle"}
    colour: dict[int, str] = {}
    shape: dict[int, str] = {}
    for text, answer, image_id in questions:
        if text.startswith("what is the color") or text.startswith("what color"):
            colour[image_id] = answer
        elif answer in shapes and text.startswith("what"):
            shape[image_id] = answer
    return {i: (colour[i], shape[i]) for i in sorted(set(colour) & set(shape))}


@LOADERS.register("easyvqa_caption")
def load_easyvqa_caption(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """One row per easy-VQA image, with reference captions made from its known colour and shape."""
    return _loader_source(task, easyvqa_caption_columns(task.dataset.split),
                          {"image_id": _INT64, "image": {"_type": "Image"}, "captions": {"feature": _STRING, "_type": "List"}})


def easyvqa_caption_columns(split: str) -> dict[str, list]:
    """The ``easyvqa_caption`` rows as columns: each image's id, its PNG cell, and five references."""
    pngs = _easy_vqa_pngs(split)
    known = easyvqa_captions(split)
    ids = list(known)
    refs = []
    for i in ids:
        c, s = known[i]
        article = "an" if c[0] in "aeiou" else "a"
        refs.append([f"{article} {c} {s}", f"a {s} that is {c}", f"{article} {c} {s} on a plain background",
                     f"a simple drawing of {article} {c} {s}", f"the image shows {article} {c} {s}"])
    return {"image_id": ids, "image": [{"bytes": pngs[i], "path": f"{i}.png"} for i in ids], "captions": refs}


@LOADERS.register("audio_index")
def load_audio_index(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """Audio files listed in ``<data_dir>/metadata.jsonl`` (the audiofolder layout: ``file_name`` + columns)."""
    spec = task.dataset
    root = (task.base_dir / (spec.data_dir or ".")).resolve()
    rows = [json.loads(line) for line in (root / "metadata.jsonl").read_text().splitlines() if line.strip()]
    if not rows:
        raise ValueError(f"{root / 'metadata.jsonl'} lists no files")
    # A line without file_name is that sample's media error, not the task's.
    columns: dict[str, list] = {"audio": [{"bytes": None, "path": str(root / r["file_name"])} if r.get("file_name")
                                          else _missing_media("metadata.jsonl line has no file_name") for r in rows]}
    features: dict[str, dict[str, Any]] = {"audio": {"_type": "Audio"}}
    for key in rows[0]:
        if key == "file_name":
            continue
        columns[key] = [r.get(key) for r in rows]
        features[key] = _INT64 if isinstance(rows[0][key], int) else _STRING
    return _loader_source(task, columns, features)


# --- Joins and groupings over Hub datasets -------------------------------------------------------
# These build a ``RowSource`` from one or more ordinary (mirrorable) parts, opened through
# ``evals.data.source.open_dataset`` so a part gets the same mirror lookup, errors and fingerprint.


def open_part(task: TaskSpec, data_dir: Path | None, **dataset: Any) -> RowSource:
    """Open a plain part of ``task``'s data: its own dataset entry with ``dataset`` overrides and no loader."""

    part = task.model_copy(update={"dataset": task.dataset.model_copy(update={"loader": None, **dataset})})
    return open_files(part, data_dir)


NOT_ON_THE_HUB = {
    "vlmevalkit_tsv": "{ds.name}.tsv is VLMEvalKit's file, not on the Hub: put it at DIR/{ds.path}/{ds.name}.tsv (VLMEvalKit "
                      "downloads it into $LMUData; the task's description says from where) and pass --data-dir DIR",
}
"""Loaders that read files the Hub does not hold: what to do instead, for ``omnieval data mirror``'s error and the loaders' own."""


def parts_of(task: TaskSpec) -> list[tuple[str, str | None, str]]:
    """Every ``(hub path, config, split)`` a task reads; what ``omnieval data mirror`` fetches."""
    ds = task.dataset
    if ds.loader == "gqa_join":
        return [(ds.path, ds.name, ds.split), (ds.path, gqa_images_config(ds.name), ds.split)]
    if ds.loader == "coco_karpathy":
        return [(ds.path, ds.name, ds.split), COCO_KARPATHY_IMAGES]
    if ds.loader == "fleurs_to_english":
        return [(ds.path, ds.name, ds.split), (ds.path, FLEURS_ENGLISH, ds.split)]
    if ds.loader == "fleurs_from_english":
        return [(ds.path, FLEURS_ENGLISH, ds.split), (ds.path, ds.name, ds.split)]
    if ds.loader == "fleurs_from_chinese":
        return [(ds.path, FLEURS_CHINESE, ds.split), (ds.path, ds.name, ds.split)]
    if ds.loader == "fleurs_to_chinese":
        return [(ds.path, ds.name, ds.split), (ds.path, FLEURS_CHINESE, ds.split)]
    if ds.loader == "dynamath_variants":
        return [(ds.path, ds.name, split) for split in DYNAMATH_VARIANTS]
    if ds.loader == "chunked_calls" and ds.path in CHUNKED_SETS:
        return [(ds.path, ds.name, ds.split), (CHUNKED_SETS[ds.path].parent, None, ds.split)]
    return [(ds.path, ds.name, ds.split)]


def _json_lines(lines: list[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number from 0, the line's object)`` of a JSON-lines file's non-blank ``lines``; a line that is not a JSON
    object is that row's error (``error_row``) naming ``name`` and the line."""
    for i, line in enumerate(lines):
        try:
            row = json.loads(line)
        except ValueError as e:
            yield i, error_row(f"{name} line {i + 1} is not JSON: {e}")
            continue
        yield i, row if isinstance(row, dict) else error_row(f"{name} line {i + 1} is not a JSON object")


def _missing_media(what: str) -> dict[str, Any]:
    # The planner turns it into this sample's media error, saying ``what``.
    from evals.data.media import MISSING_MEDIA

    return {"bytes": None, "path": f"{MISSING_MEDIA[0]}{what}{MISSING_MEDIA[1]}"}


def gqa_images_config(questions_config: str | None) -> str:
    """``testdev_balanced_instructions`` -> ``testdev_balanced_images`` (GQA keeps images in their own config)."""
    if not questions_config or "instructions" not in questions_config:
        raise ValueError(f"gqa_join: dataset.name must be a GQA *_instructions config, got {questions_config!r}")
    return questions_config.replace("instructions", "images")


@LOADERS.register("gqa_join")
def load_gqa_join(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """GQA questions (``*_instructions``) joined with their images (``*_images``, column ``id``) on ``imageId``.

    The images config is small (398 images for testdev) and is held in memory;
    questions stream. A question whose image is absent becomes a per-sample error.
    """

    questions = open_part(task, data_dir)
    images_config = gqa_images_config(task.dataset.name)
    images = open_part(task, data_dir, name=images_config)
    index = {str(row["id"]): row["image"] for _, row in images.rows}

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in questions.rows:
            image = index.get(str(row["imageId"])) or _missing_media(f"image {row['imageId']} not in {images_config}")
            yield i, {**row, "image": image}

    return RowSource(
        rows(), questions.num_rows, stable_hash([questions.fingerprint, images.fingerprint]),
        f"{questions.origin} joined with {images_config}", questions.revision, columns=[*questions.columns, "image"],
    )


COCO_KARPATHY_IMAGES = ("lmms-lab-encoder/COCO-Caption", None, "val")
"""Where the images of the Karpathy COCO test split live: the COCO 2014 val images, keyed by file name."""


@LOADERS.register("coco_karpathy")
def load_coco_karpathy(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """Karpathy-split COCO captions (text only: ``filename``, ``sentences``) joined with COCO 2014 val images.

    The caption rows (small) are held in memory and the 40k val images stream
    past once; rows are numbered in the order the images arrive, which is
    stable for the same data. Test images absent from the image set come last,
    as per-sample errors, so the task always has one sample per Karpathy image.
    """

    captions = open_part(task, data_dir)
    wanted: dict[str, dict[str, Any]] = {}
    for _, row in captions.rows:
        wanted[row["filename"]] = row
    path, name, split = COCO_KARPATHY_IMAGES
    images = open_part(task, data_dir, path=path, name=name, split=split, revision=None)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        n = 0
        for _, img in images.rows:
            row = wanted.pop(img.get("file_name") or "", None)
            if row is not None:
                yield n, {**row, "image": img["image"]}
                n += 1
        for filename, row in list(wanted.items()):
            yield n, {**row, "image": _missing_media(f"{filename} not in {path}")}
            n += 1

    return RowSource(
        rows(), len(wanted), stable_hash([captions.fingerprint, images.fingerprint]),
        f"{captions.origin} joined with {images.origin}", captions.revision, columns=[*captions.columns, "image"],
    )


FLEURS_ENGLISH = "en_us"
"""The FLEURS config whose sentences are the English references of speech translation into English."""


@LOADERS.register("fleurs_to_english")
def load_fleurs_to_english(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """FLEURS speech translation into English: each recording of config ``dataset.name`` (``cmn_hans_cn``) with, as
    ``english``, the ``raw_transcription`` (cased, punctuated) of the ``en_us`` row with the same ``id``.

    FLEURS is n-way parallel: an ``id`` is one FLoRes sentence in every language, so the English transcript of
    that id is the translation reference (as unitxt's FLEURS cards and hearing2translate build it). English has
    several recordings of some sentences; their transcripts agree and the first is taken. A recording whose
    sentence has no English row gets no reference: that sample's error (the planner's), never scored against nothing.
    """
    return _fleurs_translation_pairs(task, data_dir, task.dataset.name, FLEURS_ENGLISH, column="english")


@dataclass(frozen=True)
class ChunkedSet:
    """A set of chunks cut from longer recordings whose references are one per recording, in another repo."""

    parent: str
    """The repo holding one row per recording: ``id`` and its transcript."""
    audio_dir: str = "audio"
    """The chunked repo's folder of chunk audio, named by each row's ``file_name``."""


CHUNKED_SETS = {"ArtificialAnalysis/Earnings22-Cleaned-AA-chunked": ChunkedSet("ArtificialAnalysis/Earnings22-Cleaned-AA")}
"""The Open ASR Leaderboard's ``CHUNKED_DATASETS`` (normalizer/data_utils.py at d1e99b2)."""
PARENT_TEXT_COLUMNS = ("text", "sentence", "normalized_text", "transcript", "transcription")
"""Where a recording's transcript is, first found wins: the leaderboard's ``get_text``."""


def _parent_text(row: dict[str, Any]) -> str | None:
    return next((row[c] for c in PARENT_TEXT_COLUMNS if c in row), None)


@LOADERS.register("chunked_calls")
def load_chunked_calls(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """The chunks of a ``CHUNKED_SETS`` repo, each with its recording's whole transcript, as the Open ASR Leaderboard's
    ``load_chunked_data`` builds them: the split's rows (``file_name``, ``parent_id``, ``chunk_index``) with ``audio``
    (``<audio_dir>/<file_name>`` of the repo: the rows do not reference it), ``text`` (the transcript of the parent
    repo's row whose ``id`` is ``parent_id``, same split) and ``n_chunks`` (the recording's chunks in the split), which
    lets the scorer (``wer`` with ``join_by``) refuse a recording one of whose chunks went unanswered. A chunk whose
    recording has no transcript gets none (that sample's error; the leaderboard stops); a missing audio file is that
    chunk's error.
    """
    from evals.data.media import LoaderFile

    chunked = CHUNKED_SETS.get(task.dataset.path)
    if chunked is None:
        raise DataError(f"task {task.name}: chunked_calls knows {', '.join(CHUNKED_SETS)}, not {task.dataset.path}")
    chunks = open_part(task, data_dir)
    parent = open_part(task, data_dir, path=chunked.parent, name=None, revision=None)
    transcripts = {str(row["id"]): _parent_text(row) for _, row in parent.rows}
    rows_read = list(chunks.rows)  # metadata only (341 rows): counted per call before any is yielded
    calls = Counter(str(row.get("parent_id")) for _, row in rows_read)
    audio_root = _chunk_audio(task, data_dir, chunked.audio_dir)
    files = sorted(str(p) for p in audio_root.rglob("*") if p.is_file())

    def audio(name: Any) -> Any:
        path = audio_root / str(name or "")
        if not name or not path.resolve().is_relative_to(audio_root.resolve()) or not path.is_file():
            return _missing_media(f"{chunked.audio_dir}/{name} is not in {task.dataset.path}")
        return LoaderFile(path)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in rows_read:
            call = str(row.get("parent_id"))
            yield i, {**row, "audio": audio(row.get("file_name")), "text": transcripts.get(call), "n_chunks": calls[call]}

    identity = stable_hash([chunks.fingerprint, parent.fingerprint, _files_identity(files)])
    return RowSource(rows(), len(rows_read), identity, f"{chunks.origin} joined with {chunked.parent}", chunks.revision,
                     columns=[*chunks.columns, "audio", "text", "n_chunks"])


def _chunk_audio(task: TaskSpec, data_dir: Path | None, folder: str) -> Path:
    """The chunked repo's audio folder: the mirror's, or a download of that folder alone (as the leaderboard does)."""
    ds = task.dataset
    if data_dir is not None:
        root = Path(data_dir) / ds.path / folder
        if not root.is_dir():
            raise DataError(f"task {task.name}: mirror {Path(data_dir) / ds.path} lacks {folder}/; "
                            f"re-run `omnieval data mirror {task.name} --to {data_dir}`")
        return root
    try:
        from huggingface_hub import snapshot_download

        ensure_hub_or_offline()
        return Path(snapshot_download(ds.path, repo_type="dataset", revision=ds.revision, allow_patterns=[f"{folder}/*"])) / folder
    except Exception as e:  # noqa: BLE001 - offline, gated and missing all mean the same to the user
        raise DataError(
            f"task {task.name}: could not download {folder}/ of dataset {ds.path}: {unreachable_reason() or str(e).splitlines()[0][:200]}; "
            f"offline? mirror it with `omnieval data mirror {task.name} --to DIR` and pass --data-dir DIR"
        ) from None


def _media_key(cell: Any) -> str:
    """A clip's content identity: the hash of its bytes, else its path."""
    if isinstance(cell, dict):
        if cell.get("bytes"):
            return bytes_hash(bytes(cell["bytes"]))
        return f"path:{cell.get('path')}"
    return f"value:{cell!r}"


def _clip_name(cell: Any) -> str | None:
    """The clip's file name (the ``path`` of an ``Audio`` cell, without folders), or None."""
    path = cell.get("path") if isinstance(cell, dict) else None
    return (Path(str(path)).name or None) if path else None


@LOADERS.register("group_by_audio")
def load_group_by_audio(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """One row per distinct clip when a set stores one caption per row (AudioCaps test).

    A clip is identified by its file name (the ``path`` of its ``fields.audio`` cell: the set has no id column),
    so rows of one clip group even when their audio bytes differ (re-encoded per row); by the content hash of the
    audio when cells carry no name, or when one name stands for clips of different content (a placeholder such as
    ``audio.wav``). The ``fields.references`` column becomes the list of every caption of that clip, in row order
    (a null caption is left out; a clip with none is that sample's error). Two passes over the stream keep memory
    flat: the first collects captions per clip, the second yields each clip's first row, with its ``clip`` id.
    """

    audio_col = task.fields.audio
    ref_col = task.fields.references
    if not audio_col or not ref_col:
        raise ValueError(f"{task.source_file or task.name}: group_by_audio needs fields.audio and fields.references")
    first = open_part(task, data_dir)
    by_name: dict[str, list[str]] = {}
    by_content: dict[str, list[str]] = {}
    unnamed = 0
    for _, row in first.rows:
        cell, caption = row.get(audio_col), row.get(ref_col)
        name, content = _clip_name(cell), _media_key(cell)
        captions = [] if caption is None else [str(caption)]
        by_content.setdefault(content, []).extend(captions)
        unnamed += name is None
        if name is not None:
            by_name.setdefault(name, []).extend(captions)
    # Names identify clips only if every row has one and they are not one placeholder shared by different clips.
    named = bool(by_name) and not unnamed and not (len(by_name) == 1 and len(by_content) > 1)

    def key_of(cell: Any) -> str:
        return (_clip_name(cell) or "") if named else _media_key(cell)

    groups = by_name if named else by_content
    second = open_part(task, data_dir)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        seen: set[str] = set()
        for _, row in second.rows:
            key = key_of(row.get(audio_col))
            if key in seen:
                continue
            seen.add(key)
            yield len(seen) - 1, {**row, ref_col: groups.get(key, []), "clip": key if named else key[:12]}

    return RowSource(rows(), len(groups), stable_hash([first.fingerprint, "group_by_audio", "by name" if named else "by content"]),
                     first.origin, first.revision, columns=[*first.columns, "clip"])


def _repo_file(task: TaskSpec, data_dir: Path | None, filename: str) -> Path:

    ds = task.dataset
    if data_dir is not None:
        path = Path(data_dir) / ds.path / filename
        if not path.is_file():
            raise DataError(
                f"task {task.name}: mirror {Path(data_dir) / ds.path} of {ds.path} lacks {filename}; "
                f"re-run `omnieval data mirror {task.name} --to {data_dir}`"
            )
        return path
    try:
        from huggingface_hub import hf_hub_download

        ensure_hub_or_offline()
        return Path(hf_hub_download(ds.path, filename, repo_type="dataset", revision=ds.revision))
    except Exception as e:  # noqa: BLE001 - offline, gated and missing all mean the same to the user
        raise DataError(
            f"task {task.name}: could not download {filename} of dataset {ds.path}: {unreachable_reason() or str(e).splitlines()[0][:200]}; "
            f"offline? mirror it with `omnieval data mirror {task.name} --to DIR` and pass --data-dir DIR"
        ) from None


def jsonl_zip_files(task: TaskSpec) -> dict[str, str]:
    """The two files the ``jsonl_zip`` loader reads (``rows``, ``images``): VisuLogic's names unless ``dataset.data_files``
    renames them; ``omnieval data mirror`` fetches these."""
    return {"rows": "data.jsonl", "images": "images.zip", **{k: str(v) for k, v in (task.dataset.data_files or {}).items()}}


@LOADERS.register("jsonl_zip")
def load_jsonl_zip(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """Rows from ``data.jsonl`` whose ``fields.image`` column names a file inside ``images.zip`` (VisuLogic).

    ``dataset.data_files`` may rename them: ``{rows: data.jsonl, images: images.zip}``.
    The image cell becomes ``{bytes, path}``; a name absent from the zip is that sample's error.
    """
    import zipfile


    names = jsonl_zip_files(task)
    rows_path = _repo_file(task, data_dir, names["rows"])
    zip_path = _repo_file(task, data_dir, names["images"])
    image_col = task.fields.image if isinstance(task.fields.image, str) else "image_path"
    lines = [line for line in rows_path.read_text().splitlines() if line.strip()]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        from evals.data.media import MediaError, read_member

        with zipfile.ZipFile(zip_path) as archive:
            members = {info.filename: info for info in archive.infolist()}
            for i, row in _json_lines(lines, names["rows"]):
                if ROW_ERROR in row:
                    yield i, row
                    continue
                inner = str(row.get(image_col) or "")
                # Some releases list paths without the zip's top folder; accept either.
                candidates = [inner, inner.lstrip("./"), f"images/{inner}"]
                member = next((c for c in candidates if c in members), None)
                if member is None:
                    row[image_col] = _missing_media(f"{inner} not in {zip_path.name}")
                else:  # read within the limit for an image member (ARCHIVE_MEMBER_LIMITS): a bomb is this row's error
                    try:
                        row[image_col] = {"bytes": read_member(archive, members[member], "image", zip_path.name), "path": inner}
                    except MediaError as e:
                        row[image_col] = _missing_media(str(e))
                yield i, row

    identity = _files_identity([str(rows_path), str(zip_path)])
    return RowSource(rows(), len(lines), stable_hash({"files": identity, "revision": task.dataset.revision}),
                     f"files:{rows_path.parent}", task.dataset.revision, columns=_jsonl_columns(lines))


def _jsonl_columns(lines: list[str]) -> list[str]:
    """Every key of the lines that are JSON objects, in order of appearance (a line may lack one; a malformed line
    must not stop the task)."""
    keys: dict[str, None] = {}
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            keys.update(dict.fromkeys(row))
    return list(keys)


@LOADERS.register("video_zips")
def load_video_zips(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """The split's rows (as the Hub repo lays them out) whose ``fields.video`` cell is a video id; the video
    is ``<id>.mp4`` (or ``data/<id>.mp4``, any video extension) inside one of the repo's ``videos_chunked_*.zip``
    (Video-MME's layout; ``dataset.data_files: {videos: "pattern"}`` names others). With ``video_folder``
    (MVBench), the cell is a file name inside that folder of the archives, wherever the folder sits. Only a mirror is read: these
    archives are tens of GB each. A video is extracted, once, when a model first needs its bytes (into
    ``<cache dir>/videos``; a model that decodes no media never extracts one); an id absent from every archive, or
    a member over the limit for its kind (``media.ARCHIVE_MEMBER_LIMITS``), is that sample's error.
    """
    import zipfile
    from dataclasses import replace as _replace

    from evals.data.media import ArchiveMember, MediaArchive
    from evals.settings import default_cache_path

    if data_dir is None:
        raise DataError(f"task {task.name}: its videos are read from a mirror: put the files of {task.dataset.path} (the parquet split "
                        f"and the video zips) under DIR/{task.dataset.path} and pass --data-dir DIR")
    repo = Path(data_dir) / task.dataset.path
    pattern = str((task.dataset.data_files or {}).get("videos", "videos_chunked_*.zip"))
    archives = sorted(repo.glob(pattern))
    if not archives:
        raise DataError(f"task {task.name}: the mirror {repo} has no video archives ({pattern})")
    members: dict[str, ArchiveMember] = {}
    folder = str((task.dataset.data_files or {}).get("video_folder", "")).strip("/")
    cache = default_cache_path().parent / "videos"
    for archive in archives:
        try:
            with zipfile.ZipFile(archive) as z:
                infos = z.infolist()
                source = MediaArchive(archive, infos, cache, task.dataset.path, archive.relative_to(repo).as_posix())
                for info in infos:
                    name, suffix = info.filename, Path(info.filename).suffix.lower()
                    if info.is_dir() or suffix not in (".mp4", ".mkv", ".webm", ".avi", ".mov"):
                        continue
                    if folder:  # MVBench: the row names a file inside one source's folder (names repeat across sources)
                        if f"/{folder}/" not in f"/{name}":
                            continue
                        key = f"/{name}".split(f"/{folder}/", 1)[1]
                    else:  # Video-MME, NExT-QA: the row names the video by its id, the file's stem
                        key = Path(name).stem
                    members.setdefault(key, source.member(info, "video"))
        except (OSError, zipfile.BadZipFile) as e:
            raise DataError(f"task {task.name}: cannot read the video archive {archive}: {e}") from None
    rows_source = open_files(task.model_copy(update={"dataset": _replace_loader(task)}), data_dir)
    video_col = task.fields.video or "videoID"
    subtitle_zip = (task.dataset.data_files or {}).get("subtitles")
    srt: dict[str, ArchiveMember] = {}
    if subtitle_zip:  # Video-MME's subtitle.zip: subtitle/<videoID>.srt
        sub_path = repo / str(subtitle_zip)
        if not sub_path.is_file():
            raise DataError(f"task {task.name}: the mirror {repo} has no {subtitle_zip}")
        try:
            with zipfile.ZipFile(sub_path) as z:
                infos = z.infolist()
        except (OSError, zipfile.BadZipFile) as e:
            raise DataError(f"task {task.name}: cannot read the subtitle archive {sub_path}: {e}") from None
        subs = MediaArchive(sub_path, infos, cache, task.dataset.path, str(subtitle_zip))
        for info in infos:
            if info.filename.lower().endswith(".srt"):
                srt.setdefault(Path(info.filename).stem, subs.member(info, "subtitles"))
    frames = task.video.frames if task.video and task.video.frames else 32

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in rows_source.rows:
            key = str(row.get(video_col) or "")
            member = members.get(key)
            row[video_col] = member or _missing_media(f"video {key!r} is in none of {', '.join(a.name for a in archives)}")
            if subtitle_zip:
                row["subtitles"] = FrameSubtitles(member, srt.get(key), frames)
            yield i, row

    identity = stable_hash({"rows": rows_source.fingerprint, "archives": _files_identity([str(a) for a in archives])})
    return _replace(rows_source, rows=rows(), fingerprint=identity, origin=f"{rows_source.origin} + {len(archives)} video archive(s)",
                    table=None, reuse_key=identity)


class FrameSubtitles:
    """The subtitles of a video at its sampled frames, as lmms-eval's Video-MME prompt has them
    (``videomme_subtitles``); worked out when the prompt is rendered (only for selected questions; it needs the
    video's frame count and rate, read with PyAV from the archive's member as it streams, nothing extracted). No
    subtitle file for the video: "No subtitles available". A subtitle file or video over the limit for its kind
    (``media.ARCHIVE_MEMBER_LIMITS``) is the question's error (``MediaError``), never read."""

    def __init__(self, video: Any, subtitles: Any, frames: int) -> None:
        self.video, self.subtitles, self.frames = video, subtitles, frames

    def __str__(self) -> str:
        from evals.data.media import video_frame_count_and_rate

        if self.subtitles is None:
            return NO_SUBTITLES
        if self.video is None:
            return ""
        srt = self.subtitles.read().decode("utf-8", errors="replace")
        with self.video.open() as stream:
            n_frames, fps = video_frame_count_and_rate(stream)
        return videomme_subtitles(srt, n_frames, fps, self.frames)


NO_SUBTITLES = "No subtitles available"
_VIDEOMME_FONT = re.compile(r'<font color="white" size=".72c">(.*?)</font>')


def videomme_subtitles(srt: str, n_frames: int, fps: float, frames: int) -> str:
    """The subtitle text lmms-eval's ``videomme_doc_to_text_subtitle`` puts in the prompt (tasks/videomme/utils.py,
    EvolvingLMMs-Lab/lmms-eval 75571cfe), given the SRT file's text, the video's frame count and rate and the number
    of sampled frames. A cue's ``[start, end)`` becomes frame numbers (``int(seconds * fps)``; cues with the same
    start and end are one, with the later text); the frames are ``numpy.linspace(0, n_frames - 1, frames)``
    rounded down; a cue is kept when a frame falls in it. Of each kept cue only the text of its first
    ``<font color="white" size=".72c">`` tag is used (a cue without one is left out), one per line, in the order
    lmms-eval's ``set`` of cue numbers iterates (CPython's order for those integers, not always time order)."""
    import numpy as np

    cues: dict[tuple[float, float], str] = {}
    for start, end, text in parse_srt(srt):
        cues[(start, end)] = text
    spans = [(int(start * fps), int(end * fps), text) for (start, end), text in cues.items()]
    hits = [k for f in np.linspace(0, n_frames - 1, frames, dtype=int).tolist() for k, (a, b, _) in enumerate(spans) if a <= f < b]
    lines = []
    for k in list(set(hits)):  # the set's iteration order, as lmms-eval takes it
        m = _VIDEOMME_FONT.search(spans[k][2])
        if m:
            lines.append(m.group(1))
    return "\n".join(lines)


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    """``(start_s, end_s, text)`` of each block of an SRT file (``00:01:02,500 --> 00:01:04,000``, then its lines,
    joined by spaces); line ends as Python's text mode reads them (``\\r\\n`` and ``\\r`` are ``\\n``)."""
    def seconds(stamp: str) -> float:
        h, m, rest = stamp.strip().split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    out = []
    for block in text.replace("\r\n", "\n").replace("\r", "\n").split("\n\n"):
        lines = block.strip().split("\n")
        if len(lines) >= 3 and " --> " in lines[1]:
            start, end = lines[1].split(" --> ")
            out.append((seconds(start), seconds(end), " ".join(lines[2:])))
    return out


def _replace_loader(task: TaskSpec):
    """The task's dataset without its loader (the rows are the split's own files)."""
    return task.dataset.model_copy(update={"loader": None, "data_files": None})


SONIC_TASK_DIRS = {"task1_summarization": "summary", "task2_mcq": "mcq", "task3_temporal_localization": "temporal"}


@LOADERS.register("sonic_o1")
def load_sonic_o1(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """SONIC-O1 from a mirror of ``vector-institute/sonic-o1`` (gated): ``vqa/<dataset.name>/<topic>.json`` (a dict whose
    ``entries`` are one multiple-choice question per segment, or one segment with several temporal questions),
    ``dataset/videos/<topic>/video_<NNN>.mp4`` and ``dataset/audios/<topic>/audio_<NNN>.m4a``. One row per question:
    ``id`` (topic/video/segment[/question]), ``topic``, ``video``, ``audio``, ``start``, ``end`` (the segment, s),
    ``question``, ``options`` and ``answer`` (letter) or ``answer_start``/``answer_end`` (s, absolute), ``relation``, or
    (summaries, one row per whole video) ``duration``, ``summary`` and ``summary_short`` (the bullets joined),
    and the people on screen as label lists ``race``, ``gender``, ``age`` (from the item's reviewed demographics).
    A missing video or audio file is that question's error.
    """
    from evals.data.media import LoaderFile, MediaError, resolve_inside

    if data_dir is None:
        raise DataError(f"task {task.name}: SONIC-O1 is gated (academic, non-commercial licence): download vector-institute/sonic-o1 "
                        f"after accepting its conditions, put it under DIR/{task.dataset.path} and pass --data-dir DIR")
    kind = SONIC_TASK_DIRS.get(task.dataset.name or "")
    if kind is None:
        raise DataError(f"task {task.name}: dataset.name must be one of {', '.join(SONIC_TASK_DIRS)}")
    repo = Path(data_dir) / task.dataset.path
    files = sorted((repo / "vqa" / str(task.dataset.name)).glob("*.json"))
    if not files:
        raise DataError(f"task {task.name}: the mirror {repo} has no vqa/{task.dataset.name}/*.json")

    def media(folder: str, topic: str, name: str) -> Any:
        try:
            path = resolve_inside(f"dataset/{folder}/{topic}/{name}", repo)
        except MediaError as e:
            return _missing_media(str(e))
        return LoaderFile(path) if path.is_file() else _missing_media(f"{folder}/{topic}/{name} is not in the mirror")

    def people(item: dict[str, Any]) -> dict[str, list[str]]:
        groups = item.get("demographics") or []
        return {k: sorted({str(g[k]) for g in groups if isinstance(g, dict) and g.get(k)}) for k in ("race", "gender", "age")}

    def item_rows(topic: str, item: dict[str, Any]) -> list[dict[str, Any]]:
        number = str(item.get("video_number", "")).zfill(3)
        seg = item.get("segment") or {}
        base = {"topic": topic, "video": media("videos", topic, f"video_{number}.mp4"), "audio": media("audios", topic, f"audio_{number}.m4a"),
                "start": _seconds(seg, "start", "segment"), "end": _seconds(seg, "end", "segment"), **people(item)}
        segment = f"{base['start']:g}-{base['end']:g}"
        if kind == "summary":  # one per video: all of it
            return [{**base, "id": f"{topic}/{number}", "start": 0.0, "end": float(item.get("duration_seconds") or 0.0),
                     "question": "", "duration": float(item.get("duration_seconds") or 0.0),
                     "summary": str(item.get("summary_detailed", "")), "summary_short": " ".join(map(str, item.get("summary_short") or []))}]
        if kind == "mcq":
            return [{**base, "id": f"{topic}/{number}/{segment}", "question": item.get("question", ""), "options": item.get("options", []),
                     "answer": str(item.get("answer_letter", ""))}]
        out = []
        for q in item.get("questions", []):
            answer = q.get("answer") or {}
            out.append({**base, "id": f"{topic}/{number}/{segment}/{q.get('question_id')}", "question": q.get("question", ""),
                        "relation": q.get("temporal_relation", ""), "answer_start": answer.get("start_s"), "answer_end": answer.get("end_s"),
                        "reference": [str(answer.get("start_s")), str(answer.get("end_s"))]})
        return out

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        i = 0
        for path in files:
            for k, item in enumerate(_sonic_entries(path)):
                try:
                    made = item_rows(path.stem, item)
                except (AttributeError, KeyError, TypeError, ValueError) as e:  # one malformed entry: its rows' error
                    made = [error_row(f"{path.name}: entry {k}: {type(e).__name__}: {e}")] * _sonic_row_count(item, kind)
                for row in made:
                    yield i, row
                    i += 1

    identity = stable_hash({"files": _files_identity([str(p) for p in files]), "revision": task.dataset.revision, "kind": kind})
    count = sum(_sonic_row_count(item, kind) for path in files for item in _sonic_entries(path))
    columns = ["id", "topic", "video", "audio", "start", "end", "question", "race", "gender", "age"]
    columns += {"mcq": ["options", "answer"], "temporal": ["relation", "answer_start", "answer_end", "reference"],
                "summary": ["duration", "summary", "summary_short"]}[kind]
    return RowSource(rows(), count, identity, f"files:{repo}", task.dataset.revision, columns=columns, reuse_key=identity)


def _seconds(holder: dict[str, Any], key: str, where: str) -> float:
    """``holder[key]`` as seconds (0 when absent); anything else is an error naming ``where.key``."""
    value = holder.get(key, 0.0)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}.{key} {value!r} is not a number of seconds") from None


def _sonic_entries(path: Path) -> list[Any]:
    entries = json.loads(path.read_text()).get("entries", [])
    return entries if isinstance(entries, list) else []


def _sonic_row_count(item: Any, kind: str) -> int:
    """Rows one SONIC-O1 entry makes: one, or (temporal) one per question; a malformed entry still makes its rows."""
    if kind != "temporal":
        return 1
    questions = item.get("questions") if isinstance(item, dict) else None
    return len(questions) if isinstance(questions, list) else 1


@LOADERS.register("vlmevalkit_tsv")
def load_vlmevalkit_tsv(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """A benchmark as VLMEvalKit distributes it: ``<data dir>/<dataset.path>/<dataset.name>.tsv`` (``dataset.name`` is
    VLMEvalKit's dataset name, ``MMBench_DEV_EN_V11``; ``path: LMUData`` and ``--data-dir ~`` read VLMEvalKit's own
    download folder), read as VLMEvalKit reads it (``evals/data/tsv.py``): missing cells None, rows without an image
    left out, an image cell that names another row's ``index`` given that row's image, column names in lower case
    except the option letters. The file must have ``index`` and the columns of ``fields.id``, ``fields.image``,
    ``fields.question`` and ``fields.references`` (else one error naming the file and the column); nothing outside
    ``<data dir>/<dataset.path>`` is read.
    """
    from evals.data.media import MediaError, resolve_inside
    from evals.data.tsv import TsvTable

    ds = task.dataset
    if not ds.name:
        raise DataError(f"task {task.name}: vlmevalkit_tsv needs dataset.name, VLMEvalKit's name of the data set (its file is NAME.tsv)")
    if data_dir is None:
        raise DataError(f"task {task.name}: {NOT_ON_THE_HUB['vlmevalkit_tsv'].format(ds=ds)}")
    root = Path(data_dir) / ds.path
    try:
        path = resolve_inside(f"{ds.name}.tsv", root)
    except MediaError as e:
        raise DataError(f"task {task.name}: {e}") from None
    if not path.is_file():
        raise DataError(f"task {task.name}: {root / (ds.name + '.tsv')} is not there: put VLMEvalKit's {ds.name}.tsv in {root}")
    f = task.fields
    images = [f.image] if isinstance(f.image, str) else list(f.image or [])
    required = [_column_head(p) for p in [f.id, *images, f.question, f.references] if p]
    try:
        table = TsvTable.scan(path, required)
    except DataError as e:
        raise DataError(f"task {task.name}: {e}") from None
    identity = stable_hash({"files": _files_identity([str(path)]), "revision": ds.revision, "loader": "vlmevalkit_tsv"})
    return RowSource(table.rows(), table.num_rows, identity, f"files:{path}", ds.revision, columns=table.columns, reuse_key=identity)


def _column_head(path: str) -> str:
    """The column a field path starts from (``answers[*].answer`` -> ``answers``)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


# --- RefCOCO family: one row per referring expression -----------------------------------------------------------------


def image_header_size(cell: Any) -> tuple[int, int] | None:
    """``(width, height)`` of an encoded image cell, from its header alone (nothing decoded); None when it has none."""
    import io

    from PIL import Image as PILImage

    data = cell.get("bytes") if isinstance(cell, dict) else None
    if not data:
        return None
    try:
        with PILImage.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # noqa: BLE001  (a broken or oversized image is the sample's media error when it is decoded)
        return None


def refcoco_expression_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One RefCOCO row (an object: ``question_id``, ``image``, ``answer`` its referring expressions, ``bbox`` [x, y, w, h] in
    pixels) as one row per expression: ``expression``, ``expression_id`` (``<question_id>_<k>``), ``box`` (the reference
    ``[x1, y1, x2, y2]`` in pixels, as JSON text), ``image_width``/``image_height`` (read from the image's header). A row
    without expressions or without a box of four numbers is one error row."""
    qid = row.get("question_id")
    expressions = [e for e in (row.get("answer") or []) if isinstance(e, str)]
    if not expressions:
        return [error_row(f"refcoco: object {qid!r} has no referring expressions (answer)")]
    try:
        x, y, w, h = (float(v) for v in row.get("bbox") or ())
    except (TypeError, ValueError):
        return [error_row(f"refcoco: object {qid!r} bbox {row.get('bbox')!r} is not [x, y, w, h]")]
    size = image_header_size(row.get("image"))
    extra = {"box": json.dumps([x, y, x + w, y + h]), "image_width": size[0] if size else None,
             "image_height": size[1] if size else None}
    return [{**row, **extra, "expression": e, "expression_id": f"{qid}_{k}"} for k, e in enumerate(expressions)]


@LOADERS.register("refcoco_expressions")
def load_refcoco_expressions(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """lmms-eval's RefCOCO/RefCOCO+/RefCOCOg splits as its ``refcoco_bbox_rec_preprocess_dataset`` explodes them: one row per
    referring expression (``refcoco_expression_rows``), in row order, then expression order. Two passes over the split (the
    first counts the expressions, so ``--limit`` spreads over them), as ``group_by_audio`` does; memory stays flat."""
    first = open_part(task, data_dir)
    total = sum(max(1, len([e for e in (row.get("answer") or []) if isinstance(e, str)])) for _, row in first.rows)
    second = open_part(task, data_dir)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        n = 0
        for _, row in second.rows:
            for out in refcoco_expression_rows(row):
                yield n, out
                n += 1

    return RowSource(rows(), total, stable_hash([first.fingerprint, "refcoco_expressions"]), first.origin, first.revision,
                     columns=[*first.columns, "box", "image_width", "image_height", "expression", "expression_id"])


# --- MathVerse: one problem version of testmini -------------------------------------------------

MATHVERSE_VERSIONS = {"mathverse_vision_only": "Vision Only", "mathverse_vision_dominant": "Vision Dominant"}
"""Loader name -> the ``problem_version`` its rows have: MathVerse's testmini config holds all five versions of each
problem in one parquet (AI4Math/MathVerse ``testmini.parquet``), and the model cards report the vision versions alone."""


def _mathverse_version(version: str) -> Loader:
    def load(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
        """The task's MathVerse rows whose ``problem_version`` is ``version``, in the file's order (row numbers kept)."""
        part = open_part(task, data_dir)

        def rows() -> Iterator[tuple[int, dict[str, Any]]]:
            for i, row in part.rows:
                if row.get("problem_version") == version:
                    yield i, row

        return RowSource(rows(), None, stable_hash([part.fingerprint, version]), f"{part.origin}, problem_version {version}",
                         part.revision, columns=part.columns,
                         reuse_key=stable_hash([part.reuse_key, version]) if part.reuse_key else None)

    return load


for _loader_name, _version in MATHVERSE_VERSIONS.items():
    LOADERS.register(_loader_name)(_mathverse_version(_version))


# --- DynaMath: the ten variant splits of DynaMath_Sample as one task --------------------------------

DYNAMATH_VARIANTS = [f"sample_variant{k}" for k in range(1, 11)]
"""DynaMath/DynaMath_Sample's splits (card ``configs:``, data/sample{k}-*): the same 501 seed questions, each split one
generated variant of every seed. The benchmark scores all 5,010 questions together (average case) and each seed over its
ten variants (worst case), so one task reads the ten splits."""


@LOADERS.register("dynamath_variants")
def load_dynamath_variants(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """The rows of ``sample_variant1`` .. ``sample_variant10`` in that order, each with ``variant`` (1-10) and
    ``variant_id`` (``{id}_{variant}``: a seed's ``id`` is the same in every split, as VLMEvalKit's qid/varid columns
    pair them); ``dataset.split`` names the first split (what ``omnieval data mirror`` fetches)."""
    parts = [open_part(task, data_dir, split=split) for split in DYNAMATH_VARIANTS]
    totals = [p.num_rows for p in parts]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        n = 0
        for k, part in enumerate(parts, start=1):
            for _, row in part.rows:
                yield n, {**row, "variant": k, "variant_id": f"{row.get('id')}_{k}"}
                n += 1

    keys = [p.reuse_key for p in parts]
    return RowSource(rows(), sum(totals) if all(t is not None for t in totals) else None,
                     stable_hash([p.fingerprint for p in parts] + ["dynamath_variants"]), f"{parts[0].origin}, sample_variant1-10",
                     parts[0].revision, columns=[*parts[0].columns, "variant", "variant_id"],
                     reuse_key=stable_hash([*keys, "dynamath_variants"]) if all(keys) else None)


# --- CharXiv descriptive: four questions per chart -----------------------------------------------


def charxiv_descriptive_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """One chart's four descriptive questions (``descriptive_q1..4``: template ids 1-19, ``descriptive_a1..4``), each a row
    with ``qid``, ``question`` (the official descriptive_query_helper text), ``answer``, ``question_id``
    (``<figure_path>_<k>``, k = 0..3 as the official resp keys) and ``judge_head``/``judge_tail`` (the official grading query
    for a batch of one, around the response). A chart whose questions cannot be built is four error rows."""
    from evals.spec.charxiv import descriptive_grading_parts, descriptive_question, hub_subplot_loc

    out = []
    for k in range(4):
        qid, answer = row.get(f"descriptive_q{k + 1}"), row.get(f"descriptive_a{k + 1}")
        try:
            question = descriptive_question(int(qid), hub_subplot_loc(row))
            head, tail = descriptive_grading_parts(int(qid), str(answer))
        except (KeyError, TypeError, ValueError) as e:
            out.append(error_row(f"charxiv: {row.get('figure_path')!r} question {k + 1}: {type(e).__name__}: {e}"))
            continue
        out.append({**row, "qid": int(qid), "question": question, "answer": str(answer), "question_id": f"{row.get('figure_path')}_{k}",
                    "judge_head": head, "judge_tail": tail})
    return out


@LOADERS.register("charxiv_descriptive")
def load_charxiv_descriptive(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """CharXiv's descriptive questions as the official build_descriptive_quries (and lmms-eval's
    charxiv_descriptive_process_docs) unroll them: four rows per chart (``charxiv_descriptive_rows``), in chart order."""
    part = open_part(task, data_dir)
    total = 4 * part.num_rows if part.num_rows is not None else None

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        n = 0
        for _, row in part.rows:
            for out in charxiv_descriptive_rows(row):
                yield n, out
                n += 1

    return RowSource(rows(), total, stable_hash([part.fingerprint, "charxiv_descriptive"]), part.origin, part.revision,
                     columns=[*part.columns, "qid", "question", "answer", "question_id", "judge_head", "judge_tail"])


@LOADERS.register("jsonl_image_files")
def load_jsonl_image_files(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """Rows from a JSON-lines file of the repo (``dataset.data_files: {rows: NAME.jsonl}``) whose ``fields.image`` column
    names an image file by its path in the repo's folder (CRPE: ``abnormal_images/…`` in OpenGVLab/CRPE,
    ``coco/val2017/…`` from MS-COCO, which the repo does not hold). With ``--data-dir`` the file is read under
    ``DATA_DIR/<repo>/`` (the mirror, where COCO's val2017 folder is placed at ``coco/val2017``); without, it is downloaded
    from the Hub repo. The image cell becomes ``{bytes, path}``; a file missing is that sample's error. Each row also
    gets ``line_index``, its 0-based line in the file (CRPE's circular copies are consecutive lines)."""
    names = {"rows": "data.jsonl", **{k: str(v) for k, v in (task.dataset.data_files or {}).items()}}
    rows_path = _repo_file(task, data_dir, names["rows"])
    image_col = task.fields.image if isinstance(task.fields.image, str) else "image"
    lines = [line for line in rows_path.read_text().splitlines() if line.strip()]

    def image(inner: str) -> dict[str, Any]:
        try:
            path = _repo_file(task, data_dir, inner)
        except DataError as e:
            return _missing_media(f"{inner}: {e}")
        return {"bytes": path.read_bytes(), "path": inner}

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in _json_lines(lines, names["rows"]):
            if ROW_ERROR in row:
                yield i, row
                continue
            row[image_col] = image(str(row.get(image_col) or ""))
            row["line_index"] = i
            yield i, row

    identity = _files_identity([str(rows_path)])
    return RowSource(rows(), len(lines), stable_hash({"files": identity, "revision": task.dataset.revision}),
                     f"files:{rows_path.parent}", task.dataset.revision, columns=_jsonl_columns(lines) + ["line_index"])


# --- MM-MT-Bench: one sample per turn of each conversation ------------------------------------------


def _chunks_text(content: Any) -> str:
    """A chat message's text: the content itself, or its text chunks (``{type: text, text}``) one after another."""
    if isinstance(content, str):
        return content
    return "\n".join(str(c["text"]) for c in content if isinstance(c, dict) and c.get("type") == "text")


def mm_mt_bench_turns(index: int, row: dict[str, Any]) -> list[dict[str, Any]]:
    """One MM-MT-Bench conversation (``conversation``: a JSON list of chat messages, user and assistant in turn, the image
    the first chunk of the first; ``category``; ``image``) as mistralai/mistral-evals ``MultimodalMTBench.load_eval``
    unrolls it: one row per user turn, whose request is the conversation up to it, the earlier turns with the dataset's own
    assistant messages (the reference answers), and whose reference is the next assistant message. Each row has
    ``conversation_id`` (the row's index), ``turn`` (0, 1, ...), ``question_id`` (``<conversation_id>_<turn>``),
    ``question`` (the turn's text), ``history`` (the earlier turns as ``{role, content}`` text, ``fields.history``),
    ``answer`` (the reference's text) and, for the official judge prompt, ``judge_answers`` (the earlier assistant
    messages as the conversation holds them) and ``judge_reference`` (the reference message's content as it holds it).
    A conversation that is not such a list is one error row."""
    try:
        messages = json.loads(row.get("conversation") or "")
        if not isinstance(messages, list) or not messages or len(messages) % 2:
            raise ValueError("not an even list of messages")
        if any(not isinstance(m, dict) or m.get("role") != ("user", "assistant")[k % 2] for k, m in enumerate(messages)):
            raise ValueError("messages are not user and assistant in turn")
        turns = [(_chunks_text(messages[k]["content"]), _chunks_text(messages[k + 1]["content"])) for k in range(0, len(messages), 2)]
    except (ValueError, KeyError, TypeError) as e:
        return [error_row(f"mm_mt_bench: conversation {index}: {type(e).__name__}: {e}")]
    out = []
    for turn, (question, answer) in enumerate(turns):
        history = [{"role": role, "content": text} for q, a in turns[:turn] for role, text in (("user", q), ("assistant", a))]
        out.append({**row, "conversation_id": index, "turn": turn, "question_id": f"{index}_{turn}", "question": question,
                    "history": history, "answer": answer, "judge_answers": messages[1:2 * turn:2],
                    "judge_reference": messages[2 * turn + 1]["content"]})
    return out


@LOADERS.register("mm_mt_bench_turns")
def load_mm_mt_bench_turns(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """MM-MT-Bench's conversations, one row per turn (``mm_mt_bench_turns``), in conversation order, then turn order."""
    part = open_part(task, data_dir)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        n = 0
        for i, row in part.rows:
            for out in mm_mt_bench_turns(i, row):
                yield n, out
                n += 1

    return RowSource(rows(), None, stable_hash([part.fingerprint, "mm_mt_bench_turns"]), part.origin, part.revision,
                     columns=[*part.columns, "conversation_id", "turn", "question_id", "question", "history", "answer",
                              "judge_answers", "judge_reference"])


MMLONGBENCH_DOC_MAX_PAGES = 120
"""The pages of a document MMLongBench-Doc's official pipeline shows (run_lvlm.py / run_api.py ``--max_pages 120``)."""


@LOADERS.register("mmlongbench_doc_pages")
def load_mmlongbench_doc_pages(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """MMLongBench-Doc's questions (the repo's parquet, read as any mirror) with the pages of each question's PDF as
    ``page_1`` .. ``page_120`` (None past the document's last page), read from page images rendered beforehand at
    ``DATA_DIR/<repo>/pages/<doc_id without .pdf>_<page>.png``: the names and settings of the official ``extract_images``
    (PyMuPDF, 144 dpi, the first 120 pages). A document's pages are 1, 2, ... up to the first one missing; a document
    without its first page is its questions' media error. Only names inside the pages folder are read."""
    from evals.data.media import LoaderFile
    from evals.files import OutsideRoot, inside

    if data_dir is None:
        raise DataError(f"task {task.name}: the page images of {task.dataset.path}'s PDFs are not on the Hub: render them into "
                        f"DIR/{task.dataset.path}/pages/ as the task's description says and pass --data-dir DIR")
    part = open_part(task, data_dir)
    folder = Path(data_dir) / task.dataset.path / "pages"
    names = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    present = set(names)
    slots = [f"page_{k}" for k in range(1, MMLONGBENCH_DOC_MAX_PAGES + 1)]

    @lru_cache(maxsize=256)
    def pages(doc_id: str) -> tuple[Any, ...]:
        stem = re.sub(r"\.pdf$", "", doc_id).split("/")[-1]
        found: list[Any] = []
        for k in range(1, MMLONGBENCH_DOC_MAX_PAGES + 1):
            if f"{stem}_{k}.png" not in present:
                break
            try:
                found.append(LoaderFile(inside(folder, f"{stem}_{k}.png")))
            except OutsideRoot as e:
                return (_missing_media(f"page {k} of {doc_id}: {e}"),)
        return tuple(found) or (_missing_media(f"no page images of {doc_id}: pages/{stem}_1.png is not in {folder}"),)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in part.rows:
            if ROW_ERROR in row:
                yield i, row
                continue
            found = pages(str(row.get("doc_id") or ""))
            yield i, {**row, **{slot: (found[k] if k < len(found) else None) for k, slot in enumerate(slots)}}

    sizes = [(name, (folder / name).stat().st_size) for name in names if name.endswith(".png")]
    return RowSource(rows(), part.num_rows, stable_hash([part.fingerprint, "mmlongbench_doc_pages", sizes]),
                     f"{part.origin} with pages/", part.revision, columns=[*part.columns, *slots])


@LOADERS.register("video_files")
def load_video_files(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """The split's rows (as the Hub repo lays them out) whose ``fields.video`` cell names a video file of the repo's
    extracted archives, as lmms-eval's ``dataset_kwargs: {video: True}`` unpacks them into its cache: the file is
    ``<mirror>/<video_folder>/<cell>`` (``dataset.data_files: {video_folder: videos}``; none: the mirror's own folder).
    MLVU (``video_name``), LVBench and LongVideoBench (``video_path``). Only a mirror is read (the archives are tens to
    hundreds of GB); a cell naming a file outside that folder, or one absent from it, is that sample's error.
    """
    from evals.data.media import LoaderFile, MediaError, resolve_inside

    if data_dir is None:
        raise DataError(f"task {task.name}: its videos are read from a mirror: put the split's files of {task.dataset.path} and its "
                        f"videos, extracted from the repo's archives, under DIR/{task.dataset.path} and pass --data-dir DIR")
    repo = Path(data_dir) / task.dataset.path
    folder = str((task.dataset.data_files or {}).get("video_folder", "")).strip("/")
    root = repo / folder if folder else repo
    if not root.is_dir():
        raise DataError(f"task {task.name}: the mirror {repo} has no {folder or '.'}/ folder of videos")
    rows_source = open_files(task.model_copy(update={"dataset": _replace_loader(task)}), data_dir)
    video_col = task.fields.video or "video_path"

    def video(cell: Any) -> Any:
        name = str(cell or "")
        try:
            path = resolve_inside(name, root)
        except MediaError as e:
            return _missing_media(str(e))
        return LoaderFile(path) if name and path.is_file() else _missing_media(f"video {name!r} is not in {folder or 'the mirror'}")

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in rows_source.rows:
            if ROW_ERROR not in row:
                row[video_col] = video(row.get(video_col))
            yield i, row

    identity = stable_hash({"rows": rows_source.fingerprint, "video_folder": folder})
    return RowSource(rows(), rows_source.num_rows, identity, f"{rows_source.origin} + videos in {folder or '.'}/", rows_source.revision,
                     columns=rows_source.columns, reuse_key=identity)


FLEURS_CHINESE = "cmn_hans_cn"
"""The FLEURS config of Mandarin: the source of speech translation from Chinese, the references of translation into it."""


def _fleurs_translation_pairs(task: TaskSpec, data_dir: Path | None, audio_config: str, text_config: str,
                              column: str = "translation") -> RowSource:
    """Each recording of FLEURS config ``audio_config`` with, as ``column``, the ``raw_transcription`` of the row with
    the same ``id`` in ``text_config`` (FLEURS is n-way parallel: an id is one FLoRes sentence in every language). A
    language with several recordings of one sentence has one text for it; the first is taken. A recording whose sentence
    has no row there gets no reference: that sample's error, never scored against nothing."""
    source = open_part(task, data_dir, name=audio_config)
    target = open_part(task, data_dir, name=text_config)
    sentences: dict[int, str] = {}
    for _, row in target.rows:
        sentences.setdefault(int(row["id"]), row["raw_transcription"])

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in source.rows:
            yield i, {**row, column: sentences.get(int(row["id"]))}

    return RowSource(
        rows(), source.num_rows, stable_hash([source.fingerprint, target.fingerprint]),
        f"{source.origin} joined with {text_config}", source.revision, columns=[*source.columns, column],
    )


@LOADERS.register("fleurs_from_english")
def load_fleurs_from_english(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """FLEURS speech translation from English: each ``en_us`` recording against the sentence of its id in config
    ``dataset.name`` (the target language, ``de_de``), as Phi-4-multimodal's FLEURS EN-X evaluation pairs them (the
    English test recordings, the transcript replaced by the translation)."""
    return _fleurs_translation_pairs(task, data_dir, FLEURS_ENGLISH, task.dataset.name or "")


@LOADERS.register("fleurs_from_chinese")
def load_fleurs_from_chinese(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """FLEURS speech translation from Mandarin: each ``cmn_hans_cn`` recording against the sentence of its id in config
    ``dataset.name`` (Qwen3-Omni's Fleurs-zh2xx)."""
    return _fleurs_translation_pairs(task, data_dir, FLEURS_CHINESE, task.dataset.name or "")


@LOADERS.register("fleurs_to_chinese")
def load_fleurs_to_chinese(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """FLEURS speech translation into Mandarin: each recording of config ``dataset.name`` against the ``cmn_hans_cn``
    sentence of its id (Qwen3-Omni's Fleurs-xx2zh)."""
    return _fleurs_translation_pairs(task, data_dir, task.dataset.name or "", FLEURS_CHINESE)


@LOADERS.register("video_zips_by_id")
def load_video_zips_by_id(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """``video_zips`` for a split whose video is named by a column the task also reads as data (VideoMMMU: the video of
    row ``id`` is ``<id>.mp4`` in one of the repo's zips): the column named by ``dataset.data_files.video_named_by``
    (default ``id``) keeps its value, and the video goes to ``fields.video``'s key. The split's rows are read twice
    (once plain, beside the archives' pass): a small table."""
    from dataclasses import replace as _replace

    named_by = str((task.dataset.data_files or {}).get("video_named_by", "id"))
    target = task.fields.video or "video"
    zipped = load_video_zips(task.model_copy(update={"fields": task.fields.model_copy(update={"video": named_by})}), data_dir)
    plain = open_files(task.model_copy(update={"dataset": _replace_loader(task)}), data_dir)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for (i, row), (_, original) in zip(zipped.rows, plain.rows):
            yield i, row if ROW_ERROR in row else {**row, target: row.get(named_by), named_by: original.get(named_by)}

    return _replace(zipped, rows=rows())


@LOADERS.register("json_videos")
def load_json_videos(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """Questions in one JSON file of a mirror, each naming its video by a path template over its own fields, as the
    audio-visual benchmarks ship them with their videos unpacked beside the file (``dataset.data_files``):
    ``questions`` (the file, in the repo), ``video`` (``Videos/{video_id}/{video_id}_video.mp4``: Daily-Omni's qa.json
    and Videos.tar; ``videos/{video ID}.mp4``: Video-Holmes), and ``layout``: ``list`` (default: a list of question
    objects) or ``by_video`` (an object of videos, each with its fields and its questions under the keys that contain ``task``,
    WorldSense's worldsense_qa.json: one row per question, the video's fields and ``video_id`` added, as VLMEvalKit's
    ``generate_tsv`` flattens it). The video cell becomes the file (inside the mirror only); a missing file, a template
    naming a field the question lacks, or an entry that is not an object is that question's error."""
    from evals.data.media import LoaderFile, MediaError, resolve_inside

    files = task.dataset.data_files or {}
    if data_dir is None or not isinstance(files.get("questions"), str) or not isinstance(files.get("video"), str):
        raise DataError(f"task {task.name}: json_videos reads a mirror (--data-dir DIR holding {task.dataset.path}) and needs "
                        "dataset.data_files.questions (the JSON file) and .video (the video path template)")
    repo = Path(data_dir) / task.dataset.path
    path, template, layout = _repo_file(task, data_dir, str(files["questions"])), str(files["video"]), str(files.get("layout", "list"))
    if not _plain_fields_template(template):
        raise DataError(f"task {task.name}: dataset.data_files.video {template!r} may name only plain fields, as {{video_id}}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise DataError(f"task {task.name}: {path.name} is not JSON: {e}") from None
    if layout == "by_video":
        if not isinstance(data, dict):
            raise DataError(f"task {task.name}: {path.name} is not an object of videos (layout: by_video)")
        items: list[Any] = []
        for video_id, video in data.items():
            meta = {k: v for k, v in video.items() if "task" not in k} if isinstance(video, dict) else {}
            questions = [v for k, v in video.items() if "task" in k] if isinstance(video, dict) else [video]
            items += [{**meta, **q, "video_id": str(video_id)} if isinstance(q, dict) else q for q in questions]
    elif isinstance(data, list):
        items = data
    else:
        raise DataError(f"task {task.name}: {path.name} is not a list of questions (layout: {layout})")
    video_col = task.fields.video or "video"

    def video(item: dict[str, Any]) -> Any:
        try:
            name = template.format_map(item)
            found = resolve_inside(name, repo)
        except KeyError as e:
            return _missing_media(f"the video template {template!r} names {e}, which the question lacks")
        except MediaError as e:
            return _missing_media(str(e))
        return LoaderFile(found) if found.is_file() else _missing_media(f"video {name!r} is not in the mirror")

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, item in enumerate(items):
            yield i, ({**item, video_col: video(item)} if isinstance(item, dict) else error_row(f"{path.name}: entry {i} is not an object"))

    columns = sorted({k for item in items if isinstance(item, dict) for k in item} | {video_col})
    identity = stable_hash({"files": _files_identity([str(path)]), "video": template, "layout": layout, "revision": task.dataset.revision})
    return RowSource(rows(), len(items), identity, f"files:{repo}", task.dataset.revision, columns=columns, reuse_key=identity)



def mirror_video(name: str, repo: Path, hint: str = "") -> Any:
    """The video file ``name`` inside the mirror's ``repo`` folder (a ``LoaderFile``), or the sample's media error: a
    name outside that folder, or no such file (``hint`` says what to do)."""
    from evals.data.media import LoaderFile, MediaError, resolve_inside

    try:
        path = resolve_inside(name, repo)
    except MediaError as e:
        return _missing_media(str(e))
    return LoaderFile(path) if name and path.is_file() else _missing_media(f"video {name!r} is not in the mirror {repo}{hint}")

_HUB_FILE_URL = re.compile(r"^https://huggingface\.co/datasets/[^/]+/[^/]+/resolve/[^/]+/(.+)$")


@LOADERS.register("hub_url_videos")
def load_hub_url_videos(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """The split's rows whose ``fields.video`` cell is the video's own Hub URL (MMVU:
    ``https://huggingface.co/datasets/yale-nlp/MMVU/resolve/main/videos/Art/0.mp4``): the file at that path in the
    mirror (``<mirror>/videos/Art/0.mp4``); a URL of another form, or a file not in the mirror, is that sample's error.
    ``dataset.data_files: {keep: "column=value"}`` keeps only the rows whose column has that value (MMVU's question
    types, scored two ways), numbered as in the split. Only a mirror is read."""
    from dataclasses import replace as _replace

    if data_dir is None:
        raise DataError(f"task {task.name}: its videos are read from a mirror: put the files of {task.dataset.path} (the split and "
                        f"its videos) under DIR/{task.dataset.path} and pass --data-dir DIR")
    repo = Path(data_dir) / task.dataset.path
    keep = str((task.dataset.data_files or {}).get("keep", ""))
    column, _, value = keep.partition("=")
    rows_source = open_files(task.model_copy(update={"dataset": _replace_loader(task)}), data_dir)
    video_col = task.fields.video or "video"

    def video(cell: Any) -> Any:
        found = _HUB_FILE_URL.match(str(cell or ""))
        return mirror_video(found.group(1), repo) if found else _missing_media(f"video {str(cell)[:120]!r} is not a Hub file URL")

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in rows_source.rows:
            if ROW_ERROR not in row:
                if keep and str(row.get(column)) != value:
                    continue
                row[video_col] = video(row.get(video_col))
            yield i, row

    identity = stable_hash({"rows": rows_source.fingerprint, "keep": keep})
    return _replace(rows_source, rows=rows(), num_rows=None if keep else rows_source.num_rows, fingerprint=identity,
                    origin=f"{rows_source.origin} + videos in the mirror", table=None, reuse_key=identity)


def json_tar_audio_files(task: TaskSpec) -> dict[str, str]:
    """The two files the ``json_tar_audio`` loader reads (``rows``, ``audio``): MMAR's names unless ``dataset.data_files``
    renames them; ``omnieval data mirror`` fetches these."""
    return {"rows": "MMAR-meta.json", "audio": "mmar-audio.tar.gz", **{k: str(v) for k, v in (task.dataset.data_files or {}).items()}}


@LOADERS.register("json_tar_audio")
def load_json_tar_audio(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """Rows from a JSON list (MMAR's ``MMAR-meta.json``) whose ``fields.audio`` column names a file inside a tar
    archive (``mmar-audio.tar.gz``), as the benchmark ships them: the archive is unpacked once beside itself (into the
    folder named as the archive without ``.tar*``, tarfile's ``data`` filter: no links out, no absolute paths), then
    each row's audio cell is that file (``./audio/x.wav`` found as it is or under the archive's top folder). A file
    absent from the archive is that sample's error. ``dataset.data_files`` may rename them:
    ``{rows: MMAR-meta.json, audio: mmar-audio.tar.gz}``."""
    import tarfile

    names = json_tar_audio_files(task)
    rows_path = _repo_file(task, data_dir, names["rows"])
    archive = _repo_file(task, data_dir, names["audio"])
    audio_col = task.fields.audio if isinstance(task.fields.audio, str) else "audio_path"
    try:
        records = json.loads(rows_path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise DataError(f"task {task.name}: {rows_path.name} is not JSON: {e}") from None
    if not isinstance(records, list):
        raise DataError(f"task {task.name}: {rows_path.name} is not a JSON list of rows")
    folder = archive.parent / archive.name.split(".tar")[0]
    identity = _files_identity([str(rows_path), str(archive)])
    marker = folder / ".omnieval-unpacked"
    if not marker.is_file() or marker.read_text() != json.dumps(identity):
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(folder, filter="data")
        marker.write_text(json.dumps(identity))
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}

    def audio_file(name: str) -> Path | None:
        inner = name[2:] if name.startswith("./") else name
        if inner in files:
            return files[inner]
        return next((p for rel, p in files.items() if rel.endswith("/" + inner)), None)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                yield i, error_row(f"{rows_path.name} item {i} is not an object")
                continue
            row = dict(record)
            name = str(row.get(audio_col) or "")
            path = audio_file(name) if name else None
            # the bytes, not the unpacked path: media paths must lie under the dataset's root, and this folder may not
            row[audio_col] = {"bytes": path.read_bytes(), "path": name} if path else _missing_media(f"{name or 'no audio path'} not in {archive.name}")
            yield i, row

    keys = list(dict.fromkeys(k for r in records if isinstance(r, dict) for k in r))
    return RowSource(rows(), len(records), stable_hash({"files": identity, "revision": task.dataset.revision}),
                     f"files:{rows_path.parent}", task.dataset.revision, columns=keys, reuse_key=stable_hash(identity))


def _plain_fields_template(template: str) -> bool:
    """Whether ``template`` (``str.format`` syntax) names only plain fields: no position, attribute, index, conversion or
    format spec, so that filling it from a row reads that row's values and nothing else."""
    import string

    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError:  # an unmatched brace
        return False
    return all(name and not name.isdigit() and not any(c in name for c in ".[]") and not spec and not conv for name, spec, conv in fields)


@LOADERS.register("vlmevalkit_tsv_videos")
def load_vlmevalkit_tsv_videos(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """``vlmevalkit_tsv`` for a video benchmark whose TSV sits in its Hub repo beside its videos (MMBench-Video:
    ``MMBench-Video.tsv``, its ``video_path`` cells ``video/<name>.mp4``): the ``fields.video`` cell names a file inside
    ``<data dir>/<dataset.path>``; one outside it or not there is that sample's error. The repo ships the videos as
    pickles (``video_pkl/*.pkl``), which are never read here (unpickling runs code): the mirror holds them unpacked, as
    VLMEvalKit's ``unwrap_hf_pkl`` writes them."""
    from dataclasses import replace as _replace

    source = load_vlmevalkit_tsv(task, data_dir)
    repo = Path(data_dir or ".") / task.dataset.path
    col = task.fields.video or "video_path"

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in source.rows:
            if ROW_ERROR not in row:
                row[col] = mirror_video(str(row.get(col) or ""), repo, " (unpack video_pkl/*.pkl as VLMEvalKit does)")
            yield i, row

    return _replace(source, rows=rows())


@LOADERS.register("csv_audio_folder")
def load_csv_audio_folder(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """Rows of a CSV file whose ``fields.audio`` column names a file in an audio folder of the same repository, as
    baichuan-inc/OpenAudioBench ships each subset (``eval_datas/<subset>/<subset>.csv`` beside
    ``eval_datas/<subset>/audios/<audio_filename>``; its card declares no configs). ``dataset.data_files`` names both:
    ``{rows: eval_datas/llama_questions/llama_questions.csv, audio: eval_datas/llama_questions/audios}``. Every cell is
    read as the text the CSV holds; the audio cell becomes the file's bytes, a file the folder lacks that sample's error.
    From the Hub, the CSV and the folder are downloaded once (``snapshot_download`` of the two paths)."""
    import csv
    import io

    ds = task.dataset
    names = {str(k): str(v) for k, v in (ds.data_files or {}).items()}
    if "rows" not in names or "audio" not in names:
        raise DataError(f"task {task.name}: the csv_audio_folder loader needs dataset.data_files {{rows: CSV, audio: FOLDER}}")
    if data_dir is not None:
        root = Path(data_dir) / ds.path
        if not (root / names["rows"]).is_file():
            raise DataError(f"task {task.name}: mirror {root} of {ds.path} lacks {names['rows']}; "
                            f"re-run `omnieval data mirror {task.name} --to {data_dir}`")
    else:
        try:
            from huggingface_hub import snapshot_download

            ensure_hub_or_offline()
            root = Path(snapshot_download(ds.path, repo_type="dataset", revision=ds.revision,
                                          allow_patterns=csv_audio_folder_files(task)))
        except Exception as e:  # noqa: BLE001 - offline, gated and missing all mean the same to the user
            raise DataError(
                f"task {task.name}: could not download {names['rows']} of dataset {ds.path}: "
                f"{unreachable_reason() or str(e).splitlines()[0][:200]}; offline? mirror it and pass --data-dir DIR"
            ) from None
    rows_path, folder = root / names["rows"], root / names["audio"]
    records = list(csv.DictReader(io.StringIO(rows_path.read_text(encoding="utf-8-sig"), newline="")))
    audio_col = task.fields.audio if isinstance(task.fields.audio, str) else "audio_filename"
    files = sorted(str(p) for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    identity = _files_identity([str(rows_path), *files])

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, record in enumerate(records):
            row: dict[str, Any] = dict(record)
            name = str(row.get(audio_col) or "")
            path = folder / name if name else None
            # the bytes, not the path: media paths must lie under the dataset's root, and a Hub snapshot may not
            row[audio_col] = ({"bytes": path.read_bytes(), "path": name} if path is not None and path.is_file()
                              else _missing_media(f"{name or 'no audio file name'} not in {names['audio']}"))
            yield i, row

    keys = list(dict.fromkeys(k for r in records for k in r))
    return RowSource(rows(), len(records), stable_hash({"files": identity, "revision": ds.revision}),
                     f"files:{rows_path.parent}", ds.revision, columns=keys, reuse_key=stable_hash(identity))


def csv_audio_folder_files(task: TaskSpec) -> list[str]:
    """The Hub paths a ``csv_audio_folder`` task reads (its CSV and everything in its audio folder), as
    ``omnieval data mirror`` patterns; empty for any other loader."""
    files = task.dataset.data_files or {}
    if task.dataset.loader != "csv_audio_folder" or not {"rows", "audio"} <= set(files):
        return []
    return [str(files["rows"]), f"{files['audio']}/*"]


MOTIONBENCH_UNANSWERED = "NA"
"""How MotionBench's ``video_info.meta.jsonl`` marks a question of its withheld test set (no answer given)."""


@LOADERS.register("motionbench")
def load_motionbench(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """MotionBench's questions as its Hub repo ships them (THUDM/MotionBench, mirrored): ``video_info.meta.jsonl``
    (``dataset.data_files.questions``), one line per video (``key``, ``video_path``, ``video_type``, ``question_type``,
    ``qa``: a list of ``{uid, question, answer}``), flattened to one row per question with the video's fields, as
    lmms-eval's ``motionbench_process_docs`` flattens it. Only the questions with an answer are read (the DEV set: an
    answer ``NA`` marks the withheld TEST set, which lmms-eval and the official ``compute_accuracy`` leave out too). The
    video is ``<folder>/<video_path>`` of the first of ``dataset.data_files.video_folders`` holding it (the repo's
    ``MotionBench/self-collected`` and ``MotionBench/public-dataset``, where the clips cut from public sets go); a line
    that is not an object, or a video in no folder, is that question's error. Only a mirror is read."""
    from evals.data.media import LoaderFile, MediaError, resolve_inside

    files = task.dataset.data_files or {}
    folders = files.get("video_folders")
    folders = [folders] if isinstance(folders, str) else list(folders or [])
    if data_dir is None or not isinstance(files.get("questions"), str) or not folders:
        raise DataError(f"task {task.name}: the motionbench loader reads a mirror (--data-dir DIR holding {task.dataset.path}) and "
                        "needs dataset.data_files.questions (video_info.meta.jsonl) and .video_folders")
    repo = Path(data_dir) / task.dataset.path
    path = _repo_file(task, data_dir, str(files["questions"]))
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    video_col = task.fields.video or "video_path"

    def video(name: str) -> Any:
        for folder in folders:
            try:
                found = resolve_inside(name, repo / folder)
            except MediaError as e:
                return _missing_media(str(e))
            if name and found.is_file():
                return LoaderFile(found)
        return _missing_media(f"video {name!r} is not in {' or '.join(folders)}")

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        n = 0
        for i, line in _json_lines(lines, path.name):
            if ROW_ERROR in line:
                yield n, line
                n += 1
                continue
            meta = {k: v for k, v in line.items() if k != "qa"}
            for qa in line.get("qa") or [{}]:
                if not isinstance(qa, dict):
                    yield n, error_row(f"{path.name} line {i + 1}: a qa entry is not an object")
                elif str(qa.get("answer") or "").strip().upper() in ("", MOTIONBENCH_UNANSWERED):
                    continue
                else:
                    yield n, {**meta, **qa, video_col: video(str(line.get("video_path") or ""))}
                n += 1

    columns = ["key", "video_path", "video_type", "question_type", "uid", "question", "answer", video_col]
    identity = stable_hash({"files": _files_identity([str(path)]), "folders": folders, "revision": task.dataset.revision})
    return RowSource(rows(), None, identity, f"files:{repo}", task.dataset.revision, columns=list(dict.fromkeys(columns)),
                     reuse_key=identity)


# --- GUI grounding (ScreenSpot-v2, ScreenSpot-Pro): the official JSON annotations and their screenshots -------------------


def gui_target_row(row: dict[str, Any], bbox_format: str, size: tuple[int, int] | None) -> dict[str, Any]:
    """One ScreenSpot annotation with ``box`` (the target's ``[x1, y1, x2, y2]`` in pixels, as JSON text; ``bbox`` is
    ``[x, y, w, h]`` in ScreenSpot-v2's files, ``[x1, y1, x2, y2]`` in ScreenSpot-Pro's) and ``image_width`` /
    ``image_height`` (``size``: the annotation's ``img_size`` where it has one, else the screenshot's header). A ``bbox``
    that is not four numbers makes the row an error."""
    try:
        a, b, c, d = (float(v) for v in row.get("bbox") or ())
    except (TypeError, ValueError):
        return error_row(f"screenspot: {row.get('id') or row.get('img_filename')!r} bbox {row.get('bbox')!r} is not four numbers")
    box = [a, b, a + c, b + d] if bbox_format == "xywh" else [a, b, c, d]
    return {**row, "box": json.dumps(box), "image_width": size[0] if size else None, "image_height": size[1] if size else None}


def _gui_json_loader(bbox_format: str) -> Loader:
    def load(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
        """ScreenSpot's own files from a mirror of the repo: every JSON file the ``annotations`` pattern names (a list of
        targets each; ``dataset.data_files: {annotations: "annotations/*.json", images: images}``), in name order, each
        row with ``annotation_file`` (the file's stem), ``screenshot`` (its ``img_filename`` as written: the cluster of the
        screenshot's targets) and that name read as a path inside the ``images`` folder
        (a name outside it, or a file missing, is that sample's error) and ``gui_target_row``'s ``box`` and size."""
        from PIL import Image as PILImage

        from evals.data.media import LoaderFile, MediaError, resolve_inside

        if data_dir is None:
            raise DataError(f"task {task.name}: its screenshots are read from a mirror: put the files of {task.dataset.path} "
                            f"under DIR/{task.dataset.path} as the task's description says and pass --data-dir DIR")
        repo = Path(data_dir) / task.dataset.path
        names = {"annotations": "*.json", "images": "images", **{k: str(v) for k, v in (task.dataset.data_files or {}).items()}}
        files = sorted(repo.glob(names["annotations"]))
        if not files:
            raise DataError(f"task {task.name}: the mirror {repo} has no annotation files ({names['annotations']})")
        images = repo / names["images"]
        image_col = task.fields.image if isinstance(task.fields.image, str) else "img_filename"

        def target(row: dict[str, Any], stem: str) -> dict[str, Any]:
            name = str(row.get(image_col) or "")
            try:
                path = resolve_inside(name, images)
            except MediaError as e:
                return {**row, "annotation_file": stem, image_col: _missing_media(str(e))}
            if not (name and path.is_file()):
                return {**row, "annotation_file": stem, image_col: _missing_media(f"screenshot {name!r} is not in {names['images']}/")}
            size = row.get("img_size")
            if not (isinstance(size, list) and len(size) == 2):
                try:
                    with PILImage.open(path) as image:  # the header alone
                        size = image.size
                except Exception:  # noqa: BLE001  (a broken image is the sample's media error when it is decoded)
                    size = None
            return gui_target_row({**row, "annotation_file": stem, "screenshot": name, image_col: LoaderFile(path)}, bbox_format, size)

        tables = []
        for f in files:  # small (tens of kB each, ScreenSpot-v2 mobile 119 kB): read up front for count and columns
            try:
                items = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise DataError(f"task {task.name}: cannot read {f.name}: {e}") from None
            tables.append((f, items if isinstance(items, list) else [items]))
        keys = [k for _, items in tables for item in items if isinstance(item, dict) for k in item]

        def rows() -> Iterator[tuple[int, dict[str, Any]]]:
            n = 0
            for f, items in tables:
                for k, item in enumerate(items):
                    yield n, (target(item, f.stem) if isinstance(item, dict) else error_row(f"{f.name} item {k}: not an object"))
                    n += 1

        identity = stable_hash({"files": _files_identity([str(f) for f in files]), "images": names["images"],
                                "revision": task.dataset.revision})
        columns = list(dict.fromkeys([*keys, "annotation_file", "screenshot", "box", "image_width", "image_height"]))
        return RowSource(rows(), sum(len(items) for _, items in tables), identity, f"files:{repo}", task.dataset.revision,
                         reuse_key=identity, columns=columns)

    return load


LOADERS.register("screenspot_v2_json")(_gui_json_loader("xywh"))
LOADERS.register("screenspot_pro_json")(_gui_json_loader("xyxy"))


@LOADERS.register("screenspot_parquet")
def load_screenspot_parquet(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """ScreenSpot (v1) as rootsautomation/ScreenSpot lays it out: its parquet split (file_name, bbox, instruction, data_type,
    data_source, image), ``bbox`` already ``[x1, y1, x2, y2]`` in pixels (the card says it was converted from the original
    ``[x, y, w, h]``); each row with ``gui_target_row``'s ``box`` and the screenshot's size from its header."""
    part = open_part(task, data_dir)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in part.rows:
            yield i, (row if ROW_ERROR in row else gui_target_row(row, "xyxy", image_header_size(row.get("image"))))

    return RowSource(rows(), part.num_rows, stable_hash([part.fingerprint, "screenspot_parquet"]), part.origin, part.revision,
                     columns=[*part.columns, "box", "image_width", "image_height"])


# --- MMHal-Bench: the template file of its 96 questions and the images beside it -------------------------------------------


@LOADERS.register("mmhal_bench")
def load_mmhal_bench(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """MMHal-Bench as Shengcao1006/MMHal-Bench holds it: ``response_template.json`` (a list of 96 questions: question_type,
    question_topic, image_id, image_src, image_content (a list of labels), question, gt_answer, model_answer) and the
    OpenImages pictures in ``images/``, each named as its ``image_src`` URL ends (``images/10172500456_1f40b6bd38_o.jpg``).
    Each row in file order (the official analysis reads question i as type i % 8), with ``image`` ({bytes, path}; a
    picture missing is that sample's error), ``image_content_text`` (the labels joined with ", ", as eval_gpt_mmhal.py
    puts them in its grading prompt) and ``row_index``. From a mirror, or file by file from the Hub."""
    path = _repo_file(task, data_dir, "response_template.json")
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DataError(f"task {task.name}: cannot read response_template.json: {e}") from None
    items = items if isinstance(items, list) else [items]

    def image(src: str) -> dict[str, Any]:
        name = src.rstrip("/").rsplit("/", 1)[-1]
        if not re.fullmatch(r"[\w.-]+", name or ""):
            return _missing_media(f"image_src {src!r} does not end in a file name")
        try:
            found = _repo_file(task, data_dir, f"images/{name}")
        except DataError as e:
            return _missing_media(str(e))
        return {"bytes": found.read_bytes(), "path": f"images/{name}"}

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                yield i, error_row(f"response_template.json item {i}: not an object")
                continue
            labels = item.get("image_content") or []
            yield i, {**item, "row_index": i, "image": image(str(item.get("image_src") or "")),
                      "image_content_text": ", ".join(str(label) for label in labels)}

    keys = list(dict.fromkeys(k for item in items if isinstance(item, dict) for k in item))
    return RowSource(rows(), len(items), stable_hash({"files": _files_identity([str(path)]), "revision": task.dataset.revision}),
                     f"files:{path.parent}", task.dataset.revision, columns=[*keys, "row_index", "image", "image_content_text"])


# --- GTZAN on MARBLE's test fold -----------------------------------------------------------------

from evals.spec.catalog import tasks_root  # noqa: E402  (appended section)
from evals.spec.preprocess import GTZAN_GENRES  # noqa: E402

GTZAN_MARBLE_TEST = "gtzan_marble_test.txt"
"""The fold's clips, one ``genre/genre.NNNNN.wav`` a line: coreyker/dnn-mgr ``gtzan/test_filtered.txt`` at
bdad579ea6cb37b665ea6019fe1026a6ce20cbc7 as it is (290 clips, Kereliuk et al. 2015's fault-filtered split), the file and commit
MARBLE's ``exp_scripts/download/download_gtzan.sh`` fetches (a43992899/MARBLE-Benchmark d9300e335eefdad8d6b825418e8c44b22d0919c7);
kept in ``tasks/data``."""


def gtzan_marble_test_clips() -> frozenset[str]:
    """The file names (``blues.00012.wav``) of the clips in MARBLE's GTZAN test fold."""
    lines = (tasks_root() / "data" / GTZAN_MARBLE_TEST).read_text(encoding="utf-8").split()
    return frozenset(line.rsplit("/", 1)[-1] for line in lines)


@LOADERS.register("gtzan_marble_test")
def load_gtzan_marble_test(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """The task's GTZAN rows (sanchit-gandhi/gtzan) whose ``file`` names a clip of MARBLE's test fold, in the file's order
    (row numbers kept). MARBLE's ``GTZAN_dataset.py`` reads ``test_filtered.txt`` and takes the label from the folder; here
    the clip's name picks the row, and a row whose ``genre`` class is not the genre its name starts with is that row's error
    (MARBLE would score the folder's). A row whose ``file`` is not text cannot be placed in or out of the fold: its error."""
    part = open_part(task, data_dir)
    clips = gtzan_marble_test_clips()

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in part.rows:
            file = row.get("file")
            if ROW_ERROR in row:
                yield i, row
            elif not isinstance(file, str):
                yield i, error_row(f"GTZAN row {i}: file {file!r} is not a clip's path")
            elif (name := file.replace("\\", "/").rsplit("/", 1)[-1]) in clips:
                genre = row.get("genre")
                named = GTZAN_GENRES[genre] if isinstance(genre, int) and 0 <= genre < len(GTZAN_GENRES) else genre
                if named != name.split(".")[0]:  # MARBLE's label is the clip's folder
                    yield i, error_row(f"GTZAN row {i}: genre {genre!r} is not the {name.split('.')[0]!r} of {name}")
                else:
                    yield i, row

    return RowSource(rows(), None, stable_hash([part.fingerprint, "gtzan_marble_test", sorted(clips)]),
                     f"{part.origin}, MARBLE's test fold", part.revision, columns=part.columns,
                     reuse_key=stable_hash([part.reuse_key, sorted(clips)]) if part.reuse_key else None)


# --- LongVideoBench with its subtitles (longvideobench_val_i) ---------------------------------------------------------

LONGVIDEOBENCH_SUBTITLE_LIMIT = 16 << 20
"""Bytes a LongVideoBench subtitle file may have (an hour's subtitles are some tens of kB); a larger one is its row's error."""


@LOADERS.register("longvideobench_subtitles")
def load_longvideobench_subtitles(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """``video_files``' rows (LongVideoBench's split with ``videos/``), each with ``subtitles``: the JSON list of
    ``<mirror>/<subtitle_folder>/<subtitle_path>`` (``dataset.data_files: {subtitle_folder: subtitles}``, the default:
    subtitles.tar unpacked, where lmms-eval's ``longvideobench_doc_to_text`` opens them, its ``subtitle_subdir``). A file
    absent, outside that folder, over ``LONGVIDEOBENCH_SUBTITLE_LIMIT`` or not a JSON list is that row's error; each file
    is read when its row streams by (a video's questions in a row read it once)."""
    from evals.data.media import MediaError, resolve_inside

    source = load_video_files(task, data_dir)
    folder = str((task.dataset.data_files or {}).get("subtitle_folder", "subtitles")).strip("/")
    root = Path(data_dir) / task.dataset.path / folder  # type: ignore[arg-type]  (load_video_files refused None)

    @lru_cache(maxsize=8)
    def subtitles(name: str) -> list[Any] | str:
        try:
            path = resolve_inside(name, root)
        except MediaError as e:
            return f"subtitles: {e}"
        if not name or not path.is_file():
            return f"subtitles: {name!r} is not in {folder}/"
        if path.stat().st_size > LONGVIDEOBENCH_SUBTITLE_LIMIT:
            return f"subtitles: {name} is over {LONGVIDEOBENCH_SUBTITLE_LIMIT >> 20} MiB"
        try:
            lines = json.loads(path.read_bytes())
        except (ValueError, OSError) as e:
            return f"subtitles: {name} is not JSON: {str(e)[:120]}"
        return lines if isinstance(lines, list) else f"subtitles: {name} is not a list of lines"

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in source.rows:
            found = subtitles(str(row.get("subtitle_path") or "")) if ROW_ERROR not in row else []
            yield i, (error_row(found) if isinstance(found, str) else {**row, "subtitles": found} if ROW_ERROR not in row else row)

    listing = sorted(str(p) for p in root.iterdir() if p.is_file()) if root.is_dir() else []
    identity = stable_hash({"rows": source.fingerprint, "subtitles": [folder, _files_identity(listing)]})
    return RowSource(rows(), source.num_rows, identity, f"{source.origin} + subtitles in {folder}/", source.revision,
                     columns=[*source.columns, "subtitles"], reuse_key=identity)


# --- OmniSpatial: the test set's data.json and the pictures in its task folders ---------------------------------------------


@LOADERS.register("omnispatial_json")
def load_omnispatial_json(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """OmniSpatial's test set as qizekun/OmniSpatial's README lays it out once OmniSpatial-test.zip is unpacked into the
    repo's folder: ``data.json`` (``dataset.data_files: {rows: ...}``; a list of id, question, options, answer (an index),
    task_type, sub_task_type) and each question's picture at ``<task_type>/<the id before its first "_">.png``, the path
    the official vlms_eval scripts open (questions on one picture share it). Each row gets ``image`` (``{bytes, path}``; a
    path outside the folder or a missing file is that sample's error) and ``picture`` (that path: the cluster)."""
    from evals.data.media import MediaError, resolve_inside

    names = {"rows": "data.json", **{k: str(v) for k, v in (task.dataset.data_files or {}).items()}}
    rows_path = _repo_file(task, data_dir, names["rows"])
    try:
        items = json.loads(rows_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DataError(f"task {task.name}: cannot read {names['rows']}: {e}") from None
    items = items if isinstance(items, list) else []
    keys = list(dict.fromkeys(k for item in items if isinstance(item, dict) for k in item))

    def picture(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = f"{row.get('task_type')}/{str(row.get('id') or '').split('_')[0]}.png"
        try:
            path = resolve_inside(name, rows_path.parent)
        except MediaError as e:
            return name, _missing_media(str(e))
        if not path.is_file():
            return name, _missing_media(f"picture {name!r} is not in {rows_path.parent.name}/")
        return name, {"bytes": path.read_bytes(), "path": name}

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                yield i, error_row(f"{names['rows']} item {i}: not an object")
                continue
            name, image = picture(item)
            yield i, {**item, "image": image, "picture": name}

    identity = stable_hash({"files": _files_identity([str(rows_path)]), "revision": task.dataset.revision})
    return RowSource(rows(), len(items), identity, f"files:{rows_path.parent}", task.dataset.revision, reuse_key=identity,
                     columns=[*keys, "image", "picture"])


# --- Ref-L4: the split's parquet and the pictures of images.tar.gz ----------------------------------------------------------

REF_L4_SIZES = (128.0, 256.0)
"""Ref-L4's size levels (``RefL4Evaluator``'s ``small_size_th`` and ``large_size_th``, JierunChen/Ref-L4
ref_l4/evaluation.py): an object is small when sqrt(w * h) of its box is under 128 pixels, large when over 256."""


def ref_l4_row(row: dict[str, Any], repo: Path) -> dict[str, Any]:
    """One Ref-L4 annotation (``caption``, ``bbox`` [x, y, w, h] in pixels, ``width``, ``height``, ``file_name``) with
    ``box`` (``[x1, y1, x2, y2]`` as JSON text, as the official evaluator turns ``bbox``), ``image_width`` /
    ``image_height`` (the row's ``width`` / ``height``), ``size`` (small, medium, large: ``REF_L4_SIZES``) and the picture
    ``file_name`` names in the mirror's folder (where ``images.tar.gz`` unpacks; also under ``images/``): a name outside
    the folder or a missing file is that sample's error; a box that is not four numbers is the row's error."""
    from evals.data.media import LoaderFile, MediaError, resolve_inside

    try:
        x, y, w, h = (float(v) for v in row.get("bbox") or ())
    except (TypeError, ValueError):
        return error_row(f"ref_l4: annotation {row.get('id')!r} bbox {row.get('bbox')!r} is not [x, y, w, h]")
    side = (w * h) ** 0.5 if w > 0 and h > 0 else 0.0
    size = "small" if side < REF_L4_SIZES[0] else "medium" if side <= REF_L4_SIZES[1] else "large"
    name = str(row.get("file_name") or "")
    picture: Any = _missing_media(f"picture {name!r} is not in the mirror {repo} (unpack images.tar.gz there)")
    for candidate in (name, f"images/{name}"):
        try:
            path = resolve_inside(candidate, repo)
        except MediaError as e:
            picture = _missing_media(str(e))
            break
        if name and path.is_file():
            picture = LoaderFile(path)
            break
    return {**row, "image": picture, "box": json.dumps([x, y, x + w, y + h]), "image_width": row.get("width"),
            "image_height": row.get("height"), "size": size}


@LOADERS.register("ref_l4")
def load_ref_l4(task: TaskSpec, data_dir: Path | None = None) -> RowSource:
    """Ref-L4 as JierunChen/Ref-L4 ships it and its ``RefL4Dataset`` reads it: the split's parquet (config ``ref_l4``:
    ``ref-l4-val.parquet``, ``ref-l4-test.parquet``) and the pictures of ``images.tar.gz``, unpacked into the mirror's
    folder (each member's name is a row's ``file_name``). Each row as ``ref_l4_row`` makes it, in file order."""
    if data_dir is None:
        raise DataError(f"task {task.name}: its pictures ship in images.tar.gz: mirror {task.dataset.path} "
                        f"(`omnieval data mirror {task.name} --to DIR`, which unpacks it) and pass --data-dir DIR")
    repo = Path(data_dir) / task.dataset.path
    part = open_part(task, data_dir)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for i, row in part.rows:
            yield i, (row if ROW_ERROR in row else ref_l4_row(row, repo))

    return RowSource(rows(), part.num_rows, stable_hash([part.fingerprint, "ref_l4"]), part.origin, part.revision,
                     columns=[*part.columns, "image", "box", "image_width", "image_height", "size"])
