"""Named loaders for data sets that `datasets.load_dataset` cannot read from a Hub id alone.

Each returns a ``datasets.Dataset`` or ``IterableDataset`` whose columns follow
the public schema; media columns use the ``Image``/``Audio`` features so the
same ``decode=False`` path handles them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import datasets

from evals.registry import Registry
from evals.spec import DatasetSpec

Loader = Callable[[DatasetSpec, Path], "datasets.Dataset | datasets.IterableDataset"]
LOADERS: Registry[Loader] = Registry("loader")


def _easy_vqa_root() -> Path:
    try:
        import easy_vqa
    except ImportError as e:
        raise ImportError("the easyvqa tasks need the `easy-vqa` package: pip install easy-vqa") from e
    return Path(easy_vqa.__file__).parent / "data"


def _easy_vqa_split(split: str) -> tuple[list[list], Path]:
    root = _easy_vqa_root() / split
    questions = json.loads((root / "questions.json").read_text())
    return questions, root / "images"


@LOADERS.register("easyvqa")
def load_easyvqa(spec: DatasetSpec, base_dir: Path) -> datasets.Dataset:
    """The easy-VQA questions of one split (``train``/``test``), one row per question."""
    questions, images = _easy_vqa_split(spec.split)
    rows = {
        "question_id": [f"{spec.split}-{i}" for i in range(len(questions))],
        "question": [q[0] for q in questions],
        "answer": [q[1] for q in questions],
        "image_id": [int(q[2]) for q in questions],
        "image": [str(images / f"{q[2]}.png") for q in questions],
    }
    features = datasets.Features(
        question_id=datasets.Value("string"),
        question=datasets.Value("string"),
        answer=datasets.Value("string"),
        image_id=datasets.Value("int64"),
        image=datasets.Image(),
    )
    return datasets.Dataset.from_dict(rows, features=features)


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
def load_easyvqa_caption(spec: DatasetSpec, base_dir: Path) -> datasets.Dataset:
    """One row per easy-VQA image, with reference captions made from its known colour and shape."""
    _, images = _easy_vqa_split(spec.split)
    known = easyvqa_captions(spec.split)
    ids = list(known)
    refs = []
    for i in ids:
        c, s = known[i]
        article = "an" if c[0] in "aeiou" else "a"
        refs.append([f"{article} {c} {s}", f"a {s} that is {c}", f"{article} {c} {s} on a plain background",
                     f"a simple drawing of {article} {c} {s}", f"the image shows {article} {c} {s}"])
    features = datasets.Features(
        image_id=datasets.Value("int64"),
        image=datasets.Image(),
        captions=datasets.Sequence(datasets.Value("string")),
    )
    return datasets.Dataset.from_dict(
        {"image_id": ids, "image": [str(images / f"{i}.png") for i in ids], "captions": refs}, features=features
    )


def arrow_dataset(columns: dict[str, list], features: datasets.Features) -> datasets.Dataset:
    """A Dataset built straight from Arrow, with media cells as ``{bytes, path}`` structs.

    ``Dataset.from_dict`` would run the ``Audio`` feature's encoder, which
    needs torchcodec; building the Arrow table ourselves does not.
    """
    import pyarrow as pa

    table = pa.table({name: pa.array(values, type=features[name]()) if hasattr(features[name], "pa_type") else pa.array(values) for name, values in columns.items()})
    table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features.to_dict()}})})
    return datasets.Dataset(table)


@LOADERS.register("audio_index")
def load_audio_index(spec: DatasetSpec, base_dir: Path) -> datasets.Dataset:
    """Audio files listed in ``<data_dir>/metadata.jsonl`` (the audiofolder layout: ``file_name`` + columns)."""
    root = (base_dir / (spec.data_dir or ".")).resolve()
    rows = [json.loads(line) for line in (root / "metadata.jsonl").read_text().splitlines() if line.strip()]
    if not rows:
        raise ValueError(f"{root / 'metadata.jsonl'} lists no files")
    columns: dict[str, list] = {"audio": [{"bytes": None, "path": str(root / r["file_name"])} for r in rows]}
    feature_map: dict[str, datasets.features.FeatureType] = {"audio": datasets.Audio()}
    for key in rows[0]:
        if key == "file_name":
            continue
        columns[key] = [r.get(key) for r in rows]
        feature_map[key] = datasets.Value("int64") if isinstance(rows[0][key], int) else datasets.Value("string")
    return arrow_dataset(columns, datasets.Features(feature_map))
