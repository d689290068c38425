"""CC-OCR's four tracks scored as the official evaluators score them.

Official code: AlibabaResearch/AdvancedLiterateMachinery ``Benchmarks/CC-OCR/evaluation/evaluator/`` (commit
851672c8005bef8b7cb38c79c51a4fbf9a66d970: ``ocr_evaluator.py``, ``doc_parsing_evaluator.py``, ``kie_evaluator.py``,
``common.py``), which VLMEvalKit's ``vlmeval/dataset/utils/ccocr_evaluator`` copies (open-compass/VLMEvalKit e8e78f05;
its doc-parsing copy predates the 2025-04-09 table-extraction update, which the official repository and this module
follow). Each track is scored per subset (the row's ``split``: the 39 subsets of the official ``index/*.json``), and
the track's figure is the plain mean over its subsets, as VLMEvalKit's ``CCOCRDataset.evaluate`` and the official
``summary`` average them; the benchmark's total is the mean of the four tracks (the ``cc_ocr`` suite).

- ``cc_ocr_text_reading`` (multi-scene and multilingual text reading): the prediction and the reference are tokenized
  as ``text_normalize_and_tokenize`` does (tabs and line breaks to spaces, ``###`` and ``***`` removed, runs of
  whitespace to one space, lower-cased; words, or characters with spaces removed for Arabic, Japanese, Korean and every
  ``zh`` subset; multi-scene words keep only ``[A-Za-z0-9]``); a sample's right tokens are the multiset intersection.
  ``score``: the mean over subsets of each subset's macro F1 (the mean of the samples' F1, the figure VLMEvalKit
  reports); ``micro_f1``: the mean over subsets of the F1 of each subset's token totals (the official ``mirco_f1_score``).
- ``cc_ocr_doc_parsing``: by the subset's op: ``doc`` (LaTeX preamble commands removed, the ```` ```latex ```` block
  taken, spaces and line breaks removed, 1 - normalized edit distance), ``formula`` and ``molecular`` (their cleaning,
  1 - normalized edit distance) and ``table`` (the HTML tables extracted and flattened, full-width ASCII made
  half-width, TEDS). ``score``: the mean over subsets of the subsets' mean.
- ``cc_ocr_kie``: the answer read as JSON as ``post_process_to_json`` reads it (an answer it cannot read is unparsed:
  counted in ``unparsed_rate`` and scored as the official code scores it, as an empty prediction); values normalized
  (full-width to half-width, ``、`` to ``,``, the official space rules); ``score``: the mean over subsets of the
  field-level F1 ``tp / (tp + (fn + fp) / 2)`` of each subset's totals (the official ``f1_score``, the paper's KIE
  metric); ``acc``: the mean over subsets of the mean normalized-tree-edit-distance accuracy (the official ``acc``).

Tree edit distances (TEDS's, whose official code uses ``apted``, and the KIE accuracy's, ``zss``) are
``evals.scoring.metrics.teds``'s, Zhang and Shasha's algorithm, with the official cost functions: both packages compute
the same optimal ordered tree edit distance, and the conformance test holds this module to their outputs.
Departures: a failed request is the sample's error, never an empty prediction (the official code scores a missing
response 0 in doc parsing and as empty in the others); inputs that make the official code divide by zero (an empty
reference and prediction in doc parsing, a KIE reference with no field, two empty tables) are the sample's error.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any, Callable, Literal, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer
from evals.scoring.metrics.levenshtein import distance
from evals.scoring.metrics.teds import teds, tree_edit_distance

MULTI_SCENE_SUBSETS = ("TotalText", "IC15", "InverseText", "Hieragent", "zh_scene", "FUNSD", "CORD", "IAM", "zh_doc",
                       "zh_handwriting", "ugc_laion", "zh_vertical", "zh_dense")
MULTI_LAN_SUBSETS = ("Arabic", "French", "German", "Italian", "Japanese", "Korean", "Portuguese", "Russian", "Spanish",
                     "Vietnamese")
DOC_PARSING_SUBSETS = {"doc_photo_chn": "doc", "doc_photo_eng": "doc", "doc_scan_chn": "doc", "doc_scan_eng": "doc",
                       "table_photo_chn": "table", "table_photo_eng": "table", "table_scan_chn": "table",
                       "table_scan_eng": "table", "molecular_handwriting": "molecular",
                       "formula_handwriting": "formula"}
KIE_SUBSETS = ("sroie2019_word", "CORD", "EPHOIE_SCUT", "POIE", "COLD_SIBR", "COLD_CELL")
"""Each track's subsets, the ``dataset`` names of the official ``index/<track>.json`` (and the rows' ``split``)."""

TEXT_READING_SUBSETS = {"multi_scene_ocr": MULTI_SCENE_SUBSETS, "multi_lan_ocr": MULTI_LAN_SUBSETS}


def _mean_present(values: Sequence[np.ndarray]) -> np.ndarray:
    """Elementwise mean of the subsets' figures that are not NaN (a subset with no sample is NaN)."""
    stacked = np.stack([np.asarray(v, dtype=np.float64) for v in values])
    present = ~np.isnan(stacked)
    return safe_divide(np.where(present, stacked, 0.0).sum(axis=0), present.sum(axis=0))


def _subset_stats(subsets: Sequence[str], mine: str, stats: dict[str, float]) -> dict[str, float]:
    """Per-subset columns: this sample's ``stats`` under its own subset's index, zeros under the others'."""
    out: dict[str, float] = {}
    for k, name in enumerate(subsets):
        for key, value in stats.items():
            out[f"{key}_{k}"] = value if name == mine else 0.0
    return out


def _score_by_subset(inputs: Sequence[ScoreInput], field: str, subsets: Sequence[str], scorer_name: str,
                     score_one: Callable[[ScoreInput, str], SampleScore]) -> list[SampleScore]:
    """``score_one(item, subset)`` for each input whose ``field`` names one of the track's subsets; another subset, or a
    ValueError (an input the official code cannot score), is the sample's error."""
    out = []
    for item in inputs:
        subset = item.sample_field(field)
        if subset not in subsets:
            out.append(SampleScore(error=f"{scorer_name}: {field} {subset!r} is not one of this track's subsets {list(subsets)}"))
            continue
        try:
            out.append(score_one(item, subset))
        except ValueError as e:
            out.append(SampleScore(error=f"{scorer_name}: {e}"))
    return out


# ---- text reading -----------------------------------------------------------------------------------------------


def text_tokens(text: str, word_level: bool, alphanum_only: bool) -> list[str]:
    """``text_normalize_and_tokenize`` (lower-cased): words, or characters once spaces are removed."""
    text = text.replace("\t", " ").replace("\n", " ").replace("###", "").replace("***", "")
    text = re.sub(r"\s+", " ", text)
    tokens = text.split(" ") if word_level else list(text.replace(" ", ""))
    tokens = [t.lower() for t in tokens]
    if alphanum_only:
        tokens = [re.sub("[^A-Za-z0-9]+", "", t) for t in tokens]
    return [t for t in tokens if t]


def text_reading_config(track: str, subset: str) -> tuple[bool, bool]:
    """(word level, alphanumerics only) as ``OcrEvaluator.evaluate`` decides them from the track and the subset."""
    word_level = not (subset in ("Arabic", "Japanese", "Korean") or "zh" in subset)
    return word_level, track == "multi_scene_ocr" and word_level


def text_reading_counts(prediction: str, reference: str, track: str, subset: str) -> tuple[int, int, int]:
    """(right, reference tokens, predicted tokens) of one sample."""
    word_level, alphanum_only = text_reading_config(track, subset)
    pred = text_tokens(str(prediction).strip(), word_level, alphanum_only)
    gt = text_tokens(str(reference).strip(), word_level, alphanum_only)
    pred_counts = Counter(pred)
    right = sum(min(n, pred_counts.get(t, 0)) for t, n in Counter(gt).items())
    return right, len(gt), len(pred)


def _f1(right: Any, n_gt: Any, n_pred: Any) -> Any:
    """The official F1 of counts (its 1e-9 guards kept)."""
    recall = right / (n_gt + 1e-9)
    precision = right / (n_pred + 1e-9)
    return 2 * recall * precision / (recall + precision + 1e-9)


class TextReadingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    track: Literal["multi_scene_ocr", "multi_lan_ocr"]
    subset_field: str = "split"


_TEXT_SUBSETS = MULTI_SCENE_SUBSETS + MULTI_LAN_SUBSETS
_TEXT_KEYS = ("n", "f1", "right", "gt", "pred")
_TEXT_COLUMNS = tuple(f"{key}_{k}" for k in range(len(_TEXT_SUBSETS)) for key in _TEXT_KEYS)


def _text_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    macro = [safe_divide(totals[f"f1_{k}"], totals[f"n_{k}"]) for k in range(len(_TEXT_SUBSETS))]
    micro = [np.where(totals[f"n_{k}"] > 0, _f1(totals[f"right_{k}"], totals[f"gt_{k}"], totals[f"pred_{k}"]), np.nan)
             for k in range(len(_TEXT_SUBSETS))]
    return {"score": _mean_present(macro), "micro_f1": _mean_present(micro)}


@scorer(
    "cc_ocr_text_reading",
    aggregate=TotalsAggregate(_TEXT_COLUMNS, _text_totals),
    options=TextReadingOptions,
    primary="score",
    metrics=("score", "micro_f1"),
    internal_stats=_TEXT_COLUMNS,
    description="CC-OCR text reading: the official word/character multiset F1; score = mean over subsets of the "
                "subset's macro F1 (VLMEvalKit's figure), micro_f1 = mean over subsets of the subset's token-total F1.",
)
def score_cc_ocr_text_reading(inputs: Sequence[ScoreInput], options: TextReadingOptions) -> list[SampleScore]:
    def one(item: ScoreInput, subset: str) -> SampleScore:
        right, n_gt, n_pred = text_reading_counts(item.prediction, item.references[0], options.track, subset)
        stats = {"n": 1.0, "f1": float(_f1(right, n_gt, n_pred)), "right": float(right), "gt": float(n_gt), "pred": float(n_pred)}
        return SampleScore(stats={"f1": stats["f1"], **_subset_stats(_TEXT_SUBSETS, subset, stats)})

    return _score_by_subset(inputs, options.subset_field, TEXT_READING_SUBSETS[options.track], "cc_ocr_text_reading", one)


# ---- doc parsing ---------------------------------------------------------------------------------------------------

_LATEX_PREAMBLE = (r"\\documentclass\{.*?\}", r"\\usepackage\[.*?\]\{.*?\}", r"\\usepackage\{.*?\}", r"\\geometry\{.*?\}",
                   r"\\begin\{document\}", r"\\end\{document\}", r"\\noindent")
_FULLWIDTH_ASCII = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def _fenced(text: str, lang: str) -> str:
    """The first ```` ```lang ... ``` ```` block's body, else what follows an unclosed ```` ```lang ````, else ``text``."""
    match = re.search(rf"```{lang}(.+?)```", text, re.DOTALL)
    if match:
        return match.group(1)
    return text.split(f"```{lang}")[1] if f"```{lang}" in text else text


def _edit_score(pred: str, gt: str) -> float:
    longest = max(len(pred), len(gt))
    if longest == 0:
        raise ValueError("the reference and the prediction are both empty (the official code divides by zero)")
    return 1 - distance(pred, gt) / longest


def doc_score(prediction: str, reference: str) -> float:
    pred = prediction
    for pattern in _LATEX_PREAMBLE:
        pred = re.sub(pattern, "", pred)
    pred = _fenced(pred, "latex").replace(" ", "").replace("\n", "")
    return _edit_score(pred, reference.replace(" ", "").replace("\n", ""))


def formula_score(prediction: str, reference: str, op: str) -> float:
    if op == "formula":
        pred = prediction.replace("\n", " ").replace("```latex", "").replace("```", "").replace("\t", " ").replace(" ", "")
    else:
        pred = prediction.replace("\n", "").replace(" ", "").replace("<smiles>", "").replace("</smiles>", "")
    return _edit_score(pred, reference.replace(" ", ""))


def flat_tables(text: str) -> str:
    """``extract_and_clean_tables``: every ``<table ...>...</table>`` (a missing last ``</table>`` added), its opening tag
    bare, whitespace between tags and spaces and line breaks inside text removed, joined."""
    if "</table>" not in text:
        text += "</table>"
    out = []
    for table in re.findall(r"<table.*?>.*?</table>", text, re.DOTALL):
        table = re.sub(r"<table.*?>", "<table>", table)
        table = re.sub(r">\s+<", "><", table)
        table = re.sub(r">(.*?)<", lambda m: ">" + m.group(1).replace("\n", "").replace(" ", "") + "<", table, flags=re.DOTALL)
        out.append(table.replace("\n", "").strip())
    return "".join(out)


def table_score(prediction: str, reference: str) -> float:
    pred = flat_tables(_fenced(prediction, "html")).translate(_FULLWIDTH_ASCII)
    gt = flat_tables(reference).translate(_FULLWIDTH_ASCII)
    return teds(f"<html><body>{pred}</body></html>", f"<html><body>{gt}</body></html>")


def doc_parsing_score(prediction: str, reference: str, op: str) -> float:
    """One sample's score by its subset's op (doc, table, formula, molecular)."""
    if op == "doc":
        return doc_score(prediction, reference)
    if op == "table":
        return table_score(prediction, reference)
    return formula_score(prediction, reference, op)


class DocParsingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subset_field: str = "split"


_DOC_SUBSETS = tuple(DOC_PARSING_SUBSETS)
_DOC_COLUMNS = tuple(f"{key}_{k}" for k in range(len(_DOC_SUBSETS)) for key in ("n", "score"))


def _doc_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    return {"score": _mean_present([safe_divide(totals[f"score_{k}"], totals[f"n_{k}"]) for k in range(len(_DOC_SUBSETS))])}


@scorer(
    "cc_ocr_doc_parsing",
    aggregate=TotalsAggregate(_DOC_COLUMNS, _doc_totals),
    options=DocParsingOptions,
    primary="score",
    metrics=("score",),
    internal_stats=_DOC_COLUMNS,
    description="CC-OCR document parsing: 1 - normalized edit distance (doc, formula, molecular) or TEDS (table), as "
                "the official evaluator cleans each; score = mean over subsets of the subset's mean.",
)
def score_cc_ocr_doc_parsing(inputs: Sequence[ScoreInput], options: DocParsingOptions) -> list[SampleScore]:
    def one(item: ScoreInput, subset: str) -> SampleScore:
        value = doc_parsing_score(item.prediction, item.references[0], DOC_PARSING_SUBSETS[subset])
        return SampleScore(stats={"doc_score": value, **_subset_stats(_DOC_SUBSETS, subset, {"n": 1.0, "score": value})})

    return _score_by_subset(inputs, options.subset_field, _DOC_SUBSETS, "cc_ocr_doc_parsing", one)


# ---- key information extraction -----------------------------------------------------------------------------------


def read_kie_json(text: str) -> Any:
    """``post_process_to_json``: the first ```` ```json ... ``` ```` block (else the whole answer), stripped, line breaks
    removed, ``json.loads``; None when that fails (or reads ``null``)."""
    try:
        if "```json" in text:
            match = re.search(r"```json(.*?)```", text, re.DOTALL)
            body = match.group(1).strip().replace("\n", "")  # type: ignore[union-attr]  (no match: unparsed)
        else:
            body = text.strip().replace("\n", "")
        return json.loads(body)
    except Exception:  # noqa: BLE001  (the official code reads every failure as no answer)
        return None


def kie_text(text: str) -> str:
    """``KieEvaluator.normalize_func``: full-width to half-width (U+3000 a space), ``、`` to ``,``, then the official
    space rules around Chinese characters, punctuation, digits and Latin letters."""
    text = "".join(" " if ord(c) == 0x3000 else chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in str(text))
    text = text.replace("、", ",")
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text)
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[a-zA-Z0-9])", "", text)
    text = re.sub(r"(?<=[a-zA-Z0-9])\s+(?=[\u4e00-\u9fff])", "", text)
    text = re.sub(r"(?<![0-9])\s*([,.!?:;])\s*", r"\1 ", text)
    text = re.sub(r"(?<=[0-9])(?=[a-zA-Z])", " ", text)
    text = re.sub(r"(?<=[a-zA-Z])(?=[0-9])", " ", text)
    return re.sub(r"\s+", " ", text)


def kie_normalize_values(value: Any) -> Any:
    """``normalize_values_of_nested_dict`` with ``kie_text``: strings in objects normalized, a list's objects recursed
    into (a list's strings are kept as they are, as officially)."""
    if isinstance(value, dict):
        return {k: kie_normalize_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [kie_normalize_values(x) if isinstance(x, dict) else x for x in value]
    if isinstance(value, str):
        return kie_text(value)
    return value


def kie_canonical(data: Any) -> Any:
    """Donut's ``normalize_dict``: keys by (length, text), every value a list, empty values dropped, leaves stripped
    text (``str(x)`` of anything else that is not a list or object)."""
    if isinstance(data, dict):
        out = {}
        for key in sorted(data, key=lambda k: (len(k), k)):
            value = kie_canonical(data[key])
            if value:
                out[key] = value if isinstance(value, list) else [value]
        return out
    if isinstance(data, list):
        if all(isinstance(item, dict) for item in data):
            return [c for c in (kie_canonical(item) for item in data) if c]
        return [str(item).strip() for item in data if type(item) in (str, int, float) and str(item).strip()]
    return [str(data).strip()]


def kie_fields(data: Any) -> list[tuple[str, Any]]:
    """Donut's ``flatten``: (dotted key, leaf) pairs, a list's items under the list's key."""
    out: list[tuple[str, Any]] = []

    def visit(value: Any, key: str) -> None:
        if type(value) is dict:
            for k, v in value.items():
                visit(v, f"{key}.{k}" if key else k)
        elif type(value) is list:
            for item in value:
                visit(item, key)
        else:
            out.append((key, value))

    visit(data, "")
    return out


def kie_field_counts(pred: Any, answer: Any) -> tuple[int, int]:
    """(true positives, false negatives + false positives) of one sample, fields matched once each (``cal_f1_all``)."""
    left = kie_fields(kie_canonical(answer))
    tp = wrong = 0
    for field in kie_fields(kie_canonical(pred)):
        if field in left:
            tp += 1
            left.remove(field)
        else:
            wrong += 1
    return tp, wrong + len(left)


class _Node:
    __slots__ = ("label", "kids")

    def __init__(self, label: str, kids: list[_Node] | None = None) -> None:
        self.label, self.kids = label, kids or []


def _kie_tree(data: Any, name: str = "<root>") -> _Node:
    """Donut's ``construct_tree_from_dict``: objects' keys, ``<subtree>`` for a list's objects, ``<leaf>text``."""
    node = _Node(name)
    if isinstance(data, dict):
        node.kids = [_kie_tree(v, k) for k, v in data.items()]
    elif isinstance(data, list):
        if all(isinstance(item, dict) for item in data):
            node.kids = [_kie_tree(item, "<subtree>") for item in data]
        else:
            node.kids = [_Node(f"<leaf>{item}") for item in data]
    else:
        raise ValueError(f"{name}: {data!r} is neither an object nor a list")
    return node


def _kie_node_cost(node: _Node) -> float:
    return float(len(node.label.replace("<leaf>", ""))) if "<leaf>" in node.label else 1.0


def _kie_update_cost(a: _Node, b: _Node) -> float:
    a_leaf, b_leaf = "<leaf>" in a.label, "<leaf>" in b.label
    if a_leaf and b_leaf:
        return float(distance(a.label.replace("<leaf>", ""), b.label.replace("<leaf>", "")))
    if a_leaf != b_leaf:
        return 1.0 + len((a if a_leaf else b).label.replace("<leaf>", ""))
    return float(a.label != b.label)


def _kie_distance(a: _Node, b: _Node) -> float:
    return tree_edit_distance(a, b, lambda n: n.kids, _kie_node_cost, _kie_node_cost, _kie_update_cost)


def kie_accuracy(pred: Any, answer: Any) -> float:
    """Donut's nTED accuracy (``cal_acc``): max(0, 1 - TED(pred, answer) / TED(empty, answer))."""
    truth = _kie_tree(kie_canonical(answer))
    whole = _kie_distance(_kie_tree(kie_canonical({})), truth)
    if whole == 0:
        raise ValueError("the reference has no field (the official code divides by zero)")
    return max(0.0, 1 - _kie_distance(_kie_tree(kie_canonical(pred)), truth) / whole)


class KIEOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subset_field: str = "split"


_KIE_KEYS = ("n", "tp", "wrong", "acc")
_KIE_COLUMNS = ("unparsed", *(f"{key}_{k}" for k in range(len(KIE_SUBSETS)) for key in _KIE_KEYS))


def _kie_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    ks = range(len(KIE_SUBSETS))
    present = [totals[f"n_{k}"] > 0 for k in ks]
    f1 = [np.where(p, totals[f"tp_{k}"] / (totals[f"tp_{k}"] + totals[f"wrong_{k}"] / 2 + 1e-6), np.nan) for k, p in zip(ks, present)]
    acc = [np.where(p, totals[f"acc_{k}"] / (totals[f"n_{k}"] + 1e-6), np.nan) for k, p in zip(ks, present)]
    return {"score": _mean_present(f1), "acc": _mean_present(acc), "unparsed_rate": safe_divide(totals["unparsed"], n)}


@scorer(
    "cc_ocr_kie",
    aggregate=TotalsAggregate(_KIE_COLUMNS, _kie_totals),
    options=KIEOptions,
    primary="score",
    metrics=("score", "acc", "unparsed_rate"),
    metric_directions={"unparsed_rate": "lower"},
    internal_stats=_KIE_COLUMNS[1:],
    description="CC-OCR key information extraction: the answer read as JSON as officially (unreadable: unparsed, an "
                "empty prediction); score = mean over subsets of the field-level F1, acc = mean over subsets of Donut's "
                "nTED accuracy.",
)
def score_cc_ocr_kie(inputs: Sequence[ScoreInput], options: KIEOptions) -> list[SampleScore]:
    def one(item: ScoreInput, subset: str) -> SampleScore:
        try:
            answer = kie_normalize_values(json.loads(item.references[0]))
        except json.JSONDecodeError as e:
            raise ValueError(f"the reference is not JSON: {e}") from None
        read = read_kie_json(item.prediction)
        pred = {} if read is None else kie_normalize_values(read)
        tp, wrong = kie_field_counts(pred, answer)
        acc = kie_accuracy(pred, answer)
        stats = {"n": 1.0, "tp": float(tp), "wrong": float(wrong), "acc": acc}
        return SampleScore(stats={"unparsed": float(read is None), "field_acc": acc, **_subset_stats(KIE_SUBSETS, subset, stats)},
                           extracted=None if read is None else json.dumps(read, ensure_ascii=False),
                           rule="unparsed" if read is None else "json")

    return _score_by_subset(inputs, options.subset_field, KIE_SUBSETS, "cc_ocr_kie", one)
