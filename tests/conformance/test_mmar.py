"""MMAR's answer matching against the official evaluation (ddlBoJack/MMAR code/evaluation.py), case by case.

MMAR's ``string_match`` is MMAU's, line for line (its README: "modified from the official implementation of MMAU"), so
the task scores with ``mmau_match``. ``data/mmar_string_match.json`` holds what MMAR's own function returned for answers
built from real MMAR rows (repository, path, commit and command in the file's header); ``mmau_string_match`` must agree
on every one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.scoring.metrics.mmau import mmau_string_match

DATA = json.loads((Path(__file__).parent / "data" / "mmar_string_match.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def test_the_official_outputs_say_where_they_come_from_and_are_enough():
    assert DATA["official"] == {"repository": "ddlBoJack/MMAR", "path": "code/evaluation.py", "commit": DATA["official"]["commit"]}
    assert len(DATA["official"]["commit"]) == 40 and DATA["command"]
    assert len(CASES) >= 100 and {c["official"] for c in CASES} == {True, False}


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['prediction'][:30]!r}" for i, c in enumerate(CASES)])
def test_mmar_answers_match_as_the_official_string_match_decides(case):
    assert mmau_string_match(case["answer"], case["prediction"], case["choices"]) == case["official"]
