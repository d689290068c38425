"""Row transforms for what a task's data cannot say by itself, each registered by name.

A preprocessor takes one raw row (a dict, media still encoded) and returns a
row; the task's field map then reads from the result. Keep them pure.
"""

from __future__ import annotations

import ast
import re
import string
from typing import Any, Callable

from evals.registry import Registry

Row = dict[str, Any]
PREPROCESSORS: Registry[Callable[[Row], Row]] = Registry("preprocess")


def preprocessor_names() -> list[str]:
    return PREPROCESSORS.names()


def get_preprocessor(name: str) -> Callable[[Row], Row]:
    return PREPROCESSORS.get(name)


def option_letters(n: int) -> list[str]:
    return list(string.ascii_uppercase[:n])


def parse_list_text(value: Any) -> list[Any]:
    """Lists some datasets store as their Python repr (MMMU options, GQA entailed)."""
    if isinstance(value, list):
        return value
    if value in (None, ""):
        return []
    parsed = ast.literal_eval(str(value))
    if not isinstance(parsed, (list, tuple)):
        raise ValueError(f"expected a list written as text, got {value!r}")
    return list(parsed)


@PREPROCESSORS.register("answer_index_to_letter")
def answer_index_to_letter(row: Row) -> Row:
    """ScienceQA/AI2D: ``answer`` is an index (int or digit string) into ``choices``/``options``."""
    return {**row, "answer_letter": string.ascii_uppercase[int(row["answer"])]}


_MMMU_SUBJECT = re.compile(r"^(?:dev|validation|test)_(.+)_\d+$")


def mmmu_subject(sample_id: str) -> str:
    """``validation_Art_Theory_12`` -> ``Art_Theory`` (MMMU has no subject column)."""
    m = _MMMU_SUBJECT.match(sample_id)
    if not m:
        raise ValueError(f"MMMU id {sample_id!r} is not of the form <split>_<Subject>_<n>")
    return m.group(1)


@PREPROCESSORS.register("mmmu")
def mmmu(row: Row) -> Row:
    """MMMU: options stored as list text -> ``choices``; ``references`` is the letter (MC) or the answer(s) (open).

    ``<image N>`` tags stay in the question and options: the prompt renderer
    places image N there (columns ``image_1`` .. ``image_7``). Open answers that
    are lists written as text (``"['1.5', '1.50']"``) become several references.
    """
    choices = [str(c) for c in parse_list_text(row.get("options"))]
    answer = str(row.get("answer", ""))
    if choices and row.get("question_type", "multiple-choice") == "multiple-choice":
        references = [answer.strip()]
    else:
        choices = []
        text = answer.strip()
        references = [str(a) for a in parse_list_text(text)] if text.startswith("[") else [text]
    return {**row, "choices": choices, "references": references, "subject": mmmu_subject(str(row["id"]))}


@PREPROCESSORS.register("choice_columns")
def choice_columns(row: Row) -> Row:
    """AIR-Bench: ``choice_a`` .. ``choice_d`` (some empty) -> ``choices``; ``answer_gt`` (option text) -> letter."""
    choices = [str(row[c]) for c in ("choice_a", "choice_b", "choice_c", "choice_d") if row.get(c) not in (None, "")]
    answer = str(row.get("answer_gt", "")).strip()
    stripped = [c.strip() for c in choices]
    if answer not in stripped:
        raise ValueError(f"answer_gt {answer!r} is not one of the choices {choices!r}")
    return {**row, "choices": choices, "answer_letter": string.ascii_uppercase[stripped.index(answer)]}


def _missing(value: Any) -> bool:
    # MMBench's TSV-born columns mark an absent option or hint as NaN, "nan" or null.
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() in ("", "nan")


@PREPROCESSORS.register("mmbench")
def mmbench(row: Row) -> Row:
    """MMBench: options ``A`` .. ``D`` (absent ones missing) -> ``choices``; ``hint`` or None; ``question_index``:
    the question a row is a circular copy of (``index`` modulo 1e6, as the official evaluator groups them)."""
    choices = [str(row[c]) for c in "ABCD" if not _missing(row.get(c))]
    hint = None if _missing(row.get("hint")) else str(row["hint"])
    return {**row, "choices": choices, "hint": hint, "question_index": int(row["index"]) % 1_000_000}


@PREPROCESSORS.register("hallusionbench")
def hallusionbench(row: Row) -> Row:
    """HallusionBench: ``hb_id`` = category/subcategory/set_id/figure_id/question_id (how the official code keys a
    sample), ``hb_set`` = its set (the cluster), ``references`` = [gold yes/no from ``gt_answer`` 1/0, ``gt_answer_details``]."""
    keys = [str(row[k]) for k in ("category", "subcategory", "set_id", "figure_id", "question_id")]
    if any("/" in k for k in keys):
        raise ValueError(f"HallusionBench keys must not contain '/': {keys}")
    gold = {"1": "yes", "0": "no"}.get(str(row["gt_answer"]).strip())
    if gold is None:
        raise ValueError(f"gt_answer {row['gt_answer']!r} is not 1 or 0")
    return {**row, "hb_id": "/".join(keys), "hb_set": "/".join(keys[:3]), "references": [gold, str(row.get("gt_answer_details") or "")]}


@PREPROCESSORS.register("nextqa")
def nextqa(row: Row) -> Row:
    """NExT-QA multiple choice: options ``a0`` .. ``a4`` -> ``choices``; ``answer`` (an index) -> ``answer_letter``."""
    return {**row, "choices": [str(row[f"a{i}"]).strip() for i in range(5)], "answer_letter": string.ascii_uppercase[int(row["answer"])]}


@PREPROCESSORS.register("candidates")
def candidates(row: Row) -> Row:
    """MVBench: ``candidates`` (option texts) -> ``choices``; ``answer`` (an option's text) -> ``answer_letter``."""
    options = [str(c) for c in row["candidates"]]
    if str(row["answer"]) not in options:
        raise ValueError(f"answer {row['answer']!r} is not one of the candidates {options!r}")
    return {**row, "choices": options, "answer_letter": string.ascii_uppercase[options.index(str(row["answer"]))]}


@PREPROCESSORS.register("letters_abcd")
def letters_abcd(row: Row) -> Row:
    """VisuLogic: the options are drawn in the image; the choices are the bare letters A-D."""
    return {**row, "choices": ["A", "B", "C", "D"]}


_GENDER = {"f": "female", "m": "male"}


@PREPROCESSORS.register("vocalsound")
def vocalsound(row: Row) -> Row:
    """VocalSound: gender is the first letter of ``spk_id`` (``f0003`` -> female)."""
    spk = str(row.get("spk_id", ""))
    return {**row, "gender": _GENDER.get(spk[:1].lower(), "unknown")}


_FLEURS_GENDER = {0: "male", 1: "female", 2: "other"}


@PREPROCESSORS.register("fleurs")
def fleurs(row: Row) -> Row:
    """FLEURS: ``gender`` is a class index (0 male, 1 female, 2 other); names read better in subgroups."""
    g = row.get("gender")
    return {**row, "gender": _FLEURS_GENDER.get(g, str(g)) if isinstance(g, int) else str(g)}


ESC50_LABELS = (
    "dog", "rooster", "pig", "cow", "frog", "cat", "hen", "insects", "sheep", "crow",
    "rain", "sea waves", "crackling fire", "crickets", "chirping birds", "water drops", "wind", "pouring water",
    "toilet flush", "thunderstorm", "crying baby", "sneezing", "clapping", "breathing", "coughing", "footsteps",
    "laughing", "brushing teeth", "snoring", "drinking sipping", "door wood knock", "mouse click",
    "keyboard typing", "door wood creaks", "can opening", "washing machine", "vacuum cleaner", "clock alarm",
    "clock tick", "glass breaking", "helicopter", "chainsaw", "siren", "car horn", "engine", "train",
    "church bells", "airplane", "fireworks", "hand saw",
)  # fmt: skip
"""The 50 ESC-50 classes in target order (0-49), underscores read as spaces."""


@PREPROCESSORS.register("esc50")
def esc50(row: Row) -> Row:
    """ESC-50 zero-shot: ``label`` (``crying_baby`` -> ``crying baby``) and ``labels``, all 50 for the prompt."""
    label = str(row["category"]).replace("_", " ")
    if label not in ESC50_LABELS:
        raise ValueError(f"ESC-50 category {row['category']!r} is not one of the 50 classes")
    return {**row, "label": label, "labels": ", ".join(ESC50_LABELS)}
