"""Speech translation scores against sacreBLEU's command line, target language by target language.

``data/speech_translation_sacrebleu.json`` holds adversarial corpora (punctuation, casing, numbers, full-width forms,
typographic quotes, an empty hypothesis) and what sacreBLEU's own command line (repository, path, commit and command in
the file's header) printed for each with ``-l <src>-<tgt>``: the tokenizer it picks for the target language (zh, ja-mecab,
else 13a; Cantonese with ``-tok zh``, as its tasks name it), the corpus BLEU and chrF and their signatures. Every speech translation task whose references are in that
language must score each corpus the same through its own scorer options, signature included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("sacrebleu")

from evals.scoring.contract import ScoreInput, stats_table  # noqa: E402
from evals.scoring.registry import get_scorer  # noqa: E402
from evals.spec.catalog import load_task, task_names  # noqa: E402

DATA = json.loads((Path(__file__).parent / "data" / "speech_translation_sacrebleu.json").read_text(encoding="utf-8"))
CASES = {c["target_language"]: c for c in DATA["cases"]}
TASKS = {name: load_task(name) for name in task_names() if name.startswith(("covost2_", "fleurs_st_"))}


def _target(spec) -> str:
    return spec.scorers[0].options["target_language"]


def test_the_official_outputs_say_where_they_come_from_and_cover_every_target():
    official = DATA["official"]
    assert official["repository"] == "mjpost/sacrebleu" and official["path"] == "sacrebleu/sacrebleu.py"
    assert len(official["commit"]) == 40 and DATA["command"]
    assert {_target(spec) for spec in TASKS.values()} == set(CASES) == {"en", "de", "es", "fr", "it", "pt", "ja", "zh", "ar", "id",
                                                                        "ru", "vi", "yue", "ko", "th"}
    assert all(len(c["hypotheses"]) == len(c["references"]) >= 5 and "" in c["hypotheses"] for c in CASES.values())
    assert {c["bleu_signature"].split("|tok:")[1].split("|")[0] for c in CASES.values()} == {"13a", "zh", "ja-mecab-0.996-IPA",
                                                                                                "ko-mecab-0.996/ko-0.9.2-KO"}


@pytest.mark.parametrize("task", sorted(TASKS))
def test_each_task_scores_its_languages_corpus_as_sacrebleus_command_line(task):
    spec = TASKS[task]
    case = CASES[_target(spec)]
    if case["target_language"] == "ko":
        pytest.importorskip("mecab_ko", reason='ko-mecab is the extra sacrebleu[ko]; without it each sample says so')
    assert spec.scorers[0].options.get("tokenize") == case["tokenize_flag"]  # only Cantonese names its tokenizer
    scorer = get_scorer(spec.scorers[0].name)
    options = scorer.parse_options(spec.scorers[0].options)
    inputs = [ScoreInput(id=str(i), prediction=h, references=[r]) for i, (h, r) in enumerate(zip(case["hypotheses"], case["references"]))]
    got = scorer.aggregate(stats_table(scorer.score(inputs, options)), options)
    assert got["bleu"] == pytest.approx(case["bleu"], abs=1e-6) and got["chrf"] == pytest.approx(case["chrf"], abs=1e-6)
    assert scorer.signature(options) == {"bleu": case["bleu_signature"], "chrf": case["chrf_signature"]}
