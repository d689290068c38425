"""``tempcompass_mc_match``: TempCompass's multiple-choice answer rules as lmms-eval scores them
(``tasks/tempcompass/utils.py`` ``tempcompass_process_results_multi_choice``; EvolvingLMMs-Lab/lmms-eval at commit
75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3, the rules of TempCompass's own eval_multi_choice.py).

The reference is the dataset's whole answer (``"C. fast"``); its first character is the right letter. In order, on the
answer exactly as the model wrote it (no stripping): the whole reference (``whole_answer``: right); a bare ``A``-``D``
(``letter``); an answer starting ``X.`` (``letter_dot``) or ``X)`` (``letter_paren``), the text before the first ``.`` or
``)``. Any other answer is unparsed: wrong and counted in ``unparsed_rate``.

Departure (pinned in tests/conformance/test_video_mc.py): lmms-eval sends the answers these rules cannot read to
gpt-3.5-turbo-1106 (temperature 1) to say "Correct" or "Incorrect"; here they stay unread and wrong (an omnieval judge
that grades only unread answers must extract a letter, which that prompt does not ask for).
"""

from __future__ import annotations

from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY


def tempcompass_letter(prediction: str, answer: str) -> tuple[str | None, str]:
    """``(letter, rule)`` as lmms-eval's TempCompass multiple-choice rules read ``prediction``, or ``(None, "unparsed")``."""
    if prediction == answer:
        return answer[:1], "whole_answer"
    if prediction in ("A", "B", "C", "D"):
        return prediction, "letter"
    if prediction.startswith(("A.", "B.", "C.", "D.")):
        return prediction.split(".")[0], "letter_dot"
    if prediction.startswith(("A)", "B)", "C)", "D)")):
        return prediction.split(")")[0], "letter_paren"
    return None, "unparsed"


@scorer("tempcompass_mc_match", **LETTER_ACCURACY,
        description="TempCompass multiple choice: lmms-eval's rules (whole answer, bare letter, 'X.' or 'X)' first); "
                    "unread answers are wrong and counted (lmms-eval asks GPT-3.5 about them).")
def score_tempcompass_mc(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references:
            out.append(SampleScore(error="no reference answer"))
            continue
        answer = item.references[0]
        letter, rule = tempcompass_letter(item.prediction, answer)
        right = letter is not None and letter == answer[:1]
        out.append(SampleScore(stats={"score": 1.0 if right else 0.0, "unparsed": 1.0 if letter is None else 0.0},
                               extracted=letter, rule=rule))
    return out


# --- TempCompass's other task formats: yes/no, caption matching (rules) and captioning (judged) -----------------------
# lmms-eval's tasks/tempcompass/utils.py at the same commit, the rules of TempCompass's eval_yes_no.py,
# eval_caption_matching.py and eval_captioning.py (llyx97/TempCompass).

from evals.scoring.contract import means_aggregate  # noqa: E402
from evals.scoring.metrics.choice import score_letters  # noqa: E402


def tempcompass_yes_no(prediction: str) -> tuple[str | None, str]:
    """``("yes" | "no", "starts_with")`` as ``extract_pred`` reads ``prediction`` (lower-cased, it starts with ``yes`` or
    ``no``: "nothing" reads no, "yesterday" yes, as there), or ``(None, "unparsed")``."""
    text = prediction.lower()
    for word in ("yes", "no"):
        if text.startswith(word):
            return word, "starts_with"
    return None, "unparsed"


@scorer("tempcompass_yes_no_match", **LETTER_ACCURACY,
        description="TempCompass yes/no: lmms-eval's extract_pred (the answer starts with yes or no); unread answers are "
                    "wrong and counted (lmms-eval asks GPT-3.5 about them).")
def score_tempcompass_yes_no(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    return score_letters(inputs, tempcompass_yes_no, official=lambda item: tempcompass_yes_no(item.prediction)[0] == item.references[0])


def tempcompass_caption_choice(prediction: str, question: str, answer: str) -> tuple[float | None, str | None, str]:
    """``(rating, option read, rule)`` as lmms-eval's ``eval_rule`` rates ``prediction`` against the caption-matching
    ``question`` (its first line the instruction, then one ``Caption A: text`` / ``Sentence A: text`` / ``Option 1:
    text`` line per option) and ``answer`` (the right option's whole line): the last of the option lines, option texts
    (also after an ``(A) `` prefix) and option names (``Caption A`` or ``A``, also without dots) equal to the answer
    decides, in that order of precedence. ``(None, None, "unparsed")`` when none is; a question or answer without
    ``": "`` raises ``ValueError`` (it would raise there too)."""
    lines = question.split("\n")[1:]
    if not all(": " in line for line in [*lines, answer]):
        raise ValueError("a caption-matching option or answer without ': ' (lmms-eval's eval_rule cannot read it)")
    sentences = [line.split(": ")[1] for line in lines]
    names = [line.split(": ")[0] for line in lines]
    names += [n.replace("Sentence ", "").replace("Option ", "").replace("Caption ", "") for n in names]
    read, rule = None, "unparsed"
    for line in lines:
        if line == prediction:
            read, rule = line, "option_line"
    for sentence in sentences:
        if sentence == prediction or (") " in prediction and sentence == prediction.split(") ")[1]):
            read, rule = sentence, "option_text"
    for name in names:
        if name == prediction or name == prediction.replace(".", ""):
            read, rule = name, "option_name"
    if read is None:
        return None, None, "unparsed"
    try:  # lmms-eval's chain, evaluated as lazily as there
        right = (read == answer or read == answer.split(":")[0] or read == answer.split(": ")[1]
                 or read == answer.split(": ")[0].split()[1])
    except IndexError:
        raise ValueError(f"the answer {answer!r} has no option name before ': ' (lmms-eval's eval_rule cannot read it)") from None
    return (1.0 if right else 0.0), read, rule


@scorer("tempcompass_caption_matching_match", **LETTER_ACCURACY,
        description="TempCompass caption matching: lmms-eval's eval_rule (an option's line, text or name, exactly); "
                    "unread answers are wrong and counted (lmms-eval asks GPT-3.5 about them).")
def score_tempcompass_caption_matching(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        question = item.metadata.get("question")
        if not item.references or not isinstance(question, str):
            out.append(SampleScore(error="no reference answer or no question (fields.metadata.question)"))
            continue
        try:
            rating, read, rule = tempcompass_caption_choice(item.prediction, question, item.references[0])
        except ValueError as e:
            out.append(SampleScore(error=f"tempcompass_caption_matching_match: {e}"))
            continue
        out.append(SampleScore(stats={"score": rating or 0.0, "unparsed": 1.0 if rating is None else 0.0}, extracted=read, rule=rule))
    return out


def tempcompass_captioning_rating(reply: str, mc_answer: str) -> tuple[float, str]:
    """``(rating, the judge's answer)`` as lmms-eval's ``parse_llm_output_for_captioning`` reads the judge's ``reply``:
    the answer is the last stripped line containing ``Answer`` with ``Answer:`` removed (the whole reply when none
    does); right (1) when its text before the first ``". "`` is ``mc_answer``'s and it names exactly one of ``A.`` ..
    ``D.``, else 0."""
    said = None
    for line in reply.split("\n"):
        line = line.strip()
        if "Answer" in line:
            said = line.replace("Answer:", "").strip()
    said = reply if said is None else said
    count = sum(said.count(prefix) for prefix in ("A.", "B.", "C.", "D."))
    return (1.0 if said.split(". ")[0] == mc_answer.split(". ")[0] and count == 1 else 0.0), said


@scorer("tempcompass_captioning", aggregate=means_aggregate({"accuracy": "score"}), primary="accuracy", metrics=("accuracy",),
        description="TempCompass captioning: the judge answers the video's multiple-choice question from the model's caption "
                    "(official prompt); right when its answer is the question's (lmms-eval's parse_llm_output_for_captioning).")
def score_tempcompass_captioning(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    """Every caption goes to the task's judge (no rule reads a caption: ``extracted`` stays None until it has); its raw
    reply is read as the official code reads it. A failed judge call, or an empty reply (lmms-eval's rating -1), is
    that sample's scoring error."""
    out = []
    for item in inputs:
        mc_answer, verdict = item.metadata.get("mc_answer"), item.metadata.get("judge")
        if not isinstance(mc_answer, str):
            out.append(SampleScore(error="no mc_answer (fields.metadata.mc_answer)"))
        elif not verdict:
            out.append(SampleScore(stats={"score": 0.0}, rule="unparsed"))
        elif verdict.get("error"):
            out.append(SampleScore(error=str(verdict["error"])))
        elif not str(verdict.get("raw") or "").strip():
            out.append(SampleScore(error="the judge's reply is empty"))
        else:
            rating, said = tempcompass_captioning_rating(str(verdict["raw"]), mc_answer)
            out.append(SampleScore(stats={"score": rating}, extracted=said, rule="judge"))
    return out
