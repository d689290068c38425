"""``visualpuzzles_match``: VisualPuzzles' answer reading as lmms-eval's VisualPuzzles tasks read it (``parse_response`` and
``VisualPuzzles_process_result``, lmms_eval/tasks/VisualPuzzles/utils.py, EvolvingLMMs-Lab/lmms-eval commit
75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3), rule by rule, on the answer stripped. Options are A-D; a rule gives the last of
its matches that is one of them (either case):

1. ``answer_paren``: ``Answer: (X)``; 2. ``answer``: ``Answer: X`` not after ``Final ``; 3. ``final_answer``: ``Answer: X``;
4. ``paren``: ``(X)``; then, on the answer with a space put before it: 5. ``close_paren``: ``X)``; 6. ``braces``: ``{X}``;
7. ``dollars``: ``$X$``; 8. ``letter_dot``: `` X.`` (A-D); 9. ``short``: `` X`` when the answer is four characters or fewer;
10. where the question has option texts: ``answer_text``: ``answer: TEXT`` or ``answer:TEXT`` in the answer lower-cased
(the option's text as written), then ``option_text``: the option whose text occurs last in the answer (case as written).

The answer is right when the letter is the reference, either case. Departure: where no rule reads a letter lmms-eval picks a
random letter; here the answer is unparsed (wrong, counted in ``unparsed_rate``)."""

from __future__ import annotations

import re
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY, score_letters

OPTIONS = ("A", "B", "C", "D")
_BEFORE_SPACE = (("answer_paren", r"Answer:\s*\(([A-Za-z])\)"), ("answer", r"(?<!Final )Answer:\s*([A-Za-z])"),
                 ("final_answer", r"Answer:\s*([A-Za-z])"), ("paren", r"\s*\(([A-Za-z])\)"))
_AFTER_SPACE = (("close_paren", r"\s*([A-Za-z])\)"), ("braces", r"\s*\{([A-Za-z])\}"), ("dollars", r"\s*\$([A-Za-z])\$"),
                ("letter_dot", r" ([A-Da-d])\."))


def _last_option(pattern: str, text: str) -> str | None:
    return next((m.upper() for m in reversed(re.findall(pattern, text)) if m.upper() in OPTIONS), None)


def visualpuzzles_letter(answer: str, choices: Sequence[str]) -> tuple[str | None, str]:
    """``(letter, rule)`` as ``parse_response`` reads ``answer`` (``choices``: the four option texts, or none when the options
    are drawn in the image), or ``(None, "unparsed")`` where it would pick a random letter."""
    response = str(answer).strip()
    for rule, pattern in _BEFORE_SPACE:
        if (letter := _last_option(pattern, response)) is not None:
            return letter, rule
    response = " " + response.strip()
    for rule, pattern in _AFTER_SPACE:
        if (letter := _last_option(pattern, response)) is not None:
            return letter, rule
    if len(response) <= 5 and (letter := _last_option(r" ([A-Da-d])", response)) is not None:
        return letter, "short"
    if len(choices) == len(OPTIONS):
        lower = response.lower()
        for letter, text in zip(OPTIONS, choices):
            if f"answer: {text}" in lower or f"answer:{text}" in lower:
                return letter, "answer_text"
        found, last = None, -1
        for letter, text in zip(OPTIONS, choices):
            at = response.rfind(text)
            if at > last:
                found, last = letter, at
        if found is not None:
            return found, "option_text"
    return None, "unparsed"


@scorer("visualpuzzles_match", **LETTER_ACCURACY,
        description="VisualPuzzles: lmms-eval's parse_response rules (Answer: patterns, bracketed letters, option texts); "
                    "no letter = wrong, counted (lmms-eval picks a random one).")
def score_visualpuzzles(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, visualpuzzles_letter, with_choices=True)
