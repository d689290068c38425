"""``mathvision_match``: MATH-Vision's rule-based answer reading and equality (mathllm/MATH-V ``evaluation/evaluate.py``
and ``evaluation/utils.py``, commit a1f5cc3; lmms-eval's ``mathvision_process_results`` is the same code).

The answer is read as the official evaluator reads it, step by step (the record's ``extraction_rule`` names the last
step that changed it):

1. ``letter``: an answer ending `` C.`` or `` (C).``, or starting ``C\\n``, ``(C)\\n`` or ``(C) C\\n`` is that letter (A-E);
2. ``number``: the text after the last ``is `` (final ``.`` cut) when it parses as a number (Python ``float``);
3. ``answer_phrase``: without ``oxed{``: the text after the last "the final answer is", "the answer is", "the correct
   answer is" or "the answer should be" (each also capitalised), up to the line's end and the first ``. ``;
4. ``boxed``: the last ``\\boxed{...}`` (greedy to the last ``}``, as officially), then ``find_math_answer``'s clean-up
   (lower case; the value after ``=`` / ``\\approx``; spaces, ``\\text``, ``\\left``/``\\right``, degrees, ``$``, ``%``,
   a few units out; ``\\sqrt3`` -> ``\\sqrt{3}``; ``0.5`` -> ``\\frac{1}{2}``; ``a/b`` -> ``\\frac{a}{b}``);
5. ``whole``: none of the above: the whole answer after that clean-up.

An empty reading is ``unparsed`` (wrong and counted). The reading is right when ``is_equal`` holds against the answer
or, for a multiple-choice question, against its option's text: equal ignoring case and outer spaces; or equal as
tuples/lists whose elements are evaluated and rounded to 2 decimals; or both sides evaluate as LaTeX to numbers equal
at 2 decimals.

One departure: the official code evaluates LaTeX with ``latex2sympy2`` and Python's ``eval``; here a small
evaluator of our own (``latex_value``) reads the numeric LaTeX the answers use (numbers, ``+ - * / : ^``,
``\\frac``, ``\\sqrt``, ``\\pi``, ``\\cdot``, ``\\times``, ``\\div``, ``!``, implicit products, brackets) and nothing else:
no ``eval`` of model text, no new dependency. What it does not read (symbols, functions, ``e``, ``\\infty``) is not
a number, as it is not for the official ``eval`` (NameError) in the cases the conformance test pins
(tests/conformance/test_mathvision.py).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Sequence

from evals.scoring.contract import NoOptions, SampleScore, ScoreInput, scorer
from evals.scoring.metrics.choice import LETTER_ACCURACY

_FLAGS = ("the final answer is", "the answer is", "the correct answer is", "the answer should be")
_BOXED = re.compile("oxed{(.*)}", flags=re.S)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_answer(response: str) -> tuple[str, str]:
    """``(reading, rule)``: the official evaluator's ``model_answer`` for ``response`` and the last step that set it."""
    answer, rule = response.strip(), "whole"
    for c in "ABCDE":
        if (answer.endswith(f" {c}.") or answer.endswith(f" ({c}).") or answer.startswith(f"{c}\n")
                or answer.startswith(f"({c})\n") or answer.startswith(f"({c}) {c}\n")):
            answer, rule = c, "letter"
    after_is = answer.split("is ")[-1].rstrip(".")
    if _is_number(after_is):
        answer, rule = after_is, "number"
    if "oxed{" not in answer:
        for flag in _FLAGS:
            for phrase in (flag, flag.replace("the", "The")):
                before = answer
                answer = answer.split(phrase)[-1].strip()
                if phrase in before:
                    answer, rule = answer.split("\n")[0].split(". ")[0], "answer_phrase"
    elif answer.count("oxed{") > 1:
        answer = "\\boxed{" + answer.split("oxed{")[-1]
    if "oxed{" in answer:
        rule = "boxed"
    cleaned = find_math_answer(answer)
    for letter in "abcde":
        cleaned = cleaned.replace(f"({letter})", letter)
    for letter in "abcde":
        cleaned = cleaned.replace(f"{{{letter}}}", letter)
    return cleaned.rstrip(".").lstrip(":").strip(), rule


def find_math_answer(text: str) -> str:
    """The official clean-up of a reading: the last ``oxed{...}`` if any, the value after ``=``, LaTeX and units out."""
    s = text.lower().replace("{}", "")
    boxed = _BOXED.findall(s)
    ans = boxed[-1] if boxed else s
    close, open_ = ans.find("}"), ans.find("{")
    if close != -1 and (open_ == -1 or close < open_):
        ans = ans.split("}")[0]
    ans = ans.split("=")[-1].split("\\approx")[-1]
    for old, new in ((" ", ""), ("\\,", ""), ("∞", "\\infty"), ("+\\infty", "\\infty"), ("\\\\", "\\"), ("\n", ""),
                     ("\\text", ""), ("\\mbox", ""), ("bmatrix", "pmatrix"), ("\\left", ""), ("\\right", ""),
                     ("^{\\circ}", ""), ("^\\circ", ""), ("{m}^3", ""), ("m^3", ""), ("{units}", ""), ("units", ""),
                     ("{km}", ""), ("km", "")):
        ans = ans.replace(old, new)
    return _strip_string(ans)


def _fix_fracs(s: str) -> str:
    head, *rest = s.split("\\frac")
    out = head
    for sub in rest:
        out += "\\frac"
        if sub[:1] == "{":
            out += sub
            continue
        if len(sub) < 2:
            return s
        a, b, tail = sub[0], sub[1], sub[2:]
        out += "{" + a + "}{" + b + "}" + tail if b != "{" else "{" + a + "}" + b + tail
    return out


def _fix_a_slash_b(s: str) -> str:
    parts = s.split("/")
    if len(parts) != 2:
        return s
    try:
        a, b = int(parts[0]), int(parts[1])
    except ValueError:
        return s
    return f"\\frac{{{a}}}{{{b}}}" if s == f"{a}/{b}" else s


def _fix_sqrt(s: str) -> str:
    head, *rest = s.split("\\sqrt")
    return head + "".join("\\sqrt{" + sub[0] + "}" + sub[1:] if sub and sub[0] != "{" else "\\sqrt" + sub for sub in rest)


def _strip_string(s: str) -> str:
    for old, new in (("\n", ""), ("\\!", ""), ("\\\\", "\\"), ("tfrac", "frac"), ("dfrac", "frac"), ("\\left", ""),
                     ("\\right", ""), ("^{\\circ}", ""), ("^\\circ", ""), ("\\$", ""), ("$", "")):
        s = s.replace(old, new)
    s = s.split("\\text{ ")[0]
    s = s.replace("\\%", "").replace(" .", " 0.").replace("{.", "{0.")
    if not s:
        return s
    if s[0] == ".":
        s = "0" + s
    if len(s.split("=")) == 2:
        s = s.split("=")[-1]
    if len(s.split("\\approx")) == 2:
        s = s.split("\\approx")[-1]
    if "sqrt" in s:
        s = _fix_sqrt(s)
    s = s.replace(" ", "")
    if "sqrt" in s:  # (sic: the official code fixes fractions only where there is a square root)
        s = _fix_fracs(s)
    if s == "0.5":
        s = "\\frac{1}{2}"
    return _fix_a_slash_b(s)


# --- numbers from LaTeX ---------------------------------------------------------------------------

Number = int | float | Fraction
_TOKEN = re.compile(r"\s*(?:(\d+(?:,\d{3})*(?:\.\d+)?)|(\\[a-zA-Z]+)|(.))")
_SKIP = {"\\left", "\\right", "\\displaystyle"}
_TIMES = {"*", "\\cdot", "\\times"}
_DIVIDE = {"/", "\\div", ":"}


class _NotANumber(Exception):
    pass


def _tokens(text: str) -> list[str]:
    out = []
    for m in _TOKEN.finditer(text):
        token = m.group(1) or m.group(2) or m.group(3)
        if token is None or token in _SKIP or token == "$":
            continue
        out.append(token)
    return out


class _Parser:
    """expr := term (('+'|'-') term)*; term := factor ((TIMES|DIVIDE)? factor)*; factor := ('-'|'+') factor | atom '!'* ('^' atom)*"""

    def __init__(self, tokens: list[str]):
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _NotANumber(f"expected {expected or 'more'} at {token!r}")
        self.i += 1
        return token

    def expr(self) -> Number:
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self) -> Number:
        value = self.factor()
        while True:
            token = self.peek()
            if token in _TIMES or token in _DIVIDE:
                self.take()
                right = self.factor()
                if token in _DIVIDE:
                    if right == 0:
                        raise _NotANumber("division by zero")
                    value = Fraction(value) / Fraction(right) if _exact(value) and _exact(right) else value / right
                else:
                    value = value * right
            elif token is not None and (token[0].isdigit() or token in ("(", "[", "{", "\\frac", "\\sqrt", "\\pi")):
                value = value * self.factor()  # an implicit product: 2\sqrt{3}, 4\pi, 2(3)
            else:
                return value

    def factor(self) -> Number:
        token = self.peek()
        if token in ("-", "+"):
            self.take()
            value = self.factor()
            return -value if token == "-" else value
        base = self.atom()
        while self.peek() == "!":  # a factorial, as latex2sympy reads 3!
            self.take()
            if not _exact(base) or Fraction(base).denominator != 1 or not 0 <= base <= 1000:
                raise _NotANumber("factorial of a non-integer")
            base = Fraction(math.factorial(int(base)))
        while self.peek() == "^":  # left to right, as latex2sympy reads 2^3^2
            self.take()
            base = _power(base, self.atom() if self.peek() != "-" else -self.factor())
        return base

    def group(self, close: str) -> Number:
        value = self.expr()
        self.take(close)
        return value

    def atom(self) -> Number:
        token = self.take()
        if token[0].isdigit():
            return Fraction(token.replace(",", ""))
        if token == "(":
            return self.group(")")
        if token == "[":
            return self.group("]")
        if token == "{":
            return self.group("}")
        if token in ("\\frac", "\\dfrac", "\\tfrac"):
            self.take("{")
            top = self.group("}")
            self.take("{")
            bottom = self.group("}")
            if bottom == 0:
                raise _NotANumber("division by zero")
            return Fraction(top) / Fraction(bottom) if _exact(top) and _exact(bottom) else top / bottom
        if token == "\\sqrt":
            degree: Number = 2
            if self.peek() == "[":
                self.take()
                degree = self.group("]")
            self.take("{")
            return _power(self.group("}"), Fraction(1) / Fraction(degree) if _exact(degree) and degree else 1 / degree)
        if token == "\\pi":
            return math.pi
        raise _NotANumber(f"{token!r} is not a number")


def _exact(value: Number) -> bool:
    return isinstance(value, (int, Fraction))


def _exact_root(value: Fraction, n: int) -> Fraction | None:
    if value < 0:
        return None
    num, den = round(value.numerator ** (1 / n)), round(value.denominator ** (1 / n))
    return Fraction(num, den) if num ** n == value.numerator and den ** n == value.denominator else None


def _power(base: Number, exponent: Number) -> Number:
    if _exact(base) and _exact(exponent):
        exponent = Fraction(exponent)
        if exponent.denominator == 1:
            if base == 0 and exponent < 0:
                raise _NotANumber("division by zero")
            base = Fraction(base)
            size = max(abs(base.numerator), base.denominator).bit_length()
            if abs(exponent.numerator) > 4096 or size * abs(exponent.numerator) > 200_000:
                raise _NotANumber("too large a power")
            return base ** exponent.numerator
        root = _exact_root(Fraction(base), exponent.denominator) if exponent.denominator <= 16 else None
        if root is not None:
            return _power(root, exponent.numerator)
    try:
        value = float(base) ** float(exponent)
    except (OverflowError, ZeroDivisionError) as e:
        raise _NotANumber(str(e)) from e
    if isinstance(value, complex):
        raise _NotANumber("not a real number")
    return value


def latex_value(text: str) -> int | float | None:
    """The number a numeric LaTeX expression stands for (an ``int`` when it is exactly one, as the official ``eval`` of
    sympy's exact result gives), or None when it is not one."""
    tokens = _tokens(text)
    if not tokens or len(tokens) > 400:
        return None
    parser = _Parser(tokens)
    try:
        value = parser.expr()
        if parser.peek() is not None:
            return None
    except (_NotANumber, OverflowError, ZeroDivisionError, ValueError, RecursionError):
        return None
    if _exact(value):
        value = Fraction(value)
        return int(value) if value.denominator == 1 else float(value)
    return value if math.isfinite(value) else None


def _rounded(text: str) -> int | float | None:
    value = latex_value(text)
    return None if value is None else round(value, 2)


def _eval_tuple(s: str) -> str:
    """A ``(a,b)`` / ``[a,b]`` string with each element evaluated and rounded to 2 decimals; as it was if any is not a number."""
    elements = s[1:-1].split(",")
    if len(elements) < 2 or (s[0], s[-1]) not in (("(", ")"), ("[", "]")):
        return s
    out = []
    for sub in elements:
        if "infty" in sub or sub in ("a", "-a"):
            out.append(sub)
            continue
        value = _rounded(sub)
        if value is None:
            return s
        out.append(str(value))
    return s[0] + ",".join(out) + s[-1]


def is_equal(answer: str, reading: str) -> bool:
    """The official ``is_equal``: the same text, the same tuple once evaluated, or the same number at 2 decimals."""
    answer, reading = answer.lower(), reading.lower()
    if not answer.replace(" ", "") or not reading.replace(" ", ""):
        return False
    if answer.strip() == reading.strip():
        return True
    answer, reading = _eval_tuple(answer), _eval_tuple(reading)
    if answer == reading:
        return True
    a, b = _rounded(answer), _rounded(reading)
    return a is not None and b is not None and a == b


def mathvision_correct(reading: str, answer: str, options: Sequence[str]) -> bool:
    """Right when the reading equals the answer (a letter for multiple choice) or that option's text."""
    value = ""
    if options and len(answer) == 1 and 0 <= ord(answer) - ord("A") < len(options):
        value = options[ord(answer) - ord("A")]
    return is_equal(answer, reading) or is_equal(value, reading)


@scorer("mathvision_match", **LETTER_ACCURACY,
        description="MATH-Vision: the official rule-based answer reading (evaluate.py) and is_equal (utils.py), LaTeX read as numbers by our own evaluator.")
def score_mathvision(inputs: Sequence[ScoreInput], options: NoOptions) -> list[SampleScore]:
    out = []
    for item in inputs:
        if not item.references:
            raise ValueError(f"mathvision_match: sample {item.id!r} has no answer (fields.references)")
        reading, rule = read_answer(item.prediction)
        if not reading:
            out.append(SampleScore(stats={"score": 0.0, "unparsed": 1.0}, extracted=None, rule="unparsed"))
            continue
        right = mathvision_correct(reading, item.references[0], item.choices or [])
        out.append(SampleScore(stats={"score": float(right), "unparsed": 0.0}, extracted=reading, rule=rule))
    return out
