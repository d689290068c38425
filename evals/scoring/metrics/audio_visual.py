"""The answer reading of the audio-visual video benchmarks, each as its official code reads an answer.

- ``worldsense_accuracy``: WorldSense as VLMEvalKit evaluates it (the benchmark's README names VLMEvalKit as its
  evaluation code; vlmeval/dataset/utils/worldsense.py ``extract_characters_regex``): MME-RealWorld's rules
  (``WORLDSENSE_PREFIXES``: ``mme_realworld.MME_REALWORLD_PREFIXES``, the run-together pairs included, and ``Answer:``,
  ``Option:``, removed wherever they occur) over the letters A-D: the first capital A-D left. Where it reads nothing VLMEvalKit asks its
  choice extractor, which under its default ``exact_matching`` has no options to match (``extract_option`` looks for
  them in the question text, which holds none) and scores the question wrong: here it is unparsed, wrong and counted.
- ``daily_omni_accuracy``: Daily-Omni's test_model/Qwen3-Omni/testmodel.py ``extract_choice_letter`` (the script the
  benchmark's authors run Qwen3-Omni with): in the text after the last ``</think>``, then the text with whole
  ``<think>`` blocks removed, then the whole text, the first of: an ``<answer>X</answer>`` tag, a line starting
  ``answer``, ``final answer``, ``the answer is`` or ``答案`` followed by a letter, a letter A-D starting the text (either
  case, followed by a space, ``.``, ``)``, a colon or the end), the last standalone A-D of the upper-cased text (so the
  article in "a dog" reads as ``A``, as officially); else nothing: unparsed.
- ``video_holmes_accuracy``: Video-Holmes' evaluate.py: the last ``<answer>...</answer>`` (else the whole answer), then
  the first of A-F followed by a space or a colon or preceded by ``[``, in letter order, else the first of A-F
  contained anywhere, in letter order (``Because B`` reads as ``B``, ``The answer is C`` as ``C``); else ``WRONG``:
  unparsed.

Each reader returns ``(letter, rule)`` or ``(None, "unparsed")``; a request that failed is an error, never scored (the
official scripts score their ``"Wrong"`` placeholder). Checked against the official code's outputs in
tests/conformance/test_audio_visual.py.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters
from evals.scoring.metrics.mme_realworld import MME_REALWORLD_PREFIXES

WORLDSENSE_PREFIXES = (*MME_REALWORLD_PREFIXES, "Answer:", "Option:")
"""VLMEvalKit's WorldSense list: MME-RealWorld's (its two run-together pairs included) and ``Answer:``, ``Option:``."""
_ABCD = re.compile(r"[ABCD]")
_THINK_END = re.compile(r"</think>", re.IGNORECASE)
_THINK_BLOCK = re.compile(r"(?is)<think>.*?</think>")
_DAILY_RULES = (("answer_tag", re.compile(r"(?is)<answer>\s*([A-D])\s*</answer>").search),
                ("answer_phrase", re.compile(r"(?i)(?:^|[\n\r])\s*(?:final answer|answer|the answer is|答案)\s*[:：]?\s*([A-D])\b").search),
                ("direct", re.compile(r"(?i)^\s*([A-D])(?:[\s\.\):：]|$)").match))
_STANDALONE_ABCD = re.compile(r"\b([A-D])\b")
_ANSWER_TAG = re.compile(r"<answer>\s*(.*?)\s*</answer>", re.DOTALL)
_HOLMES_LETTERS = "ABCDEF"


def worldsense_letter(prediction: str) -> tuple[str | None, str]:
    """The letter VLMEvalKit's WorldSense ``extract_characters_regex`` reads, ``(letter, "letter")`` or unparsed."""
    s = prediction.strip() if isinstance(prediction, str) else ""
    for prefix in WORLDSENSE_PREFIXES:
        s = s.replace(prefix, "")
    m = _ABCD.search(s)  # the official "more than ten words and no A-D" rule reads nothing, as no A-D does
    return (m.group(0), "letter") if m else (None, "unparsed")


def daily_omni_letter(prediction: str) -> tuple[str | None, str]:
    """The letter Daily-Omni's ``extract_choice_letter`` reads, ``(letter, rule)`` (``answer_tag``, ``answer_phrase``,
    ``direct``, ``last_letter``) or ``(None, "unparsed")``."""
    raw = prediction.strip() if isinstance(prediction, str) else ""
    ends = list(_THINK_END.finditer(raw))
    views = [raw[ends[-1].end():].strip() if ends else raw, _THINK_BLOCK.sub(" ", raw).strip(), raw]
    for view in dict.fromkeys(v for v in views if v):  # each distinct non-empty view once, in that order
        for rule, find in _DAILY_RULES:
            m = find(view)
            if m:
                return m.group(1).upper(), rule
        letters = _STANDALONE_ABCD.findall(view.upper())
        if letters:
            return letters[-1], "last_letter"
    return None, "unparsed"


def video_holmes_letter(prediction: str) -> tuple[str | None, str]:
    """The letter Video-Holmes' evaluate.py reads: ``marked`` (``X ``, ``X:``, ``[X``) or ``contained``, from the last
    ``<answer>`` tag's content when there is one (``answer_tag_`` before the rule); else unparsed."""
    text = prediction if isinstance(prediction, str) else ""
    tags = _ANSWER_TAG.findall(text)
    where, text = ("answer_tag_", tags[-1].strip()) if tags else ("", text)
    for letter in _HOLMES_LETTERS:
        if f"{letter} " in text or f"{letter}:" in text or f"[{letter}" in text:
            return letter, f"{where}marked"
    for letter in _HOLMES_LETTERS:
        if letter in text:
            return letter, f"{where}contained"
    return None, "unparsed"


@scorer("worldsense_accuracy", **LETTER_ACCURACY,
        description="WorldSense accuracy: VLMEvalKit's extract_characters_regex over A-D; unread answers are wrong and counted.")
def score_worldsense(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, worldsense_letter)


@scorer("daily_omni_accuracy", **LETTER_ACCURACY,
        description="Daily-Omni accuracy: the Qwen3-Omni test script's extract_choice_letter (answer tag, answer line, leading "
                    "letter, last standalone A-D); anything else is wrong and counted.")
def score_daily_omni(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, daily_omni_letter)


@scorer("video_holmes_accuracy", **LETTER_ACCURACY,
        description="Video-Holmes accuracy: the official evaluate.py reading (<answer> tag, then the first marked or contained "
                    "letter A-F); anything else is wrong and counted.")
def score_video_holmes(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, video_holmes_letter)


# OmniEvalKit (OpenBMB/OmniEvalKit, the kit MiniCPM-o 4.5's omni tables come from) o_e_Kit/utils/metrics/evaluator_mqa.py
# MQAEvaluator._build_extraction_templates: its phrases, [CHOICE] standing for a letter, each also with ".", ",", ":" or ")"
# after it; the text and the phrase both lower-cased.
_OMNIEVALKIT_PHRASES = (
    "答案是[CHOICE]", "答案是:[CHOICE]", "答案是：[CHOICE]", "答案是 [CHOICE]", "答案是选项[CHOICE]", "答案应该是[CHOICE]",
    "答案选[CHOICE]", "[CHOICE]是正确", "选项[CHOICE]是最合适的", "正确答案是[CHOICE]", "应该选[CHOICE]", "选择[CHOICE]",
    "the answer is [CHOICE]", "the correct answer is [CHOICE]", "answer is [CHOICE]", "answer: [CHOICE]",
    "the answer is ([CHOICE])", "the answer is option [CHOICE]", "would select [CHOICE]", "would choose [CHOICE]",
    "would select option [CHOICE]", "would choose option [CHOICE]", "[CHOICE] is the best answer", "[CHOICE] is correct",
    "option [CHOICE] is correct", "the best answer is [CHOICE]", "the best option is [CHOICE]", 'the answer is "[CHOICE]"',
    "the answer is '[CHOICE]'", "answer is: [CHOICE]", "answer is ([CHOICE])", "([CHOICE])", "option [CHOICE]",
    "**[CHOICE]**", "**[CHOICE].", "**[CHOICE])", "is [CHOICE]", "is: [CHOICE]", "would be [CHOICE]", "is option [CHOICE]",
    ": [CHOICE]", "\\boxed{[CHOICE]}", "\\text{[CHOICE]}")
OMNIEVALKIT_TEMPLATES = tuple(p + end for p in _OMNIEVALKIT_PHRASES for end in ("", ".", ",", ":", ")"))
_OMNIEVALKIT_BRACKETS = tuple(re.compile(p) for p in (r"\(([A-D])\)", r"\[([A-D])\]", r"（([A-D])）"))
_OMNIEVALKIT_LETTERS = "ABCDEFGHIJ"


def omnievalkit_mqa_letter(prediction: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """The letter OmniEvalKit's ``MQAEvaluator.eval`` reads by its rules, over the letters of the options (up to ten):
    ``template`` (the first template, in its order, containing a letter, letters in order, anywhere in the lower-cased
    text: "this is a cat" reads as ``A`` by "is [CHOICE]"), ``pattern`` (a text of three characters or fewer containing a
    letter; the text starting with a letter followed by one of ``.,;:) `` or a line break, or the letter alone; the first
    ``(X)``, ``[X]`` or ``（X）`` of A-D), ``content`` (the text equal to an option's text, or holding an option text of more
    than three characters that is more than half of it); else ``(None, "unparsed")``, where the kit next asks a sentence
    embedding model, then an LLM."""
    text = " ".join(str(prediction if isinstance(prediction, str) else "").lower().split())
    letters = _OMNIEVALKIT_LETTERS[: len(choices)]
    for template in OMNIEVALKIT_TEMPLATES:
        for letter in letters:
            if template.replace("[CHOICE]", letter.lower()) in text:
                return letter, "template"
    if len(text) <= 3:
        for letter in letters:
            if letter in text.upper():
                return letter, "pattern"
    for letter in letters:
        if text.startswith(letter.lower()) and (len(text) == 1 or text[1] in ".,;:) \n"):
            return letter, "pattern"
    for bracket in _OMNIEVALKIT_BRACKETS:
        for found in bracket.findall(text.upper()):
            if found in letters:
                return found, "pattern"
    for letter, option in zip(letters, choices):
        content = str(option).lower() if option is not None else ""
        if content and (content == text or (len(content) > 3 and content in text and len(content) / len(text) > 0.5)):
            return letter, "content"
    return None, "unparsed"


@scorer("omnievalkit_mqa_accuracy", **LETTER_ACCURACY,
        description="Multiple-choice accuracy as OmniEvalKit's MQAEvaluator reads answers by its rules (templates, leading "
                    "letter, bracketed letter, option text); what they cannot read is wrong and counted.")
def score_omnievalkit_mqa(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, omnievalkit_mqa_letter, with_choices=True)
