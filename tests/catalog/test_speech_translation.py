"""Speech translation: sacreBLEU signatures in the results, Whisper-like models asked for English through the request
(and refused before the run for any other target), FLEURS recordings paired with the English sentence of their id."""

from __future__ import annotations

import json

import pytest
from helpers import run_tasks
from make_fixtures import AUD, Part, aud, speech_translation_parts, write_parquet, write_readme

from evals.adapters.base import Adapter, Capabilities
from evals.errors import OmniEvalError
from evals.requests import Request, Response
from evals.run.runner import check_supported
from evals.spec.catalog import load_task

pytest.importorskip("sacrebleu")


class PromptlessTranslator(Adapter):
    """Takes no prompt, like Whisper: translates into English when the request asks (a fixed sentence), else transcribes."""

    kind = "promptless"
    declared_capabilities = Capabilities(text=False, audio=True, batch=True, translation_targets=("en",))

    def generate(self, requests: list[Request]) -> list[Response]:
        return [Response(text="the cat sat on the mat" if r.generation.translate_to == "en" else "le chat") for r in requests]


def test_results_record_sacrebleus_signatures(fixture_mirror, tmp_path):
    result = run_tasks([load_task("covost2_en_zh")], fixture_mirror, tmp_path / "run", "猫坐在垫子上").tasks["covost2_en_zh"]
    assert result.signatures["sacrebleu"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:")
    assert result.signatures["sacrebleu"]["chrf"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:")
    on_disk = json.loads((tmp_path / "run" / "results.json").read_text())["tasks"]["covost2_en_zh"]
    assert on_disk["signatures"] == result.signatures and on_disk["scorers"]["sacrebleu"]["target_language"] == "zh"
    # Rescoring with other options records the signatures of those options.
    from evals.run.rescore import rescore_run

    spec = load_task("covost2_en_zh")
    spec = spec.model_copy(update={"scorers": [spec.scorers[0].model_copy(update={"options": {"target_language": "zh", "tokenize": "char"}})]})
    again = rescore_run(tmp_path / "run", [spec], output=tmp_path / "again", n_resamples=10)
    rescored = json.loads((again / "results.json").read_text())["tasks"]["covost2_en_zh"]
    assert "|tok:char|" in rescored["signatures"]["sacrebleu"]["bleu"]


def test_a_model_without_a_prompt_translates_into_english_through_the_request(fixture_mirror, tmp_path):
    adapter = PromptlessTranslator("", PromptlessTranslator.Args())
    result = run_tasks([load_task("covost2_fr_en")], fixture_mirror, tmp_path / "run", "", adapter=adapter).tasks["covost2_fr_en"]
    assert result.metrics["bleu"].value == pytest.approx(100 * 2 / 3)  # as the constant "the cat sat on the mat" scores


def test_other_targets_are_refused_before_anything_runs(fixture_mirror, tmp_path):
    adapter = PromptlessTranslator("", PromptlessTranslator.Args())
    why = check_supported(load_task("covost2_en_de"), adapter)
    assert why == "promptless takes no prompt and translates speech only into en: it cannot translate into 'de'"
    with pytest.raises(OmniEvalError, match=r"^task covost2_en_de: promptless takes no prompt .* into 'de'$"):
        run_tasks([load_task("covost2_fr_en"), load_task("covost2_en_de")], fixture_mirror, tmp_path / "run", "", adapter=adapter)
    assert not (tmp_path / "run").exists()  # the task list is checked first: not even the fr -> en task ran
    # A model that reads the prompt is asked there; one that only transcribes cannot translate at all.
    assert check_supported(load_task("covost2_en_de"), _baseline()) is None
    transcriber = PromptlessTranslator("", PromptlessTranslator.Args())
    transcriber.declared_capabilities = Capabilities(text=False, audio=True)
    assert "translates speech into no language (it only transcribes)" in check_supported(load_task("covost2_fr_en"), transcriber)


def _baseline():
    from evals.adapters.base import create_adapter

    return create_adapter("baseline:constant", {"text": "x"})


def test_fleurs_recordings_get_the_english_sentence_of_their_id(fixture_mirror, tmp_path):
    run_tasks([load_task("fleurs_st_cmn_en")], fixture_mirror, tmp_path / "run", "The cat sat.")
    records = [json.loads(line) for line in (tmp_path / "run" / "samples" / "fleurs_st_cmn_en.jsonl").read_text().splitlines()]
    # Two recordings of sentence 1900 and one of 1901 (ids repeat by design, so each carries its row index).
    assert [(r["id"], r["references"]) for r in records] == [("1900#0", ["The cat sat."]), ("1900#1", ["The cat sat."]),
                                                              ("1901#2", ["The dog."])]


def test_a_recording_without_an_english_sentence_is_that_samples_error(tmp_path):
    parts = [p for p in speech_translation_parts() if p.repo == f"{AUD}/fleurs"]
    cmn = parts[0]
    english = Part(cmn.repo, "en_us", "test", cmn.features, [{**cmn.rows[0], "id": 1900, "raw_transcription": "The cat sat.",
                                                              "audio": aud(1)}])
    orphan = Part(cmn.repo, "cmn_hans_cn", "test", cmn.features, [cmn.rows[0], {**cmn.rows[2], "id": 2001}])
    for p in (english, orphan):
        write_parquet(tmp_path / "mirror" / p.repo / p.relpath, p.rows, p.features)
    write_readme(tmp_path / "mirror" / cmn.repo, [english, orphan])
    result = run_tasks([load_task("fleurs_st_cmn_en")], tmp_path / "mirror", tmp_path / "run", "The cat sat.").tasks["fleurs_st_cmn_en"]
    assert result.n_samples == 2 and result.n_errors == 1 and result.metrics["bleu"].n == 1
    assert result.metrics["bleu"].value == pytest.approx(100.0)
    records = [json.loads(line) for line in (tmp_path / "run" / "samples" / "fleurs_st_cmn_en.jsonl").read_text().splitlines()]
    assert "no reference" in records[1]["error"] and records[1]["id"] == "2001#1"
