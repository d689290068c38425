"""Row transforms for what a task's data cannot say by itself, each registered by name.

A preprocessor takes one raw row (a dict, media still encoded) and returns a
row; the task's field map then reads from the result. Keep them pure.
"""

from __future__ import annotations

import ast
import csv
import functools
import json
import re
import string
from pathlib import Path
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


def index_letter(row: Row, column: str, options: list[Any] | None, options_column: str) -> str:
    """The letter of the option whose index is in ``column``; a value that is no index of ``options`` is an error naming both."""
    value = row.get(column)
    try:
        i = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{column} {value!r} is not an option index") from None
    n = len(options) if options is not None else 0
    if not 0 <= i < n:
        raise ValueError(f"{column} {i} is not among the {n} choices ({options_column})")
    return string.ascii_uppercase[i]


@PREPROCESSORS.register("answer_index_to_letter")
def answer_index_to_letter(row: Row) -> Row:
    """ScienceQA/AI2D: ``answer`` is an index (int or digit string) into ``choices``/``options``."""
    column = "choices" if "choices" in row else "options"
    options = row.get(column)
    return {**row, "answer_letter": index_letter(row, "answer", list(options) if isinstance(options, (list, tuple)) else None, column)}


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
    try:
        choices = [str(c) for c in parse_list_text(row.get("options"))]
    except (ValueError, SyntaxError) as e:
        raise ValueError(f"options {row.get('options')!r} is not a list written as text: {e}") from None
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
    try:
        question_index = int(row["index"]) % 1_000_000
    except (TypeError, ValueError):
        raise ValueError(f"index {row['index']!r} is not an integer") from None
    return {**row, "choices": choices, "hint": hint, "question_index": question_index}


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
    choices = [str(row[f"a{i}"]).strip() for i in range(5)]
    return {**row, "choices": choices, "answer_letter": index_letter(row, "answer", choices, "a0 .. a4")}


@PREPROCESSORS.register("candidates")
def candidates(row: Row) -> Row:
    """MVBench: ``candidates`` (option texts) -> ``choices``; ``answer`` (an option's text) -> ``answer_letter``."""
    if not isinstance(row.get("candidates"), (list, tuple)):
        raise ValueError(f"candidates {row.get('candidates')!r} is not a list of options")
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


@PREPROCESSORS.register("mmau")
def mmau(row: Row) -> Row:
    """MMAU (lmms-lab/mmau): ``choices`` is a JSON list written as text -> a list of option texts."""
    choices = row.get("choices")
    parsed = json.loads(choices) if isinstance(choices, str) else choices
    if not isinstance(parsed, list) or not parsed:
        raise ValueError(f"MMAU choices {choices!r} is not a JSON list of options")
    return {**row, "choices": [str(c) for c in parsed]}


def comma_labels(value: Any) -> list[str]:
    """Labels a column lists as one comma-separated string (``"rec,ocr,math"``) or as a list: each stripped, empty ones
    and repeats left out, in the order given. For a multi-label subgroup field (``path[*]``)."""
    items = value if isinstance(value, (list, tuple)) else ([] if value is None else str(value).split(","))
    return list(dict.fromkeys(s for s in (str(v).strip() for v in items if v is not None) if s))


@PREPROCESSORS.register("mmvet")
def mmvet(row: Row) -> Row:
    """MM-Vet: ``capabilities``, the capabilities ``capability`` names (``"rec,ocr,math"`` in lmms-lab's copy, a list in
    the official mm-vet.json) as a list, so ``capabilities[*]`` counts a sample in each of them, as the official
    scorer's per-capability table does; ``capability`` itself (the combination) is left as it is."""
    return {**row, "capabilities": comma_labels(row.get("capability"))}


CREMA_D_EMOTIONS = {"ANG": ("anger", "angry"), "DIS": ("disgust", "disgusted"), "FEA": ("fear", "fearful"),
                    "HAP": ("happy", "happiness"), "NEU": ("neutral", "neutral"), "SAD": ("sad", "sadness")}
"""CREMA-D's emotion codes (the third part of a file name) -> (the label the prompt lists, its other word form)."""
_CREMA_D_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
_CREMA_D_FILE = re.compile(r"(?:.*/)?(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})(?:\.\w+)?$")


@PREPROCESSORS.register("crema_d")
def crema_d(row: Row) -> Row:
    """CREMA-D: the file name ``1001_DFA_ANG_XX.wav`` says actor, sentence, acted emotion and its level.

    ``emotion`` is the acted emotion's label and ``emotions`` its two word forms (both are right answers);
    ``speaker`` the actor (a cluster: one actor's clips are resampled together); ``gender`` lower-cased.
    """
    m = _CREMA_D_FILE.match(str(row.get("file", "")))
    if not m or m.group(3) not in CREMA_D_EMOTIONS:
        raise ValueError(f"CREMA-D file {row.get('file')!r} is not <actor>_<sentence>_<emotion>_<level>.wav with a known emotion")
    actor, sentence, code, level = m.groups()
    words = CREMA_D_EMOTIONS[code]
    return {**row, "speaker": actor, "sentence": sentence, "emotion": words[0], "emotions": list(dict.fromkeys(words)),
            "level": _CREMA_D_LEVELS.get(level, level.lower()), "gender": str(row.get("gender") or "unknown").strip().lower()}


@functools.cache
def _librispeech_speakers() -> dict[str, str]:
    """speaker id -> ``female`` / ``male`` for LibriSpeech's test speakers (``evals/tables/librispeech_speakers.csv``)."""
    path = Path(__file__).resolve().parents[1] / "tables" / "librispeech_speakers.csv"
    with open(path, newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {r["speaker_id"]: {"F": "female", "M": "male"}[r["sex"]] for r in rows}


@PREPROCESSORS.register("librispeech_speaker_sex")
def librispeech_speaker_sex(row: Row) -> Row:
    """LibriSpeech: ``speaker_sex`` (``female`` / ``male``) joined on ``speaker_id`` from LibriSpeech's own SPEAKERS.TXT
    (the test-clean and test-other speakers ship with omnieval); a speaker not in it is ``unknown``."""
    return {**row, "speaker_sex": _librispeech_speakers().get(str(row["speaker_id"]), "unknown")}


_MMMU_PRO_IMAGE_TAG = re.compile(r"<image\s+(\d+)>")
MMMU_PRO_IMAGE_MARKER = "[image]"
"""What MMMU-Pro's text keeps where an ``<image N>`` tag was (mmmu-pro/infer/infer_transformers.py ``replace_images_tokens``)."""


@PREPROCESSORS.register("mmmu_pro")
def mmmu_pro(row: Row) -> Row:
    """MMMU-Pro (MMMU/MMMU_Pro): ``options`` (a list written as text) -> ``choices``, kept verbatim for the answer parser.

    Standard configs (a ``question`` column), as the official inference builds a request (MMMU-Benchmark/MMMU
    mmmu-pro/infer/infer_transformers.py ``construct_prompt``, ``replace_images_tokens``, ``origin_mmmu_doc_to_visual``):
    the text is the question and the ``A. option`` lines with each ``<image N>`` tag replaced by ``[image]``
    (``question_text``, ``options_text``); the images follow the text, one per tag in the order the tags appear (a tag
    named twice sends its image twice), and no other image is sent. ``image_slots`` is that order as positions among the
    row's images a template's ``<image N>`` picks (the untagged image columns are cleared, so position = column rank);
    a tag naming an empty image column is the row's error (the official code would send None).
    Vision config (no ``question``): only ``choices``; the question and options are in the screenshot.
    """
    try:
        choices = [str(c) for c in parse_list_text(row.get("options"))]
    except (ValueError, SyntaxError) as e:
        raise ValueError(f"options {row.get('options')!r} is not a list written as text: {e}") from None
    out = {**row, "choices": choices}
    if "question" not in row:
        return out
    question = str(row.get("question") or "")
    lines = "\n".join(f"{letter}. {option}" for letter, option in zip(option_letters(len(choices)), choices))
    order = [int(n) for n in _MMMU_PRO_IMAGE_TAG.findall(f"{question}\n{lines}")]
    for n in dict.fromkeys(order):
        if row.get(f"image_{n}") is None:
            raise ValueError(f"<image {n}> names image_{n}, which is empty")
    images = {f"image_{k}": (row.get(f"image_{k}") if k in order else None) for k in range(1, 8)}
    rank = {n: sum(1 for k in range(1, n + 1) if images[f"image_{k}"] is not None) for n in set(order)}
    return {**out, **images, "question_text": _MMMU_PRO_IMAGE_TAG.sub(MMMU_PRO_IMAGE_MARKER, question),
            "options_text": _MMMU_PRO_IMAGE_TAG.sub(MMMU_PRO_IMAGE_MARKER, lines), "image_slots": [rank[n] for n in order]}


_BLINK_ANSWER = re.compile(r"^\(([A-Z])\)$")


@PREPROCESSORS.register("blink")
def blink(row: Row) -> Row:
    """BLINK (BLINK-Benchmark/BLINK): ``answer`` is the option written ``(A)`` -> ``answer_letter`` ``A``, so that an answer
    past the last option is the row's error. The request is the official one (zeyofu/BLINK_Benchmark eval/test_benchmark.py
    ``load_prompt``): the ``prompt`` column, then the row's images ``image_1`` .. ``image_4`` that are not empty."""
    answer = str(row.get("answer") or "").strip()
    m = _BLINK_ANSWER.match(answer)
    if not m:
        raise ValueError(f"answer {row.get('answer')!r} is not an option written (A), (B), ...")
    return {**row, "answer_letter": m.group(1)}


MUIRBENCH_MAX_IMAGES = 16
"""Image columns ``image_1`` .. ``image_16`` the muirbench preprocessor spreads ``image_list`` into (MuirBench asks about 2 to 9)."""


@PREPROCESSORS.register("muirbench")
def muirbench(row: Row) -> Row:
    """MuirBench (MUIRBENCH/MUIRBENCH): ``image_list`` (a list of images) -> ``image_1`` .. ``image_16`` in order, the rest
    None (more images than that is the row's error); ``options_text``: the options as the official prompt writes them
    (muirbench/MuirBench eval/utils/preprocess.py ``create_prompt``: ``(A) option`` lines); ``pair``: the question and its
    answerable/unanswerable counterpart share it (the smaller of ``idx`` and ``counterpart_idx``), so intervals resample
    the pairs together."""
    images = row.get("image_list")
    images = list(images) if isinstance(images, (list, tuple)) else []
    if len(images) > MUIRBENCH_MAX_IMAGES:
        raise ValueError(f"image_list has {len(images)} images, more than the {MUIRBENCH_MAX_IMAGES} this task places")
    options = row.get("options")
    options = [str(o) for o in options] if isinstance(options, (list, tuple)) else []
    lines = "\n".join(f"({letter}) {option}" for letter, option in zip(option_letters(len(options)), options))
    idx, counterpart = str(row.get("idx")), row.get("counterpart_idx")
    pair = min(idx, str(counterpart), key=lambda s: (len(s), s)) if counterpart not in (None, "") else idx
    slots = {f"image_{k}": (images[k - 1] if k <= len(images) else None) for k in range(1, MUIRBENCH_MAX_IMAGES + 1)}
    return {**row, **slots, "choices": options, "options_text": lines, "pair": pair}


@PREPROCESSORS.register("vlmevalkit_mcq")
def vlmevalkit_mcq(row: Row) -> Row:
    """A multiple-choice row of a VLMEvalKit TSV read as ``ImageMCQDataset.build_prompt`` and ``build_choices`` read it
    (open-compass/VLMEvalKit e8e78f05, vlmeval/dataset/image_mcq.py, vlmeval/dataset/utils/multiple_choice.py): the
    option columns ``A`` .. ``Z`` whose cell is not missing -> ``choices`` (MMT-Bench has up to nine; unlike the
    ``mmbench`` preprocessor, which keeps ``A`` .. ``D``; the prompt's ``{{ options }}`` writes them ``X. text`` as
    build_prompt does); ``hint`` or None. Present options must be ``A``, ``B``, ... without a gap (the letters
    are re-derived from the order), else the row's error."""
    present = [c for c in string.ascii_uppercase if not (row.get(c) is None or (isinstance(row.get(c), float) and row[c] != row[c]))]
    if present != list(string.ascii_uppercase[: len(present)]):
        raise ValueError(f"the options present are {', '.join(present) or 'none'}: not A, B, ... without a gap")
    choices = [str(row[c]) for c in present]
    hint = row.get("hint")
    hint = None if hint is None or (isinstance(hint, float) and hint != hint) else str(hint)
    return {**row, "choices": choices, "hint": hint}


_MME_REALWORLD_OPTION = re.compile(r"^\(([A-E])\)")


@PREPROCESSORS.register("mme_realworld")
def mme_realworld(row: Row) -> Row:
    """MME-RealWorld as its lmms-eval copies hold it (yifanzhang114/MME-RealWorld-Lmms-eval, -CN-, -lite-: lmms-eval
    lmms_eval/tasks/mme_realworld/utils.py reads index, question, ``multi-choice options``, answer, category, l2-category and
    ``bytes``, the image base64-encoded). ``image``: the decoded bytes (a cell that already holds an image's bytes is kept);
    ``choices``: the options as written (``(A) text``, the official prompt and answer reading use them so), each in order;
    ``options_text``: one a line. Subgroups as the official evaluation/eval_your_results.py reports them: ``mme_task``
    (Perception, or Reasoning: lmms-eval's reading of ``category``), ``mme_subtask`` (``Task/<category after its last
    /``>``) and ``mme_category`` (``Task/Subtask/<l2-category lower-cased>``, ``x/attribute/...`` merged into
    ``x/attribute`` as officially)."""
    import base64
    import binascii

    cell = row.get("bytes")
    if isinstance(cell, (bytes, bytearray)) and bytes(cell).startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"RIFF")):
        image = bytes(cell)
    else:
        try:
            image = base64.b64decode(cell or b"", validate=False)
        except (binascii.Error, ValueError, TypeError) as e:
            raise ValueError(f"bytes is not base64: {e}") from None
    if not image:
        raise ValueError("bytes holds no image")
    options = row.get("multi-choice options")
    options = [str(o) for o in options] if isinstance(options, (list, tuple)) else []
    letters = [m.group(1) if (m := _MME_REALWORLD_OPTION.match(o)) else None for o in options]
    if not options or letters != list(string.ascii_uppercase[: len(options)]):
        raise ValueError(f"multi-choice options {options!r} are not (A) .. in order")
    category = str(row.get("category") or "")
    task = "Perception" if "perception" in category.lower() else "Reasoning"
    subtask = f"{task}/{category.split('/')[-1]}"
    l2 = str(row.get("l2-category") or "").lower()
    if "attribute" in l2:
        l2 = l2.split("/")[0] + "/attribute"
    return {**row, "image": image, "choices": options, "options_text": "\n".join(options), "mme_task": task,
            "mme_subtask": subtask, "mme_category": f"{subtask}/{l2}"}


MMSI_BENCH_MAX_IMAGES = 12
"""Image columns ``image_1`` .. ``image_12`` the mmsi_bench preprocessor spreads ``images`` into (MMSI-Bench asks about 2 to 10)."""


@PREPROCESSORS.register("mmsi_bench")
def mmsi_bench(row: Row) -> Row:
    """MMSI-Bench (RunsenXu/MMSI-Bench): ``images`` (a list of encoded images) -> ``image_1`` .. ``image_12`` in order, the
    rest None (more is the row's error); ``question_text``: the question (its options written in it) stripped, as lmms-eval's
    msr_doc_to_text strips it; ``choices``: the letters ``A`` .. ``D`` (the options are only in the question's text; the
    official reading knows no more than four)."""
    images = row.get("images")
    images = list(images) if isinstance(images, (list, tuple)) else []
    if not images:
        raise ValueError("images is empty")
    if len(images) > MMSI_BENCH_MAX_IMAGES:
        raise ValueError(f"images has {len(images)} images, more than the {MMSI_BENCH_MAX_IMAGES} this task places")
    slots = {f"image_{k}": (images[k - 1] if k <= len(images) else None) for k in range(1, MMSI_BENCH_MAX_IMAGES + 1)}
    return {**row, **slots, "question_text": str(row.get("question") or "").strip(), "choices": list("ABCD")}


MANTIS_MAX_IMAGES = 16
"""Image columns ``image_1`` .. ``image_16`` the mantis_eval preprocessor spreads ``images`` into."""


@PREPROCESSORS.register("mantis_eval")
def mantis_eval(row: Row) -> Row:
    """Mantis-Eval (TIGER-Lab/Mantis-Eval): the official prompt (TIGER-AI-Lab/Mantis mantis/benchmark/eval.py ``main`` and
    templates/*.txt) as ``mantis_prompt``: a multiple-choice question gets one line per option, ``\\n (A) option`` (``\\n
    option`` when the option, upper-cased, already holds ``A)``, ``A:`` or ``A.``), then "Answer with the option's letter
    from the given choices directly."; a short-answer question goes into the short-answer template. Where the text has
    fewer ``<image>`` tags than the row has images, the missing tags are put at its start (so the first images go
    first), as eval.py does for multi-image models. ``images`` -> ``image_1`` .. ``image_16`` (more is the row's
    error); ``choices``: the options of a multiple-choice question, none for a short-answer one."""
    images = row.get("images")
    images = list(images) if isinstance(images, (list, tuple)) else []
    if len(images) > MANTIS_MAX_IMAGES:
        raise ValueError(f"images has {len(images)} images, more than the {MANTIS_MAX_IMAGES} this task places")
    kind, question = row.get("question_type"), str(row.get("question") or "")
    options = [str(o) for o in row.get("options") or []] if kind == "multi-choice" else []
    if kind == "multi-choice":
        for letter, option in zip(string.ascii_uppercase, options):
            named = any(f"{letter}{mark}" in option.upper() for mark in (")", ":", "."))
            question += f"\n {option}" if named else f"\n ({letter}) {option}"
        prompt = f"{question}\nAnswer with the option's letter from the given choices directly."
    elif kind == "short-answer":
        prompt = ("Given the images, answer the following short answer vqa question:\nQ: " + question
                  + '\nYou can first give your analysis, and then give your final answer as "Final Answer:"')
    else:
        raise ValueError(f"question_type {kind!r} is neither multi-choice nor short-answer")
    if prompt.count("<image>") < len(images):
        prompt = "<image>" * (len(images) - prompt.count("<image>")) + prompt
    slots = {f"image_{k}": (images[k - 1] if k <= len(images) else None) for k in range(1, MANTIS_MAX_IMAGES + 1)}
    return {**row, **slots, "choices": options, "mantis_prompt": prompt}


@PREPROCESSORS.register("vlmsareblind")
def vlmsareblind(row: Row) -> Row:
    """VLMs Are Blind (XAI/vlmsareblind): ``task_group``: the ``task`` lower-cased, the two counting-grid tasks (blank and word
    grids) as one ``counting grid``, as lmms-eval's vlmsareblind task groups them (lmms_eval/tasks/vlmsareblind/utils.py
    TASK_MAP, the paper's Table 1: 8 tasks)."""
    task = str(row.get("task") or "").strip().lower()
    if not task:
        raise ValueError("task is empty")
    return {**row, "task_group": "counting grid" if task.startswith("counting grid") else task}


@PREPROCESSORS.register("charxiv_reasoning")
def charxiv_reasoning(row: Row) -> Row:
    """CharXiv reasoning (princeton-nlp/CharXiv): ``question``, the official question with its instruction by answer type
    (``reasoning_a_type``: the official inst_category; src/reasoning_utils.py build_reasoning_queries), and
    ``judge_head``/``judge_tail``, the official grading query (build_reasoning_grading_queries) before and after the response."""
    from evals.spec.charxiv import reasoning_grading_parts, reasoning_question

    kind, query, answer = row.get("reasoning_a_type"), str(row.get("reasoning_q") or ""), str(row.get("reasoning_a") or "")
    if kind not in (1, 2, 3, 4):
        raise ValueError(f"reasoning_a_type {kind!r} is not 1-4")
    head, tail = reasoning_grading_parts(query, kind, answer)
    return {**row, "question": reasoning_question(query, kind, answer), "judge_head": head, "judge_tail": tail,
            "answer_type": {1: "text-in-chart", 2: "text-in-general", 3: "number-in-chart", 4: "number-in-general"}[kind]}


ZEROBENCH_MAX_IMAGES = 8
"""Image columns ``image_1`` .. ``image_8`` the zerobench preprocessor spreads ``question_images_decoded`` into (the main set
asks about 1 to 3 images)."""


@PREPROCESSORS.register("zerobench")
def zerobench(row: Row) -> Row:
    """ZeroBench (jonathan-roberts1/zerobench, splits zerobench and zerobench_subquestions): ``question_images_decoded`` (a
    list of images) -> ``image_1`` .. ``image_8`` in order, the rest None (none, or more than that, is the row's error);
    ``image_tags``: one ``<image>`` per image, placed before the question as VLMEvalKit's and lmms-eval's zerobench tasks
    place the images."""
    images = row.get("question_images_decoded")
    images = [i for i in images if i is not None] if isinstance(images, (list, tuple)) else []
    if not images:
        raise ValueError("question_images_decoded holds no image")
    if len(images) > ZEROBENCH_MAX_IMAGES:
        raise ValueError(f"question_images_decoded has {len(images)} images, more than the {ZEROBENCH_MAX_IMAGES} this task places")
    slots = {f"image_{k}": (images[k - 1] if k <= len(images) else None) for k in range(1, ZEROBENCH_MAX_IMAGES + 1)}
    return {**row, **slots, "image_tags": "<image>" * len(images)}


@PREPROCESSORS.register("chartqapro")
def chartqapro(row: Row) -> Row:
    """ChartQAPro (ahmed-masry/ChartQAPro, test): ``Question``, ``Answer`` and ``Year`` are lists (one item per turn of a
    Conversational row), ``Question Type`` one of five, ``Paragraph`` optional text, ``image`` the chart's encoded bytes.
    ``prompt_text``: the paragraph (empty when missing) then the paper's Direct prompt for the type, as VLMEvalKit's
    ChartQAPro.build_prompt sends them (evals/spec/chartqapro.py); ``answers``: the answers as text (the scorer reads the
    last); ``question_type`` and ``year`` (the flags) for the scorer and the subgroups."""
    from evals.spec.chartqapro import direct_prompt

    questions, answers = [str(q) for q in row.get("Question") or []], [str(a) for a in row.get("Answer") or []]
    if not answers:
        raise ValueError("Answer is empty")
    qtype = str(row.get("Question Type") or "")
    paragraph = row.get("Paragraph")
    paragraph = "" if paragraph is None or paragraph != paragraph else str(paragraph)  # VLMEvalKit: NaN -> ''
    return {**row, "prompt_text": paragraph + direct_prompt(questions, answers, qtype), "answers": answers,
            "question_type": qtype, "year": [str(y) for y in row.get("Year") or []]}


@PREPROCESSORS.register("crpe")
def crpe(row: Row) -> Row:
    """CRPE (OpenGVLab/CRPE crpe_exist.jsonl / crpe_relation.jsonl): each question is in the file once per circular shift
    of its four options, the four copies on consecutive lines; ``circular_group``: the question's block of four lines
    (``line_index // 4``), as the official eval_crpe.py groups each category's answers four by four (all-seeing-v2
    llava/eval/eval_crpe.py); ``text``, the question with its options and instruction, is asked as it is."""
    if row.get("line_index") is None:
        raise ValueError("line_index is missing (the jsonl_image_files loader sets it)")
    if not str(row.get("correct_option") or "").strip():
        raise ValueError("correct_option is empty")
    return {**row, "circular_group": str(int(row["line_index"]) // 4)}


@PREPROCESSORS.register("mmlongbench_doc")
def mmlongbench_doc(row: Row) -> Row:
    """MMLongBench-Doc (yubo2333/MMLongBench-Doc): ``evidence`` lists the official breakdown's categories a question is in
    (eval/eval_score.py ``show_results``: ``single-page``, one evidence page; ``cross-page``, an answerable question with
    any other number; ``unanswerable``, the answer ``Not answerable``: a question may be in two); ``evidence_source_list``
    is ``evidence_sources`` (a list written as text) as a list."""
    try:
        pages = ast.literal_eval(str(row.get("evidence_pages") or "[]"))
        sources = ast.literal_eval(str(row.get("evidence_sources") or "[]"))
    except SyntaxError:
        pages = sources = None
    if not isinstance(pages, list) or not isinstance(sources, list):
        raise ValueError(f"evidence_pages {row.get('evidence_pages')!r} / evidence_sources {row.get('evidence_sources')!r} are not lists")
    answerable = row.get("answer") != "Not answerable"
    evidence = (["single-page"] if len(pages) == 1 else []) + (["cross-page"] if len(pages) != 1 and answerable else [])
    return {**row, "evidence": evidence + ([] if answerable else ["unanswerable"]), "evidence_source_list": [str(s) for s in sources]}


@PREPROCESSORS.register("cc_ocr")
def cc_ocr(row: Row) -> Row:
    """CC-OCR (wulipc/CC-OCR, VLMEvalKit's CCOCR TSVs as the Hub holds them): ``image`` is the image base64-encoded, as
    lmms-eval's cc_ocr_doc_to_visual decodes it -> its bytes (text that is not base64, or none, is the row's error)."""
    import base64
    import binascii

    try:
        image = base64.b64decode(row.get("image") or "")
    except (binascii.Error, ValueError, TypeError) as e:
        raise ValueError(f"image is not base64: {e}") from None
    if not image:
        raise ValueError("image is empty")
    return {**row, "image": image}


@PREPROCESSORS.register("options_answer_text")
def options_answer_text(row: Row) -> Row:
    """``options`` (option texts) and ``answer`` (the right option's text) -> ``choices`` and ``answer_letter``, as
    ``candidates`` reads MVBench's (OmniBench: m-a-p/OmniBench; an answer that is not one of the options is the row's
    error)."""
    return candidates({**row, "candidates": row.get("options")})


@PREPROCESSORS.register("egoschema")
def egoschema(row: Row) -> Row:
    """EgoSchema (lmms-eval/egoschema): ``option`` (five ``A. text`` strings) -> ``choices``; ``answer`` (an index) ->
    ``answer_letter``."""
    options = row.get("option")
    options = [str(o) for o in options] if isinstance(options, (list, tuple)) else None
    return {**row, "choices": options or [], "answer_letter": index_letter(row, "answer", options, "option")}


@PREPROCESSORS.register("perceptiontest")
def perceptiontest(row: Row) -> Row:
    """Perception Test MC (lmms-eval/PerceptionTest_Val): ``options`` (three texts) -> ``choices``; ``answer_id`` (an
    index, as a string) -> ``answer_letter``."""
    options = row.get("options")
    options = [str(o) for o in options] if isinstance(options, (list, tuple)) else None
    return {**row, "choices": options or [], "answer_letter": index_letter(row, "answer_id", options, "options")}


LONGVIDEOBENCH_NO_OPTION = "N/A"
"""How LongVideoBench's ``option0`` .. ``option4`` mark an option a question does not have."""


@PREPROCESSORS.register("longvideobench")
def longvideobench(row: Row) -> Row:
    """LongVideoBench: ``option0`` .. ``option4`` but the ``N/A`` ones -> ``choices`` (as lmms-eval's
    ``longvideobench_doc_to_text`` lists them); ``correct_choice`` (an index) -> ``answer_letter``."""
    choices = [str(row[f"option{i}"]) for i in range(5) if row.get(f"option{i}") not in (None, LONGVIDEOBENCH_NO_OPTION)]
    return {**row, "choices": choices, "answer_letter": index_letter(row, "correct_choice", choices, "option0 .. option4")}


@PREPROCESSORS.register("videommmu")
def videommmu(row: Row) -> Row:
    """VideoMMMU (lmms-lab/VideoMMMU): ``subject`` from the id as lmms-eval's ``extract_subset_name`` reads it
    (``<split>_<subject>_<n>``: ``Art_Theory`` of ``test_Art_Theory_12``; the id itself when it has no such form)."""
    sid = str(row.get("id") or "")
    found = re.match(rf"^{re.escape(sid.split('_')[0])}_(.+?)_\d+$", sid)
    return {**row, "subject": found.group(1) if found else sid}


@PREPROCESSORS.register("mmvu")
def mmvu(row: Row) -> Row:
    """MMVU (yale-nlp/MMVU validation.json): ``choices`` (a dict A-E, all empty for open questions) -> ``options``, the
    texts in the dict's order for a multiple-choice question and none for an open one."""
    choices = row.get("choices")
    listed = [str(v) for v in choices.values()] if isinstance(choices, dict) else []
    return {**row, "options": listed if row.get("question_type") == "multiple-choice" else []}


@PREPROCESSORS.register("tomato")
def tomato(row: Row) -> Row:
    """TOMATO (lmms-eval/TOMATO): ``options`` -> ``choices``; ``answer`` (an index) -> ``answer_letter``; ``options_dict``
    the letter -> option mapping as lmms-eval's ``construct_prompt`` writes it into the prompt (Python's ``str`` of the
    dict: ``{'A': 'text', ...}``)."""
    options = row.get("options")
    options = [str(o) for o in options] if isinstance(options, (list, tuple)) else None
    letter = index_letter(row, "answer", options, "options")
    return {**row, "choices": options, "answer_letter": letter, "options_dict": str(dict(zip(option_letters(len(options)), options)))}


@PREPROCESSORS.register("mlvu")
def mlvu(row: Row) -> Row:
    """MLVU as lmms-eval reads it (sy1998/MLVU_dev, MLVU_Test): the question carries its options as ``(A) text`` lines and
    ``answer`` is a letter; lmms-eval sends only the question and compares letters, so a row of another layout (options
    only in ``candidates``, the answer an option's text, as MLVU's own JSON files have them) would be silently wrong
    there: here it is the row's error, naming what it lacks."""
    answer = str(row.get("answer") or "").strip()
    letters = option_letters(len(row.get("candidates") or []) or 6)
    if answer not in letters:
        raise ValueError(f"answer {answer!r} is not an option letter ({', '.join(letters)}): not the layout lmms-eval reads")
    if f"({answer})" not in str(row.get("question") or ""):
        raise ValueError(f"the question does not list option ({answer}): its options are not in it, as lmms-eval sends them")
    return row


MELD_EMOTIONS = ("neutral", "joy", "sadness", "anger", "fear", "disgust", "surprise")
"""MELD's seven emotion labels, as its test_sent_emo.csv writes them (lower case)."""


@PREPROCESSORS.register("meld")
def meld(row: Row) -> Row:
    """MELD (TwinkStart/MELD, the test_sent_emo.csv rows with their clips): ``clip`` = ``dia<Dialogue_ID>_utt<Utterance_ID>``
    (the clip's name in MELD's release, the sample's id), ``emotion`` the label as the CSV writes it (the reference: the
    official reading compares it with the answer as it is), ``sentiment`` lower-cased for the subgroups."""
    emotion = row.get("Emotion")
    if emotion not in MELD_EMOTIONS:
        raise ValueError(f"MELD Emotion {emotion!r} is not one of {', '.join(MELD_EMOTIONS)}")
    return {**row, "clip": f"dia{row['Dialogue_ID']}_utt{row['Utterance_ID']}", "emotion": emotion,
            "sentiment": str(row.get("Sentiment") or "unknown").strip().lower()}


GTZAN_GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")
"""GTZAN's ten genres in the order of the ``genre`` class label (sanchit-gandhi/gtzan's card; marsyas/gtzan's GENRES)."""


@PREPROCESSORS.register("gtzan")
def gtzan(row: Row) -> Row:
    """GTZAN: ``genre`` is a class index (0 blues ... 9 rock) -> its name, the reference and the subgroup."""
    g = row.get("genre")
    if isinstance(g, bool) or not isinstance(g, int) or not 0 <= g < len(GTZAN_GENRES):
        raise ValueError(f"GTZAN genre {g!r} is not a class index 0-{len(GTZAN_GENRES) - 1}")
    return {**row, "genre": GTZAN_GENRES[g], "genres": ", ".join(GTZAN_GENRES)}


@PREPROCESSORS.register("muchomusic")
def muchomusic(row: Row) -> Row:
    """MuChoMusic (lmms-lab/muchomusic): ``answer`` is the right option as ``(B) its text``; lmms-eval's target is its
    second character -> ``letter``. The options are the ``choices`` text, shown as it is."""
    answer = str(row.get("answer") or "")
    if len(answer) < 2 or answer[1] not in "ABCD":
        raise ValueError(f"MuChoMusic answer {answer!r} does not name an option letter A-D as its second character")
    return {**row, "letter": answer[1]}


MOTIONBENCH_OPTION = re.compile(r"(^|\n)\s*([A-F])[.):]\s*(.*?)\s*(?=(\n\s*[A-F][.):]\s)|$)", re.DOTALL)
"""An option of a MotionBench question (``A. text`` / ``A) text`` / ``A: text``, up to the next option line), as lmms-eval's
``_OPTION_BLOCK_PATTERN`` finds them (lmms_eval/tasks/motionbench/utils.py, commit 75571cfe)."""


@PREPROCESSORS.register("motionbench")
def motionbench(row: Row) -> Row:
    """MotionBench (``video_info.meta.jsonl``, the ``motionbench`` loader's rows): the question carries its options as
    ``A. text`` lines; as lmms-eval's ``_split_question_and_options`` and ``motionbench_doc_to_text`` do, the stem and
    each option's text get their whitespace squeezed, options without text are left out, and ``question`` becomes the
    stem then one ``L. text`` line per option (its own label). The answer is upper-cased and stripped. A question
    without options, or whose answer is not one of its labels, is that row's error (lmms-eval drops it unscored)."""
    def squeeze(text: str) -> str:
        return re.sub(r"\s+", " ", text.strip())

    raw = str(row.get("question") or "").strip()
    found = list(MOTIONBENCH_OPTION.finditer(raw))
    options = [(m.group(2).upper(), squeeze(m.group(3))) for m in found if squeeze(m.group(3))]
    answer = str(row.get("answer") or "").strip().upper()
    if not options:
        raise ValueError("the question lists no 'A. text' options (lmms-eval leaves such a question out)")
    if answer not in {label for label, _ in options}:
        raise ValueError(f"answer {answer!r} is not one of the options {', '.join(label for label, _ in options)} "
                         "(lmms-eval leaves such a question out)")
    stem = squeeze(raw[: found[0].start()]) or squeeze(raw)
    return {**row, "question": "\n".join([stem, *(f"{label}. {text}" for label, text in options)]), "answer": answer}


ERQA_MAX_IMAGES = 16
"""Image columns ``image_1`` .. ``image_16`` the erqa preprocessor spreads ``images`` into."""


@PREPROCESSORS.register("erqa")
def erqa(row: Row) -> Row:
    """ERQA (FlagEval/ERQA, the parquet of embodiedreasoning/ERQA's erqa.tfrecord): ``erqa_prompt``, the question with
    ``<image k>`` where the official harness (eval_harness.py ``main``) puts image k: every image before the text when
    ``visual_indices`` is empty or all 0; else the images in the order of their index (ties in their own order), each at
    its index's character of the question (0: before everything; past the end: after the text read so far), the rest of
    the text last. ``images`` -> ``image_1`` .. ``image_16`` (more is the row's error, and so is a count of
    ``visual_indices`` other than the images', where the harness's ``zip`` would drop images, and a negative position,
    which the harness would slice from the text's end); ``choices``: A-D, the options being only in the question's text."""
    images = row.get("images")
    images = list(images) if isinstance(images, (list, tuple)) else []
    indices = [int(i) for i in (row.get("visual_indices") or [])]
    question = str(row.get("question") or "")
    if not images:
        raise ValueError("images is empty")
    if len(images) > ERQA_MAX_IMAGES:
        raise ValueError(f"images has {len(images)} images, more than the {ERQA_MAX_IMAGES} this task places")
    if indices and len(indices) != len(images):
        raise ValueError(f"visual_indices has {len(indices)} positions for {len(images)} images")
    if any(i < 0 for i in indices):
        raise ValueError(f"visual_indices {indices} has a negative position")
    tags = [f"<image {k}>" for k in range(1, len(images) + 1)]
    if not indices or all(i == 0 for i in indices):
        prompt = "".join(tags) + question
    else:
        pieces, last = [], 0
        for k, index in sorted(enumerate(indices), key=lambda pair: pair[1]):
            if 0 < index <= len(question):
                pieces.append(question[last:index])
                last = index
            pieces.append(tags[k])
        prompt = "".join(pieces) + question[last:]
    slots = {f"image_{k}": (images[k - 1] if k <= len(images) else None) for k in range(1, ERQA_MAX_IMAGES + 1)}
    return {**row, **slots, "erqa_prompt": prompt, "choices": list("ABCD")}


# --- LongVideoBench, frames interleaved with subtitles (longvideobench_val_i) ----------------------------------------

LONGVIDEOBENCH_MAX_FRAMES = 16
"""lmms-eval's ``max_num_frames`` default for longvideobench_val_i (``dataset_kwargs.get("max_num_frames", 16)``): the
task's ``video.frames`` must say the same, so the ``<image>`` placeholders here and the frames sampled match."""


def longvideobench_frame_times(duration: float, max_frames: int = LONGVIDEOBENCH_MAX_FRAMES) -> list[float]:
    """lmms-eval's ``compute_frame_timestamps``: the times the prompt places its frames at (``duration / max_frames * i``,
    or each whole second of a video no longer than ``max_frames`` s), not the sampled frames' own times."""
    if duration > max_frames:
        return [duration / max_frames * i for i in range(max_frames)]
    return [i for i in range(int(duration))]


def _lvb_seconds(timestamp: str) -> float:
    h, m, s = timestamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def longvideobench_interleave(frame_times: list[float], subtitles: list[Any], offset: float, duration: float) -> str:
    """lmms-eval's ``insert_subtitles_into_frames`` (tasks/longvideobench/utils.py at 75571cfe), one ``<image>`` a frame:
    each subtitle (``{timestamp: [start, end], text}``, an end that is not a float being the video's end; or
    ``{start, end: "h:m:s.f", line}``), shifted by ``starting_timestamp_for_subtitles``, comes after the frames at or
    before its midpoint and is kept only when a frame falls strictly inside it (widened to 1 s around its midpoint when
    shorter); the remaining frames follow the last one; lines joined by newlines."""
    out: list[str] = []
    cur = 0
    for subtitle in subtitles:
        if "timestamp" in subtitle:
            start, end = subtitle["timestamp"]
            if not isinstance(end, float):
                end = duration
            start, end, text = start - offset, end - offset, subtitle["text"]
        else:
            start, end, text = _lvb_seconds(subtitle["start"]) - offset, _lvb_seconds(subtitle["end"]) - offset, subtitle["line"]
        middle = (start + end) / 2
        for t in frame_times[cur:]:
            if t > middle:
                break
            out.append("<image>")
            cur += 1
        if end - start < 1:
            start, end = middle - 0.5, middle + 0.5
        if any(start < t < end for t in frame_times):
            out.append(text)
    out.extend("<image>" for _ in frame_times[cur:])
    return "\n".join(out)


@PREPROCESSORS.register("longvideobench_interleaved")
def longvideobench_interleaved(row: Row) -> Row:
    """``longvideobench``'s choices and answer letter, and ``interleaved``: the subtitles (the
    ``longvideobench_subtitles`` loader's ``subtitles``) with an ``<image>`` for each frame at its time, as lmms-eval's
    longvideobench_val_i prompt begins."""
    duration = float(row["duration"])
    times = longvideobench_frame_times(duration)
    text = longvideobench_interleave(times, row["subtitles"], float(row["starting_timestamp_for_subtitles"]), duration)
    return {**longvideobench(row), "interleaved": text}


@PREPROCESSORS.register("osworld_g")
def osworld_g(row: Row) -> Row:
    """OSWorld-G (MMInstruction/OSWorld-G, the rows of xlang-ai/OSWorld-G benchmark/OSWorld-G.json with their screenshots):
    ``osworld_target``, the target as JSON (``box_type`` lower-cased as lmms-eval reads it: bbox, polygon or refusal;
    ``box_coordinates``: ``[x, y, w, h]`` or a polygon's ``[x1, y1, ...]`` in pixels) for ``osworld_g_click``;
    ``image_width`` / ``image_height`` from ``image_size`` (``[w, h]``; a row without a positive one is its error, where
    lmms-eval measures the screenshot)."""
    size = row.get("image_size")
    if not (isinstance(size, (list, tuple)) and len(size) == 2 and all(isinstance(v, (int, float)) and v > 0 for v in size)):
        raise ValueError(f"image_size {size!r} is not [width, height]")
    kind = str(row.get("box_type") or "").lower()
    coords = [float(v) for v in row.get("box_coordinates") or []]
    return {**row, "box_type": kind, "image_width": size[0], "image_height": size[1],
            "osworld_target": json.dumps({"box_type": kind, "box_coordinates": coords})}


@PREPROCESSORS.register("embspatial")
def embspatial(row: Row) -> Row:
    """EmbSpatial-Bench (FlagEval/EmbSpatial-Bench): ``answer_options`` -> ``choices``; ``answer`` (an index into them) ->
    ``answer_letter``, as lmms-eval's embspatial task reads them."""
    options = row.get("answer_options")
    options = [str(o) for o in options] if isinstance(options, (list, tuple)) else None
    return {**row, "choices": options, "answer_letter": index_letter(row, "answer", options, "answer_options")}


@PREPROCESSORS.register("visualpuzzles")
def visualpuzzles(row: Row) -> Row:
    """VisualPuzzles (neulab/VisualPuzzles): ``puzzle_text``, the question as lmms-eval's ``VisualPuzzles_doc_to_text`` writes it
    before its instruction ("Question: " and the question stripped, then "Options:" and the four options as ``(A) text``
    lines, or, where ``options`` is null (the options are drawn in the image), "Options: Choose from (A) (B) (C) (D) in the
    image."); ``choices``: the four option texts, or none (the reading then knows no option texts). Options that are not
    four are the row's error (lmms-eval writes exactly four)."""
    options = row.get("options")
    text = "Question: " + str(row.get("question") or "").strip()
    if options is None:
        choices: list[str] = []
        text += "\nOptions: Choose from (A) (B) (C) (D) in the image."
    else:
        choices = [str(o) for o in options]
        if len(choices) != 4:
            raise ValueError(f"options has {len(choices)} texts, not the four lmms-eval writes")
        text += "\nOptions:\n" + "\n".join(f"({letter}) {o}" for letter, o in zip("ABCD", choices))
    return {**row, "choices": choices, "puzzle_text": text}


@PREPROCESSORS.register("treebench")
def treebench(row: Row) -> Row:
    """TreeBench (VLMEvalKit's TreeBench.tsv, HaochenWang/TreeBench): ``choices``, the option columns ``A`` .. ``Z`` that are
    there and not empty, in order, as VLMEvalKit's ``TreeBench.build_prompt`` lists them; ``hint`` or None; ``task``, the
    part of ``category`` before its ``/`` (Perception or Reasoning, the official rating's two tasks)."""
    choices = [str(row[c]) for c in string.ascii_uppercase if row.get(c) is not None]
    hint = row.get("hint")
    return {**row, "choices": choices, "hint": None if hint is None else str(hint),
            "task": str(row.get("category") or "").split("/")[0]}


@PREPROCESSORS.register("avut")
def avut(row: Row) -> Row:
    """AVUT (tsinghua-ee/AVUTBenchmark AV_Human_data.json): ``choices``, the texts of ``option_A`` .. ``option_D`` in
    order, an empty one kept (the answer letter indexes the four columns; one human question answers an empty option)."""
    return {**row, "choices": [str(row.get(f"option_{letter}") or "") for letter in "ABCD"]}
