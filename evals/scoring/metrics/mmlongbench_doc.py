"""``mmlongbench_doc``: MMLongBench-Doc's scoring (mayubo2333/MMLongBench-Doc, commit d73f0dc).

The official pipeline (``run_lvlm.py`` / ``run_api.py``) asks GPT-4o to extract a short answer from the model's free-form
response with ``eval/prompt_for_answer_extraction.md``, reads it from the reply as
``reply.split("Answer format:")[0].split("Extracted answer:")[1].strip()``, and scores it with ``eval/eval_score.py``
``eval_score(answer, pred, answer_format)``; a reply without ``Extracted answer:``, or a pair ``eval_score`` raises on,
is ``"Failed to extract"`` with score 0. The official code reads no answer by rules, so every answer goes to the task's
extraction judge (required). The rules by answer format, as ``eval_score`` applies them:

- ``Int``: ``int(answer) == int(float(pred))`` (``8.9`` is 8; ``1e1`` is 10); when either conversion fails the score is
  whether the answer is the empty text;
- ``Float``: both cleaned (below) and read as floats; right when the prediction is within 1 % (relative) of the answer,
  the answer / 100 or the answer * 100, or equal to one of them once both are rounded to the fewer of their decimals (at
  least 2; a float written without ``.`` counts 3);
- ``Str`` and ``None`` (the unanswerable questions, whose answer is ``Not answerable``): both cleaned; exact equality
  when the answer is a URL, a ``.py``/``ipynb`` file, starts with ``page``, is a number or two (``555-1234``), a time
  (``a.m.``/``p.m.``), a ``YYYY-MM(-DD)`` date or an e-mail address; otherwise ANLS: 1 - Levenshtein distance / the
  longer length (lengths of the upper-cased texts), 0 when it is 0.5 or less;
- ``List`` (and any other format): a text starting with ``[`` is read as a list, anything else is a list of itself;
  lists of different lengths score 0; otherwise both are cleaned and sorted, and compared exactly (joined by ``-``)
  when the answer's first item is a number or an exact-match kind, else by the smallest ANLS of the pairs.

Cleaning (``get_clean_string``): lower case, stripped; parenthesised parts removed; a quote at either end removed;
leading ``$`` and trailing ``%`` removed. (Its lines meant to cut ``mile``, ``miles`` and ``million`` discard their
result, so units stay; so they do here.)

Metrics, as ``eval_acc_and_f1`` computes them: ``accuracy``, the mean score (ANLS gives partial credit); ``f1``, the
harmonic mean of recall (the summed scores of the answerable questions over their number) and precision (the same sum
over the number of predictions that are not exactly ``Not answerable``), 0 when either count is 0; and
``unparsed_rate``.

Departures, pinned in tests/conformance/test_mmlongbench_doc.py: where the official code gives ``"Failed to extract"``
(score 0; it is not ``Not answerable``, so it counts in precision's denominator) the answer is left unparsed here: score
0, counted in ``unparsed_rate`` and in the same denominator, so both metrics are the official ones. A list is read with
``ast.literal_eval`` where the official code calls ``eval`` on the judge's text: an expression that is not a literal
(``['a' + 'b']``) is unparsed here, never run.
"""

from __future__ import annotations

import ast
import math
import re
from typing import Any, Sequence

import numpy as np

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, TotalsAggregate, safe_divide, scorer
from evals.scoring.metrics.levenshtein import distance

UNANSWERABLE = "Not answerable"
"""The answer of the unanswerable questions, and the prediction that says so (compared exactly, as the official F1 does)."""

_PARENTHESISED = re.compile(r"\s*\([^)]*\)")
_END_QUOTE = re.compile(r"^['\"]|['\"]$")
_EXACT_FORMS = [re.compile(p) for p in (r"\b\d+(-\d+|\s\d+)?\b", r"\b\d{4}[-\s]\d{2}[-\s]\d{2}\b", r"\b\d{4}[-\s]\d{2}\b",
                                        r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}")]


class Unreadable(ValueError):
    """A pair the official ``eval_score`` raises on: the official code's ``"Failed to extract"``, unparsed here."""


def read_extraction(reply: str) -> str | None:
    """The extracted answer in the judge's reply, split out as ``run_lvlm.py`` does; None where it finds none."""
    pieces = reply.split("Answer format:")[0].split("Extracted answer:")
    return pieces[1].strip() if len(pieces) > 1 else None


def clean(value: Any) -> str:
    """``get_clean_string``'s normal form (see the module's docstring)."""
    text = _PARENTHESISED.sub("", str(value).lower().strip()).strip()
    text = _END_QUOTE.sub("", text).strip()
    return text.lstrip("$").strip().rstrip("%").strip()


def exact_only(text: str) -> bool:
    """Whether a cleaned answer is compared exactly (a URL, a code file, a page, a number, a time, a date, an e-mail)."""
    return ("https://" in text or text.endswith((".py", "ipynb")) or text.startswith("page") or "a.m." in text
            or "p.m." in text or any(p.fullmatch(text) for p in _EXACT_FORMS))


def anls(answer: str, prediction: str) -> float:
    """The official ANLS of one pair: 0 at or below 0.5 (the lengths are those of the upper-cased texts)."""
    length = max(len(answer.upper()), len(prediction.upper()))
    value = 1.0 - (distance(answer, prediction) / length if length else 0.0)
    return 0.0 if value <= 0.5 else value


def _decimals(value: float) -> int:
    text = str(value)
    return len(text.split(".")[-1]) if "." in text else 3


def float_equal(answer: float, prediction: float) -> bool:
    """The official ``is_float_equal`` with percentages and closeness on."""
    for target in (answer / 100, answer, answer * 100):
        if math.isclose(target, prediction, rel_tol=0.01):
            return True
        places = max(min(_decimals(prediction), _decimals(target)), 2)
        if round(prediction, places) == round(target, places):
            return True
    return False


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _items(value: str) -> list[Any]:
    if not value.startswith("["):
        return [value]
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as e:
        raise Unreadable(f"{value[:60]!r} is not a list literal ({type(e).__name__})") from None
    return parsed if isinstance(parsed, list) else [parsed]


def score_answer(answer: str, prediction: str, answer_format: str) -> float:
    """``eval_score``'s score of ``prediction`` against ``answer``; ``Unreadable`` where the official code raises."""
    if answer_format == "Int":
        try:
            return float(int(answer) == int(float(prediction)))
        except (ValueError, OverflowError):
            return float(answer == "")
    if answer_format == "Float":
        gold = _number(clean(answer))
        if gold is None:  # the official code reads the answer again, without cleaning, and raises where it cannot
            if _number(answer.strip().rstrip("%").strip()) is None:
                raise Unreadable(f"answer {answer[:60]!r} is not a number")
            return 0.0
        pred = _number(clean(prediction))
        return float(pred is not None and float_equal(gold, pred))
    if answer_format in ("Str", "None"):
        gold, pred = clean(answer), clean(prediction)
        return float(gold == pred) if exact_only(gold) else anls(gold, pred)
    golds, preds = _items(answer), _items(prediction)
    if len(golds) != len(preds):
        return 0.0
    if not golds:
        raise Unreadable("an empty answer list")
    golds, preds = sorted(clean(a) for a in golds), sorted(clean(p) for p in preds)
    if _number(golds[0]) is not None or exact_only(golds[0]):
        return float("-".join(golds) == "-".join(preds))
    return min(anls(g, p) for g, p in zip(golds, preds))


def _accuracy_f1(totals: dict[str, np.ndarray], n: np.ndarray, options: Any) -> dict[str, np.ndarray]:
    recall = safe_divide(totals["answerable_score"], totals["answerable"])
    precision = safe_divide(totals["answerable_score"], totals["predicted"])
    both = recall + precision
    f1 = np.where(np.isnan(both) | (both <= 0), 0.0, safe_divide(2 * recall * precision, both))
    return {"accuracy": safe_divide(totals["score"], n), "f1": f1, "unparsed_rate": safe_divide(totals["unparsed"], n)}


def _stats(score: float, unparsed: bool, answerable: bool, predicted: bool) -> dict[str, float]:
    return {"score": score, "unparsed": float(unparsed), "answerable": float(answerable),
            "answerable_score": score if answerable else 0.0, "predicted": float(predicted)}


@scorer("mmlongbench_doc",
        aggregate=TotalsAggregate(("score", "unparsed", "answerable", "answerable_score", "predicted"), _accuracy_f1),
        primary="accuracy", metrics=("accuracy", "f1", "unparsed_rate"), metric_directions={"unparsed_rate": "lower"},
        internal_stats=("answerable", "answerable_score", "predicted"),
        description="MMLongBench-Doc: the judge's extraction (official prompt), scored by the official eval_score rules "
                    "by answer format; accuracy and the official generalised F1.")
def score_mmlongbench_doc(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references or "answer_format" not in item.metadata:
            raise ValueError(f"mmlongbench_doc: sample {item.id!r} lacks its answer or answer_format (fields.references / fields.metadata)")
        answer, answer_format = item.references[0], str(item.metadata["answer_format"])
        answerable = answer != UNANSWERABLE
        verdict = item.metadata.get("judge")
        if verdict and verdict.get("error"):
            out.append(SampleScore(error=str(verdict["error"])))
            continue
        prediction = read_extraction(str(verdict.get("raw") or "")) if verdict else None
        if prediction is None:  # not judged yet (the judge reads every answer), or a reply without "Extracted answer:"
            why = "the judge's reply has no 'Extracted answer:'" if verdict else None
            out.append(SampleScore(stats=_stats(0.0, True, answerable, True), rule="judge" if verdict else "unparsed", explanation=why))
            continue
        try:
            score = score_answer(answer, prediction, answer_format)
        except Unreadable as e:
            out.append(SampleScore(stats=_stats(0.0, True, answerable, True), rule="judge", explanation=f"unreadable: {e}"))
            continue
        out.append(SampleScore(stats=_stats(score, False, answerable, prediction != UNANSWERABLE), extracted=prediction, rule="judge"))
    return out
