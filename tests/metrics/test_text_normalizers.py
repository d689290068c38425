import json
import random

import pytest

from evals.scoring.metrics.text_normalizers import (
    _SPELLING_MAP_PATH,
    get_normalizer,
    normalize_whisper_basic,
    normalize_whisper_english,
)

WORDS = ["one", "two", "three", "twenty", "thirty-one", "hundred", "thousand", "million", "and", "a", "half",
         "point", "five", "oh", "zero", "double", "triple", "dollars", "dollar", "cents", "pounds", "euro",
         "percent", "per", "cent", "minus", "plus", "first", "second", "twenty-first", "sixties", "nineteenth",
         "eleven", "fifteen", "hundreds", "thousandth", "colour", "organise", "Mr.", "Dr", "St.", "won't",
         "can't", "it's", "we'd", "they've", "I'm", "y'all", "gonna", "hmm", "uh", "um", "[noise]", "(laughs)",
         "<unk>", "1,000", "2.5", "$20", "£3", "€4.50", "10%", "1960s", "274th", "32nd", "café", "naïve", "Æther",
         "straße", "ø", "—", "…", "hello,", "world!", "\"quoted\"", "e.g.", "U.S.", "a.m.", "5pm", "3rd", "ones",
         "1", "0.5", "one's", "O'Brien", "rock'n'roll", "9/11", "24/7", "50-50", "ACME", "the", "of", "1.2.3.4",
         "seven", "eight", "nine", "ninety", "forty", "sixth", "twelfth", "zeroth", "trillion", "decillion"]


def _sentences(n, seed):
    rng = random.Random(seed)
    for _ in range(n):
        yield " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))


FIXED = [
    "", "  ", "Hello, world!", "I have twenty five dollars and fifty cents.", "one oh one", "two and a half million",
    "It's 5 p.m. on the 3rd of July, 1960s style.", "Mr. Smith's colour TV cost $1,234.56", "double five triple nine",
    "minus three point one four", "fifty per cent", "ten percent", "the first and second", "[inaudible] um okay",
    "(applause) thank you", "café naïve coöperate", "1 2 3 one two three", "£2 and 7 cents", "$0.5",
]


def test_matches_transformers_english_normalizer():
    from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

    with open(_SPELLING_MAP_PATH, encoding="utf-8") as f:
        reference = EnglishTextNormalizer(json.load(f))
    for text in FIXED + list(_sentences(3000, seed=0)):
        assert normalize_whisper_english(text) == reference(text), text


def test_matches_whisper_normalizer_package():
    english = pytest.importorskip("whisper_normalizer.english")
    basic = pytest.importorskip("whisper_normalizer.basic")
    ref_en, ref_basic = english.EnglishTextNormalizer(), basic.BasicTextNormalizer()
    for text in FIXED + list(_sentences(3000, seed=1)):
        assert normalize_whisper_english(text) == ref_en(text), text
        assert normalize_whisper_basic(text) == ref_basic(text), text


def test_matches_transformers_basic_normalizer():
    from transformers.models.whisper.english_normalizer import BasicTextNormalizer

    reference = BasicTextNormalizer()
    for text in FIXED + list(_sentences(1000, seed=2)):
        assert normalize_whisper_basic(text) == reference(text), text


def test_known_outputs():
    assert normalize_whisper_english("I have twenty five dollars.").split() == ["i", "have", "$25"]
    assert normalize_whisper_english("Colour").strip() == "color"
    assert get_normalizer("none")("Keep As Is") == "Keep As Is"
    with pytest.raises(KeyError):
        get_normalizer("nope")
