"""The ``qwen_audio`` normaliser and the ``wer`` scorer against the Qwen audio evaluations' own ASR scoring.

``data/qwen2_audio_asr.json`` holds adversarial references and predictions (Mandarin numbers, dates, money, percentages,
phone numbers, fractions, full-width letters, special tokens; Cantonese in traditional characters; English spellings,
titles, contractions and fillers; French punctuation and elisions; German, Japanese, Thai) and what QwenLM/Qwen2-Audio
``eval_audio/evaluate_asr.py`` (its ``remove_sp`` and ``compute_wer``, with its ``cn_tn.py``, ``whisper_normalizer`` and
``evaluate_tokenizer.py``) made of them when it was run: the token lists it passed to ``editdistance`` and each group's
rate (repository, commit, path and command in the file's ``source``). Two departures are pinned here:

- Japanese and Thai: the official code has no rule for them and splits on spaces (a Japanese sentence is one token);
  ``qwen_audio`` scores them by characters, as it does Mandarin and Cantonese (the characters are the official tokens'
  characters).
- A reference that normalises to nothing: the official rate counts the prediction's tokens as edits over no reference
  tokens; ``wer`` drops that sample (``dropped`` = 1), as it does for every normaliser.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.contract import ScoreInput
from evals.scoring.metrics.asr import ErrorRateOptions, score_wer
from evals.scoring.metrics.text_normalizers import normalize_qwen_audio

pytest.importorskip("zhconv")

DATA = json.loads((Path(__file__).parent / "data" / "qwen2_audio_asr.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]
BY_CHARACTER = {"ja", "th"}
"""Languages the official code splits on spaces and ``qwen_audio`` by characters."""


def test_the_official_outputs_say_where_they_come_from_and_cover_each_rule():
    source = DATA["source"]
    assert source["repository"] == "QwenLM/Qwen2-Audio" and source["path"] == "eval_audio/evaluate_asr.py"
    assert len(source["commit"]) == 40 and source["command"]
    assert {c["language"] for c in CASES} == {"zh", "yue", "en", "fr", "de", "ja", "th"}
    assert len(CASES) >= 25 and any(not c["reference_items"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['language']}:{c['reference'][:20]!r}" for i, c in enumerate(CASES)])
def test_each_text_normalises_to_the_official_tokens(case):
    language = case["language"]
    for side in ("reference", "prediction"):
        ours = normalize_qwen_audio(case[side], language).split()
        official = case[f"{side}_items"]
        if language in BY_CHARACTER:  # departure: characters, where the official code keeps space-separated tokens
            assert ours == list("".join(official))
        else:
            assert ours == official, (side, case[side])


def _wer(pairs: list[list[str]], language: str) -> tuple[float, float]:
    options = ErrorRateOptions(normalizer="qwen_audio", language=language)
    rows = score_wer([ScoreInput(id=str(i), prediction=p, references=[r]) for i, (r, p) in enumerate(pairs)], options)
    totals = {k: sum(row[k] for row in rows) for k in ("edits", "ref_words", "dropped")}
    return totals["edits"] / totals["ref_words"], totals["dropped"]


@pytest.mark.parametrize("corpus", DATA["corpora"], ids=[f"{i}:{c['language']}" for i, c in enumerate(DATA["corpora"])])
def test_each_groups_rate_is_the_official_one(corpus):
    language, pairs = corpus["language"], corpus["pairs"]
    if language in BY_CHARACTER:
        pytest.skip("scored by characters here, by space-separated tokens there (see the case test)")
    rate, dropped = _wer(pairs, language)
    if any(normalize_qwen_audio(r, language) == "" for r, _ in pairs):
        # Departure: the official rate adds the prediction's tokens as edits over an empty reference; wer drops it.
        assert dropped == 1 and corpus["wer"] == 0.5 and rate == 0.0
    else:
        assert dropped == 0 and rate == pytest.approx(corpus["wer"], abs=1e-12)
