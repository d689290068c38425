"""``voicebench_mcq``: VoiceBench's multiple-choice reader (``MCQEvaluator.extract_answer`` in
MatthewCYM/VoiceBench ``src/evaluator/mcq.py``), used for its ``openbookqa`` and ``mmsu`` subsets.

The answer is lower-cased (a leading ``<1>``/``<2>``/``<3>`` turn tag dropped); then each
phrase of ``TEMPLATES`` in order, with ``[CHOICE]`` replaced by ``a``, ``b``, ``c``, ``d`` in
turn, is looked for as a substring: the first found gives the letter (rule ``template``).
Else the whole answer is one letter, or starts with a letter and ``.``, ``,``, ``:`` or
``)`` (rule ``bare``); else two fixed phrases read as A (rule ``special``). The reference is
the letter (``reference`` column). Departure, on purpose: the official evaluator replaces an
unread answer by a random letter (and reports the share as ``fail``); here it is wrong and
counted (``unparsed_rate``, the same number as ``fail``), never guessed.
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

# The official phrases, in the official order (the first that matches decides, so order matters).
TEMPLATES: tuple[str, ...] = (
    "答案是[CHOICE]", "答案是 [CHOICE]", "答案是选项[CHOICE]", "答案应该是[CHOICE]", "答案应该是 [CHOICE]", "答案就是选项[CHOICE]",
    "答案是‘[CHOICE]", "是[CHOICE]：", "答案选[CHOICE]", "[CHOICE]是正确", "选项[CHOICE]是最合适的",
    "answer is: **[CHOICE]", "answer is **[CHOICE]", "the answer to the question is: **[CHOICE]",
    "the answer to the multiple-choice question is **[CHOICE]", "the answer is '[CHOICE]'", "[CHOICE] is the best answer",
    "the answer is [CHOICE]", "the correct answer is [CHOICE]", "would select [CHOICE]", "would choose [CHOICE]",
    "would select option [CHOICE]", "would choose option [CHOICE]", 'is "[CHOICE]"', 'is "[CHOICE].', "is: **[CHOICE])",
    "is **[CHOICE],", "is **[CHOICE]:", "is **[CHOICE])", "is: **[CHOICE].", "is: **[CHOICE]:", "is **[CHOICE].", "be **[CHOICE],",
    "is: **[CHOICE]**", "is therefore option **[CHOICE]:", "is: \n\n**[CHOICE])", "as **[CHOICE]:", "be **[CHOICE])", "be **[CHOICE]:",
    "is: \n\n**[CHOICE]**", "suggests **[CHOICE])", "be option **[CHOICE]:", "with **[CHOICE])", 'is typically "[CHOICE])',
    "be to **[CHOICE])", "is: \n\n[CHOICE])", "is likely to be: **[CHOICE].", "is **[CHOICE] (", "is option **[CHOICE]**",
    "is likely **[CHOICE]**", "is:\n**[CHOICE].", "is:\n\n**[CHOICE].", "would be [CHOICE]", "would be option [CHOICE]",
    "would be ([CHOICE])", "would be option ([CHOICE])", "is [CHOICE],", "is typically [CHOICE],", "is typically [CHOICE].",
    "i'd say [CHOICE].", "option [CHOICE].", "option [CHOICE]:", "option [CHOICE],", "the answer is:\n**[CHOICE]", "is [CHOICE]:",
    "is [CHOICE].", "is [CHOICE],", "is: [CHOICE].", "is ([CHOICE])", "is:\n**[CHOICE])", "is likely **[CHOICE]:", "is the **[CHOICE])",
    ":\n[CHOICE].", ":\n[CHOICE])", ":\n[CHOICE],", ": \n[CHOICE].", ":  \n[CHOICE].", ":\n\n[CHOICE].", ":\n\n[CHOICE])",
    "is most likely **[CHOICE]:", ":\n\n[CHOICE],", ": \n\n[CHOICE].", "is option [CHOICE],", "([CHOICE]) would be", "is ([CHOICE]).",
    "is [CHOICE])", "is: [CHOICE])", "is:\n\n[CHOICE]:", "is: **[CHOICE],", "(option [CHOICE])", "answer is ([CHOICE])",
    'select option "[CHOICE]"', "is: [CHOICE]", "is typically **[CHOICE],", "is **[CHOICE]**", "is likely '[CHOICE]'",
    "is option '[CHOICE]'", "is:\n**[CHOICE]:", "is \\( \\boxed{[CHOICE] ", "would be '[CHOICE]'", "is the **[CHOICE]** ",
    "question is [CHOICE] (", "is:\n\n**[CHOICE])", "closest to option **[CHOICE]**", "is most likely **[CHOICE])",
    "the answer to the question is '[CHOICE]'", "question is **[CHOICE]**", "known as '[CHOICE]'", "is '[CHOICE])",
    "is typically **[CHOICE]:", "is \\( \\boxed{\\text{[CHOICE]}} \\)", "is \\( \\text{[CHOICE]) }", "is \\( \\text{[CHOICE]} \\)",
    "is \\( \\text{[CHOICE]:", "is \\( \\text{[CHOICE])", "is \\(\\text{[CHOICE].", "is:\n\n**[CHOICE]", "is \\( \\text{[CHOICE].}",
    "is \\( \\text{[CHOICE].", "is \\( \\boxed{[CHOICE]}", "is:\n\\[ \\boxed{\\text{[CHOICE]}}", "is:\n\\[ \\text{[CHOICE])",
    "is:\n\n\\[ \\text{[CHOICE])", "is \\( \\textbf{[CHOICE])", "is \\( \\text{[CHOICE]}", "is: \\( \\text{[CHOICE].",
    "corresponds to:\n- **[CHOICE]:", "would be: **[CHOICE]**.", "is \\( [CHOICE] \\)", "is:\n**[CHOICE] ", "corresponds to option **[CHOICE]**",
    "be **[CHOICE]**", "be: \n\n[CHOICE])", "is:\n\\[ \\boxed{[CHOICE]}", "is:  \n**[CHOICE]:", "is: \\( \\text{[CHOICE])",
    "is likely: **[CHOICE],", "is } \\mathbf{[CHOICE].", "is \\( \\boxed{[CHOICE])", "is \\( \\textbf{[CHOICE]}", "is \\([CHOICE]\\)",
    "is:\n  \n**[CHOICE]:", "is option **[CHOICE] ", "is:\n\\( \\textbf{[CHOICE].", "is \\( \\mathbf{[CHOICE]}", "was option **[CHOICE]**",
    'is likely "[CHOICE])', "option **[CHOICE]:", 'is "[CHOICE])', "is most likely **[CHOICE],", "is often **[CHOICE]:",
    "is:  \n[CHOICE])", " [CHOICE].", " [CHOICE],", " [CHOICE]:", " [CHOICE])", "**[CHOICE].", "**[CHOICE])", '"[CHOICE].',
    '"[CHOICE],', '"[CHOICE]:', "([CHOICE])", '"[CHOICE]"',
)  # fmt: skip
_LETTERS = "abcd"


def voicebench_letter(response: str) -> tuple[str | None, str]:
    """(letter, rule) as VoiceBench's ``extract_answer`` reads ``response``, or (None, "unparsed")."""
    text = response.lower()
    if text[:3] in ("<1>", "<2>", "<3>"):
        text = text[3:].strip()
    for template in TEMPLATES:
        for letter in _LETTERS:
            if template.replace("[CHOICE]", letter) in text:
                return letter.upper(), "template"
    for letter in _LETTERS:
        if text == letter or any(text.startswith(letter + p) for p in ".,:)"):
            return letter.upper(), "bare"
    if "would be a." in text or 'would be "a.' in text or "the best option from the given choices would be a scorpion (a)" in text:
        return "A", "special"
    return None, "unparsed"


@scorer("voicebench_mcq", **LETTER_ACCURACY,
        description="VoiceBench's multiple-choice reader (its phrase list, then a bare letter); unread = wrong, counted.")
def score_voicebench(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, voicebench_letter)
