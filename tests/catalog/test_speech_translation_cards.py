"""The speech translation directions the 2026 model cards report (tasks/audio/covost2.yaml, fleurs_st.yaml,
fleurs_st_en_x.yaml, fleurs_st_zh_x.yaml, fleurs_st_x_zh.yaml): CoVoST 2's 21 X -> en directions; FLEURS X -> en and
en -> X in Phi-4-multimodal's seven languages and Qwen3-Omni's fifteen, Mandarin into and from the other thirteen; the
suites that average them as the cards do; end to end on fixture mirrors in fixie-ai/covost2's and google/fleurs's schemas.

The constants and references are built so that every direction has the same hand-worked figures (see
tests/catalog/test_catalog_runs.py's notes for CoVoST 2 and FLEURS): BLEU 100 * 2/3 where a constant sentence of four
tokens or more meets itself twice and a word sharing no token with it once. The tokenizer per target language (13a, zh,
ja-mecab, ko-mecab) is the one sacreBLEU's command line picks; tests/conformance/test_speech_translation_tokenizers.py
checks it against that command line.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import run_tasks, tiny_vlm_results
from make_fixtures import (COVOST2_X_EN_MORE, FLEURS_ASR_SENTENCES, FLEURS_ST_SENTENCES, Part, asr_beyond_english_parts,
                           speech_translation_cards_parts, speech_translation_parts, write_google_fleurs, write_parts)

from evals.results import suite_result
from evals.run.runner import check_supported
from evals.spec.catalog import load_suite, load_task

sacrebleu = pytest.importorskip("sacrebleu")

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

COVOST_X_EN = [f"covost2_{s.split('-')[0]}_en" for s in COVOST2_X_EN_MORE]
PHI4 = {"de": "de_de", "es": "es_419", "fr": "fr_fr", "it": "it_it", "ja": "ja_jp", "pt": "pt_br", "zh": "cmn_hans_cn"}
"""Phi-4-multimodal's FLEURS languages: en -> X task suffix -> the google/fleurs config of its references."""
TARGETS = {**PHI4, "ar": "ar_eg", "id": "id_id", "ru": "ru_ru", "vi": "vi_vn", "yue": "yue_hant_hk"}
X_EN = {**{k: v for k, v in PHI4.items() if k != "zh"}, "ar": "ar_eg", "id": "id_id", "ko": "ko_kr", "ru": "ru_ru", "th": "th_th", "vi": "vi_vn"}
SENTENCES = {**FLEURS_ASR_SENTENCES, **FLEURS_ST_SENTENCES}
"""google/fleurs config -> its sentences 1900 and 1901: this file's languages, and those the FLEURS ASR fixture writes."""
TOKENIZERS = {"zh": "zh", "yue": "zh", "ja": "ja-mecab", "ko": "ko-mecab"}
ZH = "cmn_hans_cn"
QWEN3 = {"ar": "ar_eg", "yue": "yue_hant_hk", "de": "de_de", "es": "es_419", "fr": "fr_fr", "id": "id_id", "it": "it_it",
         "ja": "ja_jp", "ko": "ko_kr", "pt": "pt_br", "ru": "ru_ru", "th": "th_th", "vi": "vi_vn"}
"""Qwen3-Omni's 15 FLEURS languages but English and Mandarin: suffix -> google/fleurs config."""
TARGETS.update(ko="ko_kr", th="th_th")
PAIRED = {**{f"fleurs_st_en_{s}": s for s in TARGETS}, **{f"fleurs_st_zh_{s}": s for s in QWEN3}, **{f"fleurs_st_{s}_zh": "zh" for s in QWEN3}}
"""Each task whose audio and references are two google/fleurs configs joined on the id -> its target language."""


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("st_cards")
    mine = speech_translation_cards_parts()
    # fixie-ai/covost2's card lists every config: the existing ones and the new ones, one card.
    write_parts(root, [p for p in speech_translation_parts() + mine if p.repo == "fixie-ai/covost2"])
    others = [p for p in asr_beyond_english_parts() if p.repo == "google/fleurs" and p.config in {*TARGETS.values(), *X_EN.values()}]
    assert {p.config for p in others} == {"ar_eg", "id_id", "ko_kr", "ru_ru", "th_th", "vi_vn"}
    write_google_fleurs(root, [p for p in mine if p.repo == "google/fleurs"] + others)
    return root


def _bleu_chrf(hyp: str, refs: list[str], tokenize: str) -> tuple[float, float]:
    return (sacrebleu.corpus_bleu([hyp] * len(refs), [refs], tokenize=tokenize).score,
            sacrebleu.corpus_chrf([hyp] * len(refs), [refs]).score)


def _by_gender(result) -> dict[str, float]:
    report = next(s for s in result.subgroups if s.field == "gender")
    return {group: metrics["bleu"].value for group, metrics in report.groups.items()}


def test_the_catalogue_has_every_direction_the_cards_report():
    covost = load_suite("covost2_x_en").tasks
    assert len(covost) == 21 and len(set(covost)) == 21 and set(COVOST_X_EN) < set(covost)
    assert {load_task(t).dataset.name for t in covost} == {f"{s}_en" for s in ["fr", "de", "es", "zh-CN", *COVOST2_X_EN_MORE]}
    assert load_suite("phi4mm_covost2_x_en").tasks == [f"covost2_{s}_en" for s in ("de", "es", "fr", "it", "ja", "pt", "zh")]
    assert load_suite("phi4mm_covost2_en_x").tasks == ["covost2_en_de", "covost2_en_ja", "covost2_en_zh"]
    assert load_suite("phi4mm_fleurs_en_x").tasks == [f"fleurs_st_en_{s}" for s in PHI4]
    assert load_suite("phi4mm_fleurs_x_en").tasks == [*(f"fleurs_st_{s}_en" for s in PHI4 if s != "zh"), "fleurs_st_cmn_en"]
    qwen3 = {kind: load_suite(f"qwen3omni_fleurs_{kind}").tasks for kind in ("xx2en", "en2xx", "zh2xx", "xx2zh")}
    assert set(qwen3["xx2en"]) == {*(f"fleurs_st_{s}_en" for s in X_EN), "fleurs_st_cmn_en", "fleurs_st_yue_en"}
    assert set(qwen3["en2xx"]) == {*(f"fleurs_st_en_{s}" for s in QWEN3), "fleurs_st_en_zh"}
    assert set(qwen3["zh2xx"]) == {*(f"fleurs_st_zh_{s}" for s in QWEN3), "fleurs_st_cmn_en"}
    assert set(qwen3["xx2zh"]) == {*(f"fleurs_st_{s}_zh" for s in QWEN3), "fleurs_st_en_zh"}
    assert all(len(tasks) == 14 for tasks in qwen3.values())
    for suite in ("phi4mm_covost2_x_en", "phi4mm_covost2_en_x", "phi4mm_fleurs_x_en", "phi4mm_fleurs_en_x"):
        assert load_suite(suite).aggregate.model_dump() == {"metric": "bleu", "scale": 1.0, "decimals": 2, "weight": "tasks"}
    for short, config in PHI4.items():
        spec = load_task(f"fleurs_st_en_{short}")
        assert (spec.dataset.path, spec.dataset.name, spec.dataset.revision) == ("google/fleurs", config, "refs/convert/parquet")
        assert spec.generation.translate_to == short and spec.scorers[0].options["target_language"] == short
    assert load_task("fleurs_st_en_yue").scorers[0].options == {"target_language": "yue", "tokenize": "zh"}


def test_covost2_into_english_from_each_other_source(mirror, tmp_path):
    results = run_tasks([load_task(t) for t in COVOST_X_EN], mirror, tmp_path / "run", "the cat sat on the mat").tasks
    bleu, chrf = _bleu_chrf("the cat sat on the mat", ["the cat sat on the mat", "the cat sat on the mat", "buy"], "13a")
    for task in COVOST_X_EN:
        result = results[task]
        assert result.n_samples == 3 and result.n_errors == 0, task
        assert result.metrics["bleu"].value == pytest.approx(100 * 2 / 3) == pytest.approx(bleu)
        assert result.metrics["chrf"].value == pytest.approx(chrf)
        assert "|tok:13a|" in result.signatures["sacrebleu"]["bleu"]


def test_fleurs_into_english_reads_google_fleurs_parquet_conversion(mirror, tmp_path):
    tasks = [f"fleurs_st_{short}_en" for short in X_EN]
    results = run_tasks([load_task(t) for t in tasks], mirror, tmp_path / "run", "The cat sat.").tasks
    bleu, chrf = _bleu_chrf("The cat sat.", ["The cat sat.", "The cat sat.", "The dog."], "13a")
    male = sacrebleu.corpus_bleu(["The cat sat."] * 2, [["The cat sat.", "The dog."]]).score
    for task in tasks:
        result = results[task]
        assert result.n_samples == 3 and result.n_errors == 0, task
        assert result.metrics["bleu"].value == pytest.approx(bleu) and result.metrics["chrf"].value == pytest.approx(chrf)
        assert _by_gender(result) == pytest.approx({"female": 100.0, "male": male})
        records = [json.loads(line) for line in (tmp_path / "run" / "samples" / f"{task}.jsonl").read_text().splitlines()]
        assert [(r["id"], r["references"]) for r in records] == [("1900#0", ["The cat sat."]), ("1900#1", ["The cat sat."]),
                                                                  ("1901#2", ["The dog."])]


@pytest.mark.parametrize("short", sorted(set(PAIRED.values())))
def test_fleurs_pairs_each_recording_with_the_sentence_of_its_id_in_the_target(mirror, tmp_path, short):
    """From English (en_us), from Mandarin (cmn_hans_cn) and into Mandarin: the constant is the target's sentence 1900;
    one run per target language, its tasks together."""
    tasks = [task for task, target in PAIRED.items() if target == short]
    sentence, other = SENTENCES[ZH if short == "zh" else TARGETS.get(short) or QWEN3[short]]
    results = run_tasks([load_task(t) for t in tasks], mirror, tmp_path / "run", sentence).tasks
    tokenize = TOKENIZERS.get(short, "13a")
    for task in tasks:
        result = results[task]
        assert result.n_samples == 3 and result.n_errors == 0, task
        records = [json.loads(line) for line in (tmp_path / "run" / "samples" / f"{task}.jsonl").read_text().splitlines()]
        assert [(r["id"], r["references"]) for r in records] == [("1900#0", [sentence]), ("1900#1", [sentence]), ("1901#2", [other])]
        if short == "ko" and not importlib.util.find_spec("mecab_ko"):  # ko-mecab's packages are an extra: each sample says so
            assert result.n_score_errors == 3 and all("sacrebleu[ko]" in r["score_error"] for r in records)
            continue
        bleu, chrf = _bleu_chrf(sentence, [sentence, sentence, other], tokenize)
        assert result.metrics["bleu"].value == pytest.approx(bleu) and result.metrics["chrf"].value == pytest.approx(chrf)
        assert f"|tok:{tokenize}" in result.signatures["sacrebleu"]["bleu"]  # ja-mecab-0.996-IPA: with its version
        # The speakers: a woman reads sentence 1900, a man reads 1900 and 1901.
        female = sacrebleu.corpus_bleu([sentence], [[sentence]], tokenize=tokenize).score
        male = sacrebleu.corpus_bleu([sentence] * 2, [[sentence, other]], tokenize=tokenize).score
        assert _by_gender(result) == pytest.approx({"female": female, "male": male})
        if short != "th":  # every target sentence but Thai's (one 13a token) has four tokens or more: BLEU 2/3, 100, 1/2
            assert (bleu, female, male) == pytest.approx((100 * 2 / 3, 100.0, 50.0))


def test_an_english_recording_without_a_target_sentence_is_that_samples_error(tmp_path):
    parts = [p for p in speech_translation_cards_parts() if p.repo == "google/fleurs" and p.config in ("en_us", "de_de")]
    english, german = sorted(parts, key=lambda p: p.config != "en_us")
    orphan = Part(english.repo, "en_us", "test", english.features, [english.rows[0], {**english.rows[2], "id": 2001}])
    write_google_fleurs(tmp_path / "mirror", [orphan, german])
    result = run_tasks([load_task("fleurs_st_en_de")], tmp_path / "mirror", tmp_path / "run", "die Katze sitzt auf der Matte")
    result = result.tasks["fleurs_st_en_de"]
    assert result.n_samples == 2 and result.n_errors == 1 and result.metrics["bleu"].n == 1
    assert result.metrics["bleu"].value == pytest.approx(100.0)
    records = [json.loads(line) for line in (tmp_path / "run" / "samples" / "fleurs_st_en_de.jsonl").read_text().splitlines()]
    assert "no reference" in records[1]["error"] and records[1]["id"] == "2001#1"


def test_the_suites_average_as_phi4_multimodals_table_does(mirror, tmp_path):
    suite = load_suite("phi4mm_fleurs_en_x")
    specs = [load_task(t) for t in suite.tasks]
    results = []
    for spec in specs:
        sentence = SENTENCES[TARGETS[spec.name.rsplit("_", 1)[1]]][0]
        results.append(run_tasks([spec], mirror, tmp_path / spec.name, sentence).tasks[spec.name])
    figure = suite_result(suite.name, results, **suite.aggregate.model_dump())
    assert figure.metric == "bleu" and figure.tasks == suite.tasks
    assert figure.mean == round(sum(round(r.metrics["bleu"].value, 2) for r in results) / 7, 2) == 66.67


def test_a_model_without_a_prompt_is_refused_into_any_language_but_english():
    from evals.adapters.base import create_adapter
    from test_speech_translation import PromptlessTranslator

    whisper_like, baseline = PromptlessTranslator("", PromptlessTranslator.Args()), create_adapter("baseline:constant", {"text": "x"})
    into_english = [*COVOST_X_EN, *(f"fleurs_st_{s}_en" for s in X_EN)]
    assert all(check_supported(load_task(t), whisper_like) is None for t in into_english)
    for task, short in PAIRED.items():  # from English, from Mandarin, into Mandarin: never into English
        spec = load_task(task)
        assert check_supported(spec, whisper_like).endswith(f"it cannot translate into {short!r}")
        assert check_supported(spec, baseline) is None
    assert [load_task(f"fleurs_st_en_{s}").prompt.user.splitlines()[-1] for s in ("de", "ja", "zh")] == [
        "Translate the speech into German.", "Translate the speech into Japanese.", "Translate the speech into Chinese."]


@pytest.mark.skipif(not importlib.util.find_spec("transformers"), reason="needs transformers")
def test_a_tiny_audio_llm_translates_from_english(mirror, tmp_path, tiny_model):
    """A tiny random Qwen2-Audio (loaded through ``hf:``) gets each English recording and the prompt into Japanese;
    its answers are scored with ja-mecab like any other."""
    result = tiny_vlm_results(tiny_model, "fleurs_st_en_ja", mirror, tmp_path / "run", family="qwen2_audio", limit=2)
    assert result.n_samples == 2 and result.n_errors == 0 and result.n_score_errors == 0 and "bleu" in result.metrics
