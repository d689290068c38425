"""Task families: variants hash exactly like the files they replaced, and the catalogue finds them by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.errors import SpecError
from evals.spec.catalog import load_suite, load_task, suite_names, task_names
from evals.spec.family import deep_merge
from evals.spec.task import load_task_family, load_task_file
from .helpers import write

REPLACED = Path(__file__).parent / "replaced_tasks"
ROOT = Path(__file__).resolve().parents[2] / "tasks"
FAMILIES = {
    "audio/open_asr_esb.yaml": 9,
    "vqa/pope.yaml": 3,
    "audio/air_bench_foundation.yaml": 3,
}


# The ESB-based Open ASR sets were open_asr_<set> until the 2026 sets took those names: the same specs, renamed
# (a name is part of a spec's hash), their descriptions saying "previous".
RENAMED = {f"open_asr_esb_{k}": f"open_asr_{k}" for k in ("ami", "common_voice", "earnings22", "gigaspeech", "librispeech_clean",
                                                            "librispeech_other", "spgispeech", "tedlium", "voxpopuli")}


# Changed on purpose after the rename (open_asr_esb version 2): the ESB sets drop references that normalise to "ignore time
# segment in scoring", as the leaderboard always has; their hashes left the replaced files' with that change and nothing else.
ESB_VERSION_2 = {"version": 2, "scorers": [{"name": "wer", "options": {"normalizer": "whisper_english", "drop_ignored": True}}]}


def test_every_replaced_file_has_a_variant_with_the_same_hash():
    old = {p.stem: load_task_file(p) for p in sorted(REPLACED.glob("*.yaml"))}
    new = {RENAMED.get(spec.name, spec.name): spec for family in FAMILIES for spec in load_task_family(ROOT / family)}
    assert len(old) == sum(FAMILIES.values()) == 15
    assert sorted(new) == sorted(old)
    for name, spec in new.items():
        was = old[name].model_copy(update={"name": spec.name})
        if spec.name in RENAMED:
            assert spec.spec_hash != was.spec_hash, name
            was = type(was).model_validate({**was.model_dump(), **ESB_VERSION_2})
        assert spec.spec_hash == was.spec_hash, name
        # Not only the hash: the whole spec, description included (but for the renamed ones), is what the old file said.
        exclude = {"source_file", "description"} if name != spec.name else {"source_file"}
        assert spec.model_dump(exclude=exclude) == was.model_dump(exclude=exclude), name


def test_catalogue_lists_and_loads_variants_by_name():
    names = set(task_names())
    assert {"pope_random", "pope_popular", "pope_adversarial", "open_asr_ami", "air_bench_foundation_speech"} <= names
    assert {"ai2d", "ai2d_circular", "scienceqa_img_circular", "mmmu_val_circular"} <= names
    assert not {"pope", "air_bench_foundation"} & names  # family names are not tasks
    spec = load_task("pope_popular")
    assert spec.name == "pope_popular" and spec.dataset.split == "popular"
    assert Path(spec.source_file).resolve() == (ROOT / "vqa/pope.yaml").resolve()
    assert load_task("open_asr_librispeech_other").dataset.model_dump(include={"name", "split"}) == {
        "name": "librispeech", "split": "test.other"}


def test_a_family_name_is_not_a_task_and_says_which_are():
    with pytest.raises(SpecError, match=r"pope\.yaml: 'pope' is a family of tasks.*pope_adversarial, pope_popular, pope_random"):
        load_task("pope")


def test_loading_a_family_file_by_path_needs_a_variant():
    path = str(ROOT / "vqa/pope.yaml")
    with pytest.raises(SpecError, match=r"pope\.yaml: defines several tasks \(pope_adversarial, pope_popular, pope_random\)"):
        load_task(path)
    assert load_task_file(path, variant="pope_random").dataset.split == "random"
    assert load_task(f"{path}:pope_adversarial").name == "pope_adversarial"
    with pytest.raises(SpecError, match=r"no variant 'pope_nope'; its variants are pope_adversarial"):
        load_task_file(path, variant="pope_nope")
    assert [s.name for s in load_task_family(path)] == ["pope_adversarial", "pope_popular", "pope_random"]


def test_suites_resolve_to_tasks_of_the_catalogue():
    names = set(task_names())
    for suite in suite_names():
        tasks = load_suite(suite).tasks
        assert set(tasks) <= names, suite
        for name in tasks:
            assert load_task(name).name == name
    assert len(load_suite("open_asr").tasks) == 7 and len(load_suite("open_asr_esb").tasks) == 8


def test_deep_merge_merges_mappings_and_replaces_lists():
    base = {"dataset": {"path": "p", "split": "a"}, "fields": {"subgroups": ["x", "y"]}, "k": 1}
    merged = deep_merge(base, {"dataset": {"split": "b"}, "fields": {"subgroups": ["z"]}, "new": True})
    assert merged == {"dataset": {"path": "p", "split": "b"}, "fields": {"subgroups": ["z"]}, "k": 1, "new": True}
    assert base["dataset"]["split"] == "a"  # the base is not modified


FAMILY = """\
name: tiny
modality: image
kind: vqa
dataset: {path: lmms-lab/VQAv2}
fields: {image: image, question: question, references: answer}
prompt: {user: "<image>{{ question }}"}
scorers: [exact_match]
variants:
  tiny_a: {dataset: {split: a}}
  tiny_b: {dataset: {split: b}}
"""


def test_an_error_in_a_variant_names_the_file_and_the_variant_key(tmp_path):
    path = write(tmp_path, FAMILY.replace("tiny_b: {dataset: {split: b}}", "tiny_b: {dataset: {split: [b]}}"), "tiny.yaml")
    assert load_task_file(path, variant="tiny_a").dataset.split == "a"
    with pytest.raises(SpecError) as e:
        load_task_file(path, variant="tiny_b")
    assert str(e.value).startswith(f"{path}: variants.tiny_b.dataset.split: Input should be a valid string")


def test_an_error_in_an_inherited_key_names_the_variant(tmp_path):
    path = write(tmp_path, FAMILY.replace("kind: vqa", "kind: vqaa"), "tiny.yaml")
    with pytest.raises(SpecError, match=r"tiny\.yaml: kind \(variant tiny_a\): Input should be"):
        load_task_file(path, variant="tiny_a")


@pytest.mark.parametrize("override, message", [
    ("tiny_b: {name: other}", r"variants\.tiny_b\.name: a variant cannot set 'name'"),
    ("tiny_b: [1, 2]", r"variants\.tiny_b: expected a mapping"),
    ("tiny b: {dataset: {split: b}}", r"variants\.tiny b: task name 'tiny b' must be"),
    ("../b: {dataset: {split: b}}", r"variants\.\.\./b: task name '\.\./b' must be"),
])
def test_bad_variants_are_rejected(tmp_path, override, message):
    path = write(tmp_path, FAMILY.replace("tiny_b: {dataset: {split: b}}", override), "tiny.yaml")
    with pytest.raises(SpecError, match=rf"tiny\.yaml: {message}"):
        load_task_family(path)


def test_the_index_parses_only_family_files(monkeypatch):
    import evals.spec.catalog as catalog

    parsed: list[str] = []
    real = catalog.family_task_names
    monkeypatch.setattr(catalog, "family_task_names", lambda path, **kw: parsed.append(Path(path).name) or real(path, **kw))
    catalog._index.cache_clear()
    try:
        names = catalog.task_names()
    finally:
        catalog._index.cache_clear()  # the next test builds the index without the spy
    assert sorted(parsed) == ["ai2d.yaml", "air_bench_chat.yaml", "air_bench_foundation.yaml", "blink.yaml",
                              "cc_ocr.yaml", "chartmuseum.yaml", "common_voice_15.yaml", "countbench.yaml",
                              "covost2.yaml", "crpe.yaml", "cv_bench.yaml", "daily_omni.yaml", "docvqa_test.yaml",
                              "dynamath.yaml", "fleurs_asr.yaml", "fleurs_st.yaml", "fleurs_st_en_x.yaml",
                              "fleurs_st_x_zh.yaml", "fleurs_st_zh_x.yaml", "gtzan.yaml", "hrbench.yaml",
                              "mathverse_testmini.yaml", "mathvision.yaml", "mls.yaml", "mlvu.yaml",
                              "mlvu_generation.yaml", "mmbench_test.yaml", "mmbench_v11.yaml", "mme_realworld.yaml",
                              "mmmu_pro.yaml", "mmmu_val.yaml", "mmt_bench.yaml", "mmvu.yaml", "mvbench.yaml",
                              "open_asr.yaml", "open_asr_esb.yaml", "open_asr_longform.yaml",
                              "open_asr_multilingual.yaml", "openaudiobench.yaml", "pope.yaml", "ref_l4.yaml",
                              "refcoco.yaml", "scienceqa_img.yaml", "screenspot.yaml", "sonic_o1.yaml",
                              "tempcompass.yaml", "video_holmes.yaml", "videomme.yaml", "videommmu.yaml",
                              "visualpuzzles.yaml", "visulogic.yaml", "voicebench.yaml", "voicebench_open.yaml",
                              "voicebench_sd_qa.yaml", "vstar_bench.yaml", "wemath.yaml", "wenetspeech.yaml",
                              "worldsense.yaml", "zerobench.yaml"]
    assert "easyvqa" in names and "pope_random" in names


def test_the_catalogue_reads_the_shipped_files_as_the_bounded_reader_does():
    """The catalogue's index and ``load_task`` read omnieval's own task and suite files with libyaml (fast); every one
    of them gives the same mapping through the bounded reader that files from anyone go through."""
    from evals.spec.catalog import tasks_root
    from evals.spec.yaml_io import read_shipped_yaml_mapping, read_yaml_mapping

    files = sorted(tasks_root().rglob("*.yaml"))
    assert sum(b"\nvariants:" in p.read_bytes() for p in files) > 50 and len(files) > 150
    for path in files:
        assert read_shipped_yaml_mapping(path) == read_yaml_mapping(path), path


def test_a_shipped_file_libyaml_cannot_read_is_reported_by_the_bounded_reader_with_its_line(tmp_path):
    from evals.spec.yaml_io import read_shipped_yaml_mapping

    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nvariants:\n  a: {dataset: {split: [b}\n")
    with pytest.raises(SpecError, match=r"broken\.yaml:3"):
        read_shipped_yaml_mapping(path)
