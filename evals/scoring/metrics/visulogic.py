"""``visulogic_match``: VisuLogic's official answer extraction (VisuLogic-Eval ``extract_answer_v1``), rule by rule.

Options are A-D. In order:

1. ``box``: the content of the last ``\\boxed{...}`` (``\\text{``, ``\\rm{``, ``\\mathbf{`` and ``$``
   removed) when it is one of A-D;
2. ``lang``: the answer ends with `` X.`` or `` (X).``, or starts with ``X\\n``, ``(X)\\n`` or
   ``(X) X\\n``; else the text after the last of the official phrases (``answer:``,
   ``the final answer is``, ``the correct answer is``, ...), up to the first newline and the
   first full stop, is one of A-D.

The official evaluator then asks GPT; here that step is the task's extraction judge
(``judge: {when: unparsed, ...}``), when the run names one. An answer nothing reads stays
unparsed: scored wrong and counted (``unparsed_rate``), never guessed.
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
    """The official ``extract_last_boxed_content``, without its fall-backs to the whole text (None instead)."""
    stack: list[int] = []
    content = None
    for match in _BOX.finditer(text):
        if match.group().endswith("\\boxed{"):
            stack.append(match.end())
        elif match.group().endswith("}") and stack:
            start = stack.pop()
            if not stack:
                content = text[start:match.start() + 1]
    if content is None:
        return None
    for cmd in ("\\text{", "\\rm{", "\\mathbf{", "$"):
        content = content.replace(cmd, "")
    return content.replace("}", "").strip()


def lang_letter(answer: str) -> str | None:
    """The official ``extract_lang_content``: a letter at the answer's edges, or after its last answer phrase."""
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
    return None


def visulogic_letter(answer: str) -> tuple[str | None, str]:
    boxed = last_boxed(answer)
    if boxed in OPTIONS:
        return boxed, "box"
    letter = lang_letter(answer)
    return (letter, "lang") if letter else (None, "unparsed")


@scorer("visulogic_match", **LETTER_ACCURACY,
        description="VisuLogic's official extraction (last \\boxed{} letter, then its answer phrases); unparsed = wrong.")
def score_visulogic(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, visulogic_letter)
