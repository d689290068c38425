"""``visulogic_match``: VisuLogic's official answer extraction (VisuLogic-Eval ``extract_answer_v1``), rule by rule.

The reading follows ``evaluation/eval_model.py`` of VisuLogic-Benchmark/VisuLogic-Eval at commit
00fba6ddafdc0d6805a4b9455c8df36502aeda2a (its extraction methods are the same at 9da4b12d and c3c464cf).
Options are A-D. In order:

1. ``box``: what ``extract_last_boxed_content`` returns, stripped, is one of A-D. It returns an answer shorter
   than three characters as it is (``B``, `` B``, ``B\\n`` count; ``b``, ``B.``, ``(B)`` do not); else the
   content of the last top-level ``\\boxed{...}`` (``\\text{``, ``\\rm{``, ``\\mathbf{``, ``$`` and every ``}``
   removed), or the whole answer when that content has "letter" (any case) or "or" in it or is longer than
   two characters (``\\boxed{ B }`` is not read here), or ``N`` without a box;
2. ``lang``: the answer ends with `` X.`` or `` (X).``, or starts with ``X\\n``, ``(X)\\n`` or
   ``(X) X\\n``; else the text after the last of the official phrases (``answer:``,
   ``the final answer is``, ``the correct answer is``, ...), up to the first newline and the
   first full stop, is one of A-D (any case); else the answer itself, ``<|endoftext|>`` removed, is one
   of A-D (``B<|endoftext|>``).

The official evaluator then asks GPT; here that step is the task's extraction judge
(``judge: {when: unparsed, ...}``), when the run names one. Deliberate departure: an answer nothing
reads stays unparsed without a judge (scored wrong and counted, ``unparsed_rate``), where the official
code can only ask its paid GPT judge.
"""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

OPTIONS = ("A", "B", "C", "D")
_BOX = re.compile(r"\\boxed\{|[^\\]\}")
_PHRASES = ("answer:", "the final answer is:", "the answer is option:", "the answer is:", "the correct answer is option:",
            "the correct answer is:", "the answer should be:", "the final answer is", "the answer is option", "the answer is",
            "the correct answer is option", "the correct answer is", "the answer should be")


def last_boxed(text: str) -> str | None:
    """The content of the last top-level ``\\boxed{...}`` of ``text``, its LaTeX wrappers and every ``}`` removed
    (not stripped); None when ``text`` has none."""
    depth: list[int] = []
    content = None
    for match in _BOX.finditer(text):
        if match.group().endswith("\\boxed{"):
            depth.append(match.end())
        elif depth:
            start = depth.pop()
            if not depth:
                content = text[start:match.end() - 1]
    if content is None:
        return None
    for wrapper in ("\\text{", "\\rm{", "\\mathbf{", "$"):
        content = content.replace(wrapper, "")
    return content.replace("}", "")


def box_reading(text: str) -> str:
    """What the official ``extract_last_boxed_content`` gives for ``text``: the text itself when shorter than three
    characters, else the last box's content, or the whole text when that content is no short answer, or ``N``."""
    if len(text) < 3:
        return text
    content = last_boxed(text)
    if content is None:
        return "N"
    if content and ("letter" in content.lower() or "or" in content or len(content) > 2):
        return text
    return content


def lang_letter(answer: str) -> str | None:
    """The official ``extract_lang_content``: a letter at the answer's edges, or after its last answer phrase, or the
    answer itself when, ``<|endoftext|>`` removed, it is a letter."""
    ans = answer.replace("<|endoftext|>", "")
    for c in OPTIONS:
        if ans.endswith((f" {c}.", f" ({c}).")) or ans.startswith((f"{c}\n", f"({c})\n", f"({c}) {c}\n")):
            return c
    lower = ans.lower()
    for flag in _PHRASES:
        if flag in lower:
            lower = lower.split(flag)[-1].strip().split("\n")[0].split(".")[0]
            if lower.upper() in OPTIONS:
                return lower.upper()
    return ans if ans in OPTIONS else None  # the official fall-back returns the answer itself: a bare letter counts


def visulogic_letter(answer: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as VisuLogic-Eval's ``extract_answer_v1`` reads ``answer`` by its rules, or ``(None, "unparsed")``."""
    answer = str(answer)
    boxed = box_reading(answer).strip()
    if boxed in OPTIONS:
        return boxed, "box"
    letter = lang_letter(answer)
    return (letter, "lang") if letter else (None, "unparsed")


@scorer("visulogic_match", **LETTER_ACCURACY,
        description="VisuLogic's official extraction (a short answer or the last \\boxed{} letter, then its answer phrases); unparsed = wrong.")
def score_visulogic(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, visulogic_letter)
