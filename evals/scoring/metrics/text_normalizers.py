"""Whisper's text normalisers, as used for English ASR leaderboards.

A behaviour-preserving port of ``whisper/normalizers/basic.py`` and
``whisper/normalizers/english.py`` from openai/whisper (MIT licence, commit
c0d2f62), which is also the normaliser behind the Open ASR Leaderboard's
English WER. The British-to-American spelling map
(``data/whisper_english_spelling.json``) is Whisper's ``english.json``
unchanged. Tests compare this module with ``transformers``' and the
``whisper-normalizer`` package's copies on many strings.

Public entry points:

- ``normalize_whisper_english(text)``: ``EnglishTextNormalizer()(text)``.
- ``normalize_whisper_basic(text)``: ``BasicTextNormalizer()(text)``.
- ``normalize_open_asr_english(text)`` / ``normalize_open_asr_multilingual(text, language)``:
  the Open ASR Leaderboard's 2026 normalisers (a port of its ``normalizer/`` package;
  tests hold hand-worked cases); ``is_scored_reference`` its ignore-segment filter.
- ``get_normalizer(name, language=None)``: ``"whisper_english" | "whisper_basic" |
  "open_asr_english" | "open_asr_multilingual" (needs language) | "none"``.

The tables (number words, spelling map) are built on first use, so
importing this module is cheap.
"""

from __future__ import annotations

import json
import re
import unicodedata
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Match

__all__ = [
    "BasicTextNormalizer",
    "EnglishNumberNormalizer",
    "EnglishTextNormalizer",
    "get_normalizer",
    "normalize_whisper_basic",
    "normalize_whisper_english",
    "normalize_open_asr_english",
    "normalize_open_asr_multilingual",
    "is_scored_reference",
    "remove_symbols",
    "remove_symbols_and_diacritics",
]

_SPELLING_MAP_PATH = Path(__file__).with_name("data") / "whisper_english_spelling.json"

# ----------------------------------------------------------------------------
# basic.py
# ----------------------------------------------------------------------------

# Non-ASCII letters that NFKD does not decompose into base letter + mark.
ADDITIONAL_DIACRITICS = {
    "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE",
    "ß": "ss", "ẞ": "SS", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
    "þ": "th", "Þ": "th", "ł": "l", "Ł": "L",
}  # fmt: skip


def _replace_char_dropping_diacritics(c: str, keep: str) -> str:
    if c in keep:
        return c
    if c in ADDITIONAL_DIACRITICS:
        return ADDITIONAL_DIACRITICS[c]
    category = unicodedata.category(c)
    if category == "Mn":
        return ""
    if category[0] in "MSP":
        return " "
    return c


def remove_symbols_and_diacritics(s: str, keep: str = "") -> str:
    """NFKD, drop combining marks (and map a few letters), replace other marks/symbols/punctuation with a space."""
    return "".join(_replace_char_dropping_diacritics(c, keep) for c in unicodedata.normalize("NFKD", s))


def remove_symbols(s: str) -> str:
    """NFKC, replace marks/symbols/punctuation with a space, keep diacritics."""
    return "".join(" " if unicodedata.category(c)[0] in "MSP" else c for c in unicodedata.normalize("NFKC", s))


_BRACKETED = re.compile(r"[<\[][^>\]]*[>\]]")
_PARENTHESISED = re.compile(r"\(([^)]+?)\)")
_WHITESPACE = re.compile(r"\s+")


class BasicTextNormalizer:
    """Lower-case, drop bracketed/parenthesised spans, replace symbols by spaces, squeeze whitespace."""

    def __init__(self, remove_diacritics: bool = False, split_letters: bool = False) -> None:
        self.clean = remove_symbols_and_diacritics if remove_diacritics else remove_symbols
        self.split_letters = split_letters

    def __call__(self, s: str) -> str:
        s = s.lower()
        s = _BRACKETED.sub("", s)
        s = _PARENTHESISED.sub("", s)
        s = self.clean(s).lower()
        if self.split_letters:
            import regex  # third-party; only needed for grapheme splitting

            s = " ".join(regex.findall(r"\X", s, regex.U))
        return _WHITESPACE.sub(" ", s)


# ----------------------------------------------------------------------------
# english.py: numbers
# ----------------------------------------------------------------------------

_ONES_NAMES = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
]  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_MULTIPLIER_NAMES = [
    "hundred", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion",
    "sextillion", "septillion", "octillion", "nonillion", "decillion",
]  # fmt: skip
_NUMERIC = re.compile(r"^\d+(\.\d+)?$")


def _to_fraction(s: str | int) -> Fraction | None:
    try:
        return Fraction(s)
    except ValueError:
        return None


class EnglishNumberNormalizer:
    """Spelled-out numbers to digits, Whisper's rules.

    - removes commas inside numbers, keeps suffixes (``1960s``, ``274th``);
    - currency words after a number become a prefix symbol (``20 dollars`` -> ``$20``);
    - ``one``/``ones`` are kept as words; successive single digits read as a
      nominal string (``one oh one`` -> ``101``).
    """

    def __init__(self) -> None:
        self.zeros = {"o", "oh", "zero"}
        self.ones = {name: i for i, name in enumerate(_ONES_NAMES, start=1)}
        self.ones_plural = {("sixes" if name == "six" else name + "s"): (value, "s") for name, value in self.ones.items()}
        self.ones_ordinal = {
            "zeroth": (0, "th"), "first": (1, "st"), "second": (2, "nd"), "third": (3, "rd"),
            "fifth": (5, "th"), "twelfth": (12, "th"),
            **{
                name + ("h" if name.endswith("t") else "th"): (value, "th")
                for name, value in self.ones.items()
                if value > 3 and value != 5 and value != 12
            },
        }  # fmt: skip
        self.ones_suffixed = {**self.ones_plural, **self.ones_ordinal}
        self.tens = dict(_TENS)
        self.tens_plural = {name.replace("y", "ies"): (value, "s") for name, value in self.tens.items()}
        self.tens_ordinal = {name.replace("y", "ieth"): (value, "th") for name, value in self.tens.items()}
        self.tens_suffixed = {**self.tens_plural, **self.tens_ordinal}
        self.multipliers = {"hundred": 100, **{name: 1000 ** (i + 1) for i, name in enumerate(_MULTIPLIER_NAMES[1:])}}
        self.multipliers_plural = {name + "s": (value, "s") for name, value in self.multipliers.items()}
        self.multipliers_ordinal = {name + "th": (value, "th") for name, value in self.multipliers.items()}
        self.multipliers_suffixed = {**self.multipliers_plural, **self.multipliers_ordinal}
        self.decimals = {*self.ones, *self.tens, *self.zeros}
        self.preceding_prefixers = {"minus": "-", "negative": "-", "plus": "+", "positive": "+"}
        self.following_prefixers = {
            "pound": "£", "pounds": "£", "euro": "€", "euros": "€",
            "dollar": "$", "dollars": "$", "cent": "¢", "cents": "¢",
        }  # fmt: skip
        self.prefixes = set(self.preceding_prefixers.values()) | set(self.following_prefixers.values())
        self.suffixers: dict[str, str | dict[str, str]] = {"per": {"cent": "%"}, "percent": "%"}
        self.specials = {"and", "double", "triple", "point"}
        self.words = {
            key
            for mapping in (
                self.zeros, self.ones, self.ones_suffixed, self.tens, self.tens_suffixed,
                self.multipliers, self.multipliers_suffixed, self.preceding_prefixers,
                self.following_prefixers, self.suffixers, self.specials,
            )
            for key in mapping
        }  # fmt: skip
        self.literal_words = {"one", "ones"}

    # The state machine below follows Whisper's ``process_words`` branch for
    # branch: ``value`` is the number being built (int, or str when it is a
    # digit string / decimal), ``prefix`` a pending sign or currency symbol.
    def process_words(self, words: list[str]) -> Iterator[str]:
        prefix: str | None = None
        value: str | int | None = None
        skip = False

        def output(result: str | int) -> str:
            nonlocal prefix, value
            result = str(result)
            if prefix is not None:
                result = prefix + result
            value = None
            prefix = None
            return result

        if not words:
            return

        padded: list[str | None] = [None, *words, None]
        for prev, current, next_ in zip(padded, padded[1:], padded[2:]):
            if skip:
                skip = False
                continue
            assert current is not None

            next_is_numeric = next_ is not None and _NUMERIC.match(next_)
            has_prefix = current[0] in self.prefixes
            current_without_prefix = current[1:] if has_prefix else current

            if _NUMERIC.match(current_without_prefix):
                # arabic numbers (potentially with signs and fractions)
                f = _to_fraction(current_without_prefix)
                assert f is not None
                if value is not None:
                    if isinstance(value, str) and value.endswith("."):
                        # concatenate decimals / ip address components
                        value = str(value) + str(current)
                        continue
                    yield output(value)
                prefix = current[0] if has_prefix else prefix
                value = f.numerator if f.denominator == 1 else current_without_prefix

            elif current not in self.words:
                if value is not None:
                    yield output(value)
                yield output(current)

            elif current in self.zeros:
                value = str(value or "") + "0"

            elif current in self.ones:
                ones = self.ones[current]
                if value is None:
                    value = ones
                elif isinstance(value, str) or prev in self.ones:
                    if prev in self.tens and ones < 10:  # replace the last zero with the digit
                        assert value[-1] == "0"  # type: ignore[index]
                        value = value[:-1] + str(ones)  # type: ignore[index]
                    else:
                        value = str(value) + str(ones)
                elif ones < 10:
                    value = value + ones if value % 10 == 0 else str(value) + str(ones)
                else:  # eleven to nineteen
                    value = value + ones if value % 100 == 0 else str(value) + str(ones)

            elif current in self.ones_suffixed:
                # ordinal or plural: emit the number right away
                ones, suffix = self.ones_suffixed[current]
                if value is None:
                    yield output(str(ones) + suffix)
                elif isinstance(value, str) or prev in self.ones:
                    if prev in self.tens and ones < 10:
                        assert value[-1] == "0"  # type: ignore[index]
                        yield output(value[:-1] + str(ones) + suffix)  # type: ignore[index]
                    else:
                        yield output(str(value) + str(ones) + suffix)
                elif ones < 10:
                    if value % 10 == 0:
                        yield output(str(value + ones) + suffix)
                    else:
                        yield output(str(value) + str(ones) + suffix)
                else:  # eleven to nineteen
                    if value % 100 == 0:
                        yield output(str(value + ones) + suffix)
                    else:
                        yield output(str(value) + str(ones) + suffix)
                value = None

            elif current in self.tens:
                tens = self.tens[current]
                if value is None:
                    value = tens
                elif isinstance(value, str):
                    value = str(value) + str(tens)
                else:
                    value = value + tens if value % 100 == 0 else str(value) + str(tens)

            elif current in self.tens_suffixed:
                tens, suffix = self.tens_suffixed[current]
                if value is None:
                    yield output(str(tens) + suffix)
                elif isinstance(value, str):
                    yield output(str(value) + str(tens) + suffix)
                elif value % 100 == 0:
                    yield output(str(value + tens) + suffix)
                else:
                    yield output(str(value) + str(tens) + suffix)

            elif current in self.multipliers:
                multiplier = self.multipliers[current]
                if value is None:
                    value = multiplier
                elif isinstance(value, str) or value == 0:
                    f = _to_fraction(value)
                    p = f * multiplier if f is not None else None
                    if f is not None and p is not None and p.denominator == 1:
                        value = p.numerator
                    else:
                        yield output(value)
                        value = multiplier
                else:
                    before = value // 1000 * 1000
                    residual = value % 1000
                    value = before + residual * multiplier

            elif current in self.multipliers_suffixed:
                multiplier, suffix = self.multipliers_suffixed[current]
                if value is None:
                    yield output(str(multiplier) + suffix)
                elif isinstance(value, str):
                    f = _to_fraction(value)
                    p = f * multiplier if f is not None else None
                    if f is not None and p is not None and p.denominator == 1:
                        yield output(str(p.numerator) + suffix)
                    else:
                        yield output(value)
                        yield output(str(multiplier) + suffix)
                else:
                    before = value // 1000 * 1000
                    residual = value % 1000
                    value = before + residual * multiplier
                    yield output(str(value) + suffix)
                value = None

            elif current in self.preceding_prefixers:
                # a sign applies only when a number follows
                if value is not None:
                    yield output(value)
                if next_ in self.words or next_is_numeric:
                    prefix = self.preceding_prefixers[current]
                else:
                    yield output(current)

            elif current in self.following_prefixers:
                # a currency word applies only after a number
                if value is not None:
                    prefix = self.following_prefixers[current]
                    yield output(value)
                else:
                    yield output(current)

            elif current in self.suffixers:
                if value is not None:
                    suffix_rule = self.suffixers[current]
                    if isinstance(suffix_rule, dict):
                        if next_ in suffix_rule:
                            yield output(str(value) + suffix_rule[next_])
                            skip = True
                        else:
                            yield output(value)
                            yield output(current)
                    else:
                        yield output(str(value) + suffix_rule)
                else:
                    yield output(current)

            elif current in self.specials:
                if next_ not in self.words and not next_is_numeric:
                    # special handling only when the next word can be numeric
                    if value is not None:
                        yield output(value)
                    yield output(current)
                elif current == "and":
                    # drop "and" after hundreds, thousands, ...
                    if prev not in self.multipliers:
                        if value is not None:
                            yield output(value)
                        yield output(current)
                elif current in ("double", "triple"):
                    if next_ in self.ones or next_ in self.zeros:
                        repeats = 2 if current == "double" else 3
                        ones = self.ones.get(next_, 0)  # type: ignore[arg-type]
                        value = str(value or "") + str(ones) * repeats
                        skip = True
                    else:
                        if value is not None:
                            yield output(value)
                        yield output(current)
                elif current == "point":
                    if next_ in self.decimals or next_is_numeric:
                        value = str(value or "") + "."
                else:
                    raise ValueError(f"Unexpected token: {current}")
            else:
                raise ValueError(f"Unexpected token: {current}")

        if value is not None:
            yield output(value)

    def preprocess(self, s: str) -> str:
        # "<number> and a half" -> "<number> point five"
        results = []
        segments = re.split(r"\band\s+a\s+half\b", s)
        for i, segment in enumerate(segments):
            if len(segment.strip()) == 0:
                continue
            results.append(segment)
            if i != len(segments) - 1:
                last_word = segment.rsplit(maxsplit=2)[-1]
                if last_word in self.decimals or last_word in self.multipliers:
                    results.append("point five")
                else:
                    results.append("and a half")
        s = " ".join(results)
        # a space at number/letter boundaries, except before ordinal/plural suffixes
        s = re.sub(r"([a-z])([0-9])", r"\1 \2", s)
        s = re.sub(r"([0-9])([a-z])", r"\1 \2", s)
        s = re.sub(r"([0-9])\s+(st|nd|rd|th|s)\b", r"\1\2", s)
        return s

    def postprocess(self, s: str) -> str:
        def combine_cents(m: Match[str]) -> str:
            try:
                return f"{m.group(1)}{m.group(2)}.{int(m.group(3)):02d}"
            except ValueError:
                return m.string

        def extract_cents(m: Match[str]) -> str:
            try:
                return f"¢{int(m.group(1))}"
            except ValueError:
                return m.string

        # "$2 and ¢7" -> "$2.07"
        s = re.sub(r"([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})\b", combine_cents, s)
        s = re.sub(r"[€£$]0.([0-9]{1,2})\b", extract_cents, s)
        # "one(s)" rather than "1(s)", for readability
        s = re.sub(r"\b1(s?)\b", r"one\1", s)
        return s

    def __call__(self, s: str) -> str:
        s = self.preprocess(s)
        s = " ".join(word for word in self.process_words(s.split()) if word is not None)
        return self.postprocess(s)


# ----------------------------------------------------------------------------
# english.py: spellings and the full English normaliser
# ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _spelling_map() -> dict[str, str]:
    with _SPELLING_MAP_PATH.open(encoding="utf-8") as f:
        return json.load(f)


class EnglishSpellingNormalizer:
    """British to American spellings (Whisper's ``english.json``)."""

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self.mapping = _spelling_map() if mapping is None else mapping

    def __call__(self, s: str) -> str:
        return " ".join(self.mapping.get(word, word) for word in s.split())


_REPLACERS = {
    # common contractions
    r"\bwon't\b": "will not",
    r"\bcan't\b": "can not",
    r"\blet's\b": "let us",
    r"\bain't\b": "aint",
    r"\by'all\b": "you all",
    r"\bwanna\b": "want to",
    r"\bgotta\b": "got to",
    r"\bgonna\b": "going to",
    r"\bi'ma\b": "i am going to",
    r"\bimma\b": "i am going to",
    r"\bwoulda\b": "would have",
    r"\bcoulda\b": "could have",
    r"\bshoulda\b": "should have",
    r"\bma'am\b": "madam",
    # titles and prefixes
    r"\bmr\b": "mister ",
    r"\bmrs\b": "missus ",
    r"\bst\b": "saint ",
    r"\bdr\b": "doctor ",
    r"\bprof\b": "professor ",
    r"\bcapt\b": "captain ",
    r"\bgov\b": "governor ",
    r"\bald\b": "alderman ",
    r"\bgen\b": "general ",
    r"\bsen\b": "senator ",
    r"\brep\b": "representative ",
    r"\bpres\b": "president ",
    r"\brev\b": "reverend ",
    r"\bhon\b": "honorable ",
    r"\basst\b": "assistant ",
    r"\bassoc\b": "associate ",
    r"\blt\b": "lieutenant ",
    r"\bcol\b": "colonel ",
    r"\bjr\b": "junior ",
    r"\bsr\b": "senior ",
    r"\besq\b": "esquire ",
    # perfect tenses
    r"'d been\b": " had been",
    r"'s been\b": " has been",
    r"'d gone\b": " had gone",
    r"'s gone\b": " has gone",
    r"'d done\b": " had done",  # "'s done" is ambiguous
    r"'s got\b": " has got",
    # general contractions
    r"n't\b": " not",
    r"'re\b": " are",
    r"'s\b": " is",
    r"'d\b": " would",
    r"'ll\b": " will",
    r"'t\b": " not",
    r"'ve\b": " have",
    r"'m\b": " am",
}
_COMPILED_REPLACERS = [(re.compile(p), r) for p, r in _REPLACERS.items()]
_FILLERS = re.compile(r"\b(hmm|mm|mhm|mmm|uh|um)\b")


class EnglishTextNormalizer:
    """Whisper's English normaliser (the Open ASR Leaderboard's, too)."""

    def __init__(self) -> None:
        self.ignore_patterns = _FILLERS
        self.standardize_numbers = EnglishNumberNormalizer()
        self.standardize_spellings = EnglishSpellingNormalizer()

    def __call__(self, s: str) -> str:
        s = s.lower()
        s = _BRACKETED.sub("", s)  # remove words between brackets
        s = _PARENTHESISED.sub("", s)  # remove words between parentheses
        s = self.ignore_patterns.sub("", s)
        s = re.sub(r"\s+'", "'", s)  # a space before an apostrophe
        for pattern, replacement in _COMPILED_REPLACERS:
            s = pattern.sub(replacement, s)
        s = re.sub(r"(\d),(\d)", r"\1\2", s)  # commas between digits
        s = re.sub(r"\.([^0-9]|$)", r" \1", s)  # periods not followed by digits
        s = remove_symbols_and_diacritics(s, keep=".%$¢€£")  # keep numeric symbols
        s = self.standardize_numbers(s)
        s = self.standardize_spellings(s)
        # prefix/suffix symbols not attached to a number
        s = re.sub(r"[.$¢€£]([^0-9])", r" \1", s)
        s = re.sub(r"([^0-9])%", r"\1 ", s)
        return _WHITESPACE.sub(" ", s)


@lru_cache(maxsize=1)
def _english() -> EnglishTextNormalizer:
    return EnglishTextNormalizer()


@lru_cache(maxsize=1)
def _basic() -> BasicTextNormalizer:
    return BasicTextNormalizer()


def normalize_whisper_english(text: str) -> str:
    return _english()(text)


def normalize_whisper_basic(text: str) -> str:
    return _basic()(text)


def _identity(text: str) -> str:
    return text


# ----------------------------------------------------------------------------
# The Open ASR Leaderboard's own normalisers (huggingface/open_asr_leaderboard,
# normalizer/normalizer.py and data_utils.py at d1e99b2, Apache-2.0). Since
# 2026 its English normaliser is Whisper's plus more fillers, a narrower "'s"
# rule, compound words, name variants and acronym joining, with its own
# spelling table (data/open_asr_english.json holds its three tables unchanged).
# ----------------------------------------------------------------------------

_OPEN_ASR_TABLES_PATH = Path(__file__).with_name("data") / "open_asr_english.json"
_OPEN_ASR_FILLERS = re.compile(
    r"\b(hmm|mm|mhm|mmm|uh|um|ah|aha|ahh|ahm|eh|ehehe|em|hm|huh|hum|mhum|uhm|umm|uhuh)\b"
)
# Whisper expands every "'s" to " is"; the leaderboard only after these words (a possessive stays).
_OPEN_ASR_REPLACERS = [
    (re.compile(r"\b(it|he|she|what|that|who|here|there|how|when|where|why|this)'s\b"), r"\1 is")
    if pattern.pattern == r"'s\b" else (pattern, replacement)
    for pattern, replacement in _COMPILED_REPLACERS
]
IGNORED_REFERENCE = "ignore time segment in scoring"
"""A reference that normalises to this (TED-LIUM's ``ignore_time_segment_in_scoring``) is not scored."""


@lru_cache(maxsize=1)
def _open_asr_tables() -> dict[str, dict[str, str]]:
    with _OPEN_ASR_TABLES_PATH.open(encoding="utf-8") as f:
        return json.load(f)


def join_acronyms(s: str) -> str:
    """The leaderboard's ``EnglishAcronymNormalizer``: a run of single letters/digits becomes one word.

    ``"b b c"`` -> ``"bbc"``; a run holding ``a`` or ``i`` needs three tokens (``"a b"`` stays).
    """
    words, out, i = s.split(), [], 0
    while i < len(words):
        j = i
        while j < len(words) and len(words[j]) == 1 and words[j].isalnum():
            j += 1
        if j == i:
            out.append(words[i])
            i += 1
            continue
        run = words[i:j]
        out.extend(["".join(run)] if len(run) >= (3 if any(c in ("a", "i") for c in run) else 2) else run)
        i = j
    return " ".join(out)


class OpenASREnglishNormalizer(EnglishTextNormalizer):
    """The Open ASR Leaderboard's ``EnglishTextNormalizer`` (2026): Whisper's, with the additions above."""

    def __init__(self) -> None:
        tables = _open_asr_tables()
        self.ignore_patterns = _OPEN_ASR_FILLERS
        self.standardize_numbers = EnglishNumberNormalizer()
        self.standardize_spellings = EnglishSpellingNormalizer(tables["spelling"])
        self.names = tables["names"]
        self.compounds = [(re.compile(p), r) for p, r in tables["compounds"].items()]

    def __call__(self, s: str) -> str:
        s = s.lower()
        s = _BRACKETED.sub("", s)
        s = _PARENTHESISED.sub("", s)
        s = self.ignore_patterns.sub("", s)
        s = re.sub(r"\s+'", "'", s)
        for pattern, replacement in _OPEN_ASR_REPLACERS:
            s = pattern.sub(replacement, s)
        s = re.sub(r"(\d),(\d)", r"\1\2", s)
        s = re.sub(r"\.([^0-9]|$)", r" \1", s)
        s = remove_symbols_and_diacritics(s, keep=".%$¢€£")
        for pattern, replacement in self.compounds:  # "wi fi" -> "wifi", after hyphens became spaces
            s = pattern.sub(replacement, s)
        s = self.standardize_numbers(s)
        s = self.standardize_spellings(s)
        s = " ".join(self.names.get(word, word) for word in s.split())
        s = join_acronyms(s)
        s = re.sub(r"[.$¢€£]([^0-9])", r" \1", s)
        s = re.sub(r"([^0-9])%", r"\1 ", s)
        return _WHITESPACE.sub(" ", s)


@lru_cache(maxsize=1)
def _open_asr_english() -> OpenASREnglishNormalizer:
    return OpenASREnglishNormalizer()


def normalize_open_asr_english(text: str) -> str:
    """The Open ASR Leaderboard's English normaliser (``data_utils.normalizer``)."""
    return _open_asr_english()(text)


def normalize_open_asr_multilingual(text: str, language: str) -> str:
    """The leaderboard's ``ml_normalizer(text, lang=language)``: basic multilingual, diacritics kept, digits as words.

    ``BasicMultilingualTextNormalizer(remove_diacritics=False)`` (lower-case, bracketed and parenthesised
    spans dropped, symbols to spaces, then anything not a word character or space removed), then
    space-separated thousands joined (``"10 000"`` -> ``"10000"``) and each digit run spelled out by
    ``num2words`` in ``language`` (left as digits where num2words cannot).
    """
    try:
        from num2words import num2words  # third-party; only the multilingual track needs it
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("the open_asr_multilingual normaliser needs num2words: pip install 'omnieval[speech]'") from e
    s = text.lower()
    s = _BRACKETED.sub("", s)
    s = _PARENTHESISED.sub("", s)
    s = remove_symbols(s).lower()
    s = re.sub(r"[^\w\s]", "", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"(\d)\s+(\d{3})\b", r"\1\2", s)

    def spell(m: Match[str]) -> str:
        try:
            return num2words(int(m.group()), lang=language)
        except Exception:  # the leaderboard keeps the digits whatever num2words raises
            return m.group()

    return re.sub(r"\d+", spell, s)


def is_scored_reference(normalized: str) -> bool:
    """The leaderboard's ``is_target_text_in_range``: neither empty nor the ignore-segment marker."""
    return normalized.strip() not in ("", IGNORED_REFERENCE)


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "whisper_english": normalize_whisper_english,
    "whisper_basic": normalize_whisper_basic,
    "open_asr_english": normalize_open_asr_english,
    "none": _identity,
}
LANGUAGE_NORMALIZERS: dict[str, Callable[[str, str], str]] = {"open_asr_multilingual": normalize_open_asr_multilingual}
"""Normalisers that need the text's language (a scorer's ``language`` option)."""


def get_normalizer(name: str, language: str | None = None) -> Callable[[str], str]:
    """The named normaliser; one of ``LANGUAGE_NORMALIZERS`` is bound to ``language``."""
    if name in LANGUAGE_NORMALIZERS:
        if not language:
            raise ValueError(f"text normaliser {name!r} needs a language")
        fn = LANGUAGE_NORMALIZERS[name]
        return lambda text: fn(text, language)
    try:
        return NORMALIZERS[name]
    except KeyError:
        known = [*NORMALIZERS, *LANGUAGE_NORMALIZERS]
        raise KeyError(f"unknown text normaliser {name!r}; known: {', '.join(known)}") from None


# ----------------------------------------------------------------------------
# The Qwen audio evaluations' ASR normalisation (QwenLM/Qwen2-Audio eval_audio/evaluate_asr.py at 595360e, the same
# code lmms-eval's common_voice_15, fleurs and librispeech tasks run): remove_sp, then per language Cantonese
# converted to simplified characters (zhconv), English through Whisper's English normaliser, Mandarin through
# cn_tn's TextNorm (chinese_text.py) and every other language (English too, after its own) through Whisper's basic
# one; then its EvaluationTokenizer (sacreBLEU "none", tokens made only of punctuation dropped, lower-cased). Mandarin
# and Cantonese are scored by characters: their tokens are joined and split into characters, one space between, so
# that scorer ``wer`` counts character edits as the official compute_wer does (and calls the rate "wer").
# ----------------------------------------------------------------------------

QWEN_AUDIO_CHARACTER_LANGUAGES = frozenset({"zh", "yue", "ja", "th"})
"""Languages scored by characters (the normalised text is its characters, space-separated): zh and yue as the official
code does; ja and th, which FLEURS writes without word spaces, the same way (the official code has no rule for them)."""
_QWEN_SPECIAL_TOKEN = re.compile(r"<\|.*?\|>")
_QWEN_PUNCS_AFTER_SPACE = re.compile(r" ?([!,.?;:])")


def _qwen_remove_sp(text: str, language: str) -> str:
    """The official ``remove_sp``: special tokens dropped, spaces squeezed, no space before ``!,.?;:``, all spaces
    removed in Mandarin."""
    s = _QWEN_SPECIAL_TOKEN.sub(" ", text)
    s = re.sub(r"\s+", " ", s)
    s = _QWEN_PUNCS_AFTER_SPACE.sub(r"\1", s).lstrip(" ")
    return re.sub(r"\s+", "", s) if language == "zh" else s


def normalize_qwen_audio(text: str, language: str) -> str:
    """The Qwen audio evaluations' ``remove_sp`` + ``compute_wer`` normalisation of one text in ``language``
    (``en``, ``zh``, ``yue``, ``fr``...): its tokens joined by spaces; in ``QWEN_AUDIO_CHARACTER_LANGUAGES`` its
    characters (spaces dropped), one space between."""
    from evals.scoring.metrics.chinese_text import normalize_chinese

    s = _qwen_remove_sp(text, language)
    if language == "yue":
        try:
            import zhconv  # third-party (MediaWiki's tables); only Cantonese needs it
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("the qwen_audio normaliser needs zhconv for Cantonese: pip install zhconv") from e
        s = zhconv.convert(s, "zh-cn")
    if language == "en":
        s = normalize_whisper_english(s)
    s = normalize_chinese(s) if language == "zh" else normalize_whisper_basic(s)
    # EvaluationTokenizer(tokenizer_type="none", lowercase=True, punctuation_removal=True): split on " " only, drop
    # tokens made only of punctuation (empty ones too), lower-case; compute_wer then splits on any whitespace.
    kept = (t for t in s.split(" ") if not all(unicodedata.category(c)[0] == "P" for c in t))
    tokens = " ".join(kept).lower().split()
    return " ".join("".join(tokens) if language in QWEN_AUDIO_CHARACTER_LANGUAGES else tokens)


LANGUAGE_NORMALIZERS["qwen_audio"] = normalize_qwen_audio
