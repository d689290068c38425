"""LibriSpeech speaker sex: the shipped table (LibriSpeech's SPEAKERS.TXT rows for the test speakers) and its join."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from evals.spec.preprocess import get_preprocessor

TABLE = Path(__file__).resolve().parents[2] / "evals" / "tables" / "librispeech_speakers.csv"
TEST_CLEAN = {1089, 1188, 121, 1221, 1284, 1320, 1580, 1995, 2094, 2300, 237, 260, 2830, 2961, 3570, 3575, 3729, 4077, 4446, 4507,
              4970, 4992, 5105, 5142, 5639, 5683, 61, 672, 6829, 6930, 7021, 7127, 7176, 7729, 8224, 8230, 8455, 8463, 8555, 908}


def test_the_table_holds_every_test_speaker_with_the_corpus_s_published_counts():
    with open(TABLE, newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert {int(r["speaker_id"]) for r in rows if r["subset"] == "test-clean"} == TEST_CLEAN
    # LibriSpeech's test-clean has 20 women and 20 men, test-other 17 women and 16 men.
    assert Counter((r["subset"], r["sex"]) for r in rows) == {("test-clean", "F"): 20, ("test-clean", "M"): 20,
                                                              ("test-other", "F"): 17, ("test-other", "M"): 16}
    assert len({r["speaker_id"] for r in rows}) == len(rows) == 73


def test_rows_are_joined_on_speaker_id_and_an_unlisted_speaker_is_unknown():
    join = get_preprocessor("librispeech_speaker_sex")
    assert join({"speaker_id": 1089, "text": "X"}) == {"speaker_id": 1089, "text": "X", "speaker_sex": "male"}
    assert join({"speaker_id": 121})["speaker_sex"] == "female" and join({"speaker_id": "367"})["speaker_sex"] == "female"
    assert join({"speaker_id": 19})["speaker_sex"] == "unknown"  # a train-clean-100 speaker: not in the test table
