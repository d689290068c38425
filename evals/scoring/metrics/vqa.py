"""``vqa_accuracy``: the VQA accuracy of GT-Vision-Lab/VQA's ``vqaEval.py``.

A port of ``PythonEvaluationTools/vqaEvaluation/vqaEval.py`` (``VQAEval.evaluate``,
``processPunctuation``, ``processDigitArticle``), quirks included:

- ``periodStrip`` is the official ``(?!<=\\d)(\\.)(?!\\d)``: the intended
  look-behind is written as a look-ahead, so it removes every period that is
  not followed by a digit; and the official call passes ``re.UNICODE`` (32)
  where ``re.sub``'s *count* goes, so at most 32 periods are removed.
- ``processPunctuation`` decides between deleting and spacing out each
  punctuation mark by looking at the *original* text (``p + ' ' in inText``)
  and whether any ``digit,digit`` occurs anywhere in it.
- Answers (references) are normalised only when they are not all identical
  (``if len(set(gtAnswers)) > 1``); in that branch the prediction is
  normalised (again) as well.

Accuracy of one question = mean over the leave-one-out subsets of the
references (drop reference *i*, keep the others) of ``min(1, #matches / 3)``.
With 10 annotator answers this is the standard VQA accuracy. With fewer
references the same formula is applied literally: with *k* references each
subset has *k - 1* answers, so a prediction needs 3 matching *other*
answers for full credit; with a single reference every subset is empty and the
score is always 0 (use ``exact_match`` for single-reference data). An item with
no references is an error.

Option ``normalize`` (recorded in results):

- ``official`` (default): the prediction has ``\\n``/``\\t`` replaced by
  spaces, is stripped, then always goes through ``processPunctuation`` and
  ``processDigitArticle`` (as the EvalAI server does with submitted answers);
  references follow the official ``len(set(gtAnswers)) > 1`` branch, which
  also normalises the prediction a second time.
- ``vqaeval_py``: exactly the local ``vqaEval.py`` script: the prediction is
  normalised only inside that branch.
- ``both``: always normalise prediction and every reference (lmms-eval style
  "normalise everything").
"""

from __future__ import annotations

import re
from typing import Literal, Sequence

from pydantic import BaseModel, ConfigDict

from evals.scoring.contract import ScoreInput, Stats, mean_aggregate, scorer

CONTRACTIONS = {
    "aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've", "couldnt": "couldn't",
    "couldn'tve": "couldn't've", "couldnt've": "couldn't've", "didnt": "didn't", "doesnt": "doesn't",
    "dont": "don't", "hadnt": "hadn't", "hadnt've": "hadn't've", "hadn'tve": "hadn't've", "hasnt": "hasn't",
    "havent": "haven't", "hed": "he'd", "hed've": "he'd've", "he'dve": "he'd've", "hes": "he's",
    "howd": "how'd", "howll": "how'll", "hows": "how's", "Id've": "I'd've", "I'dve": "I'd've", "Im": "I'm",
    "Ive": "I've", "isnt": "isn't", "itd": "it'd", "itd've": "it'd've", "it'dve": "it'd've", "itll": "it'll",
    "let's": "let's", "maam": "ma'am", "mightnt": "mightn't", "mightnt've": "mightn't've",
    "mightn'tve": "mightn't've", "mightve": "might've", "mustnt": "mustn't", "mustve": "must've",
    "neednt": "needn't", "notve": "not've", "oclock": "o'clock", "oughtnt": "oughtn't",
    "ow's'at": "'ow's'at", "'ows'at": "'ow's'at", "'ow'sat": "'ow's'at", "shant": "shan't",
    "shed've": "she'd've", "she'dve": "she'd've", "she's": "she's", "shouldve": "should've",
    "shouldnt": "shouldn't", "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've",
    "somebody'd": "somebodyd", "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've",
    "somebodyll": "somebody'll", "somebodys": "somebody's", "someoned": "someone'd",
    "someoned've": "someone'd've", "someone'dve": "someone'd've", "someonell": "someone'll",
    "someones": "someone's", "somethingd": "something'd", "somethingd've": "something'd've",
    "something'dve": "something'd've", "somethingll": "something'll", "thats": "that's",
    "thered": "there'd", "thered've": "there'd've", "there'dve": "there'd've", "therere": "there're",
    "theres": "there's", "theyd": "they'd", "theyd've": "they'd've", "they'dve": "they'd've",
    "theyll": "they'll", "theyre": "they're", "theyve": "they've", "twas": "'twas", "wasnt": "wasn't",
    "wed've": "we'd've", "we'dve": "we'd've", "weve": "we've", "werent": "weren't", "whatll": "what'll",
    "whatre": "what're", "whats": "what's", "whatve": "what've", "whens": "when's", "whered": "where'd",
    "wheres": "where's", "whereve": "where've", "whod": "who'd", "whod've": "who'd've",
    "who'dve": "who'd've", "wholl": "who'll", "whos": "who's", "whove": "who've", "whyll": "why'll",
    "whyre": "why're", "whys": "why's", "wont": "won't", "wouldve": "would've", "wouldnt": "wouldn't",
    "wouldnt've": "wouldn't've", "wouldn'tve": "wouldn't've", "yall": "y'all", "yall'll": "y'all'll",
    "y'allll": "y'all'll", "yall'd've": "y'all'd've", "y'alld've": "y'all'd've", "y'all'dve": "y'all'd've",
    "youd": "you'd", "youd've": "you'd've", "you'dve": "you'd've", "youll": "you'll", "youre": "you're",
    "youve": "you've",
}  # fmt: skip
MANUAL_MAP = {
    "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
ARTICLES = frozenset({"a", "an", "the"})
PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")  # sic: official regex
COMMA_STRIP = re.compile(r"(\d)(\,)(\d)")
PUNCT = [";", r"/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"]
_OFFICIAL_PERIOD_COUNT = int(re.UNICODE)  # official code passes re.UNICODE as re.sub's count


def process_punctuation(in_text: str) -> str:
    out_text = in_text
    has_digit_comma = COMMA_STRIP.search(in_text) is not None
    for p in PUNCT:
        if (p + " " in in_text or " " + p in in_text) or has_digit_comma:
            out_text = out_text.replace(p, "")
        else:
            out_text = out_text.replace(p, " ")
    return PERIOD_STRIP.sub("", out_text, count=_OFFICIAL_PERIOD_COUNT)


def process_digit_article(in_text: str) -> str:
    words = []
    for word in in_text.lower().split():
        word = MANUAL_MAP.get(word, word)
        if word not in ARTICLES:
            words.append(word)
    return " ".join(CONTRACTIONS.get(word, word) for word in words)


def normalize_vqa_answer(text: str) -> str:
    """``processDigitArticle(processPunctuation(text))`` (no whitespace cleaning)."""
    return process_digit_article(process_punctuation(text))


def _clean_whitespace(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ").strip()


class VQAAccuracyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    normalize: Literal["official", "vqaeval_py", "both"] = "official"


def vqa_accuracy_one(prediction: str, references: Sequence[str], normalize: str = "official") -> float:
    """VQA accuracy of one prediction against its annotator answers (see module docstring)."""
    if not references:
        raise ValueError("vqa_accuracy needs at least one reference answer")
    res = _clean_whitespace(prediction)
    gts = [_clean_whitespace(a) for a in references]
    if normalize in ("official", "both"):
        res = normalize_vqa_answer(res)
    if normalize == "both":
        gts = [normalize_vqa_answer(a) for a in gts]
    elif len(set(gts)) > 1:
        gts = [normalize_vqa_answer(a) for a in gts]
        res = normalize_vqa_answer(res)
    matches = sum(1 for a in gts if a == res)
    total = 0.0
    for a in gts:
        others_matching = matches - (1 if a == res else 0)
        total += min(1.0, others_matching / 3)
    return total / len(gts)


@scorer(
    "vqa_accuracy",
    aggregate=mean_aggregate("score", "vqa_accuracy"),
    options=VQAAccuracyOptions,
    primary="vqa_accuracy",
    metrics=("vqa_accuracy",),
    description="Official VQA accuracy (GT-Vision-Lab vqaEval.py), as a fraction in [0, 1].",
)
def score_vqa_accuracy(inputs: Sequence[ScoreInput], options: VQAAccuracyOptions) -> list[Stats]:
    rows = []
    for item in inputs:
        if not item.references:
            raise ValueError(f"vqa_accuracy: sample {item.id!r} has no reference answers")
        rows.append({"score": vqa_accuracy_one(item.prediction, item.references, options.normalize)})
    return rows
