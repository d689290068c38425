"""MMBench v1.1 dev (English, Chinese) from VLMEvalKit's TSV files: read, asked and scored as VLMEvalKit does.

The reference is open-compass/VLMEvalKit at commit e8e78f05f3080fe28154f2130321f17951c3be94: the file read with
``pandas.read_csv(sep='\\t')`` (vlmeval/smp/file.py ``load``), rows without an image dropped and image cells of
64 characters or fewer taken as another row's index (vlmeval/dataset/image_base.py ``ImageBaseDataset.__init__``),
the prompt of vlmeval/dataset/image_mcq.py ``ImageMCQDataset.build_prompt`` and the circular grouping of
vlmeval/dataset/utils/multiple_choice.py ``mcq_circular_eval`` (``g_index = index % 1e6``; a question is a hit
only when every copy is).
"""

from __future__ import annotations

import base64
import string

import pandas as pd
import pytest
from helpers import run_cli, run_tasks, vlmevalkit_prompt
from make_fixtures import MMBENCH_V11_QUESTIONS, write_mmbench_v11

from evals.adapters.baseline import BaselineAdapter, BaselineArgs
from evals.data.open import open_dataset
from evals.errors import DataError
from evals.requests import Request
from evals.results import iter_samples
from evals.spec.catalog import load_task

VARIANTS = {"mmbench_en_dev_v11": "EN", "mmbench_cn_dev_v11": "CN"}


@pytest.fixture(scope="module")
def lmu(tmp_path_factory):
    return write_mmbench_v11(tmp_path_factory.mktemp("lmu"))


def vlmevalkit_lines(root, language: str) -> pd.DataFrame:
    """The rows as VLMEvalKit holds them: read by pandas, image references resolved (``ImageBaseDataset.__init__``)."""
    data = pd.read_csv(root / "LMUData" / f"MMBench_DEV_{language}_V11.tsv", sep="\t")
    data = data[~pd.isna(data["image"])]
    data["index"] = [str(x) for x in data["index"]]
    image_map = {x: str(y) for x, y in zip(data["index"], data["image"])}
    for k in image_map:
        if 0 < len(image_map[k]) <= 64:
            image_map[k] = image_map[image_map[k]]
    data["image"] = [image_map[k] for k in data["index"]]
    return data


class Scripted(BaselineAdapter):
    """Answers the letter of the right option's text, except in the rotations ``wrong(prompt)`` names."""

    def __init__(self, language: str, wrong=lambda prompt: False) -> None:
        super().__init__("constant", BaselineArgs(text="unused"))
        self.truth = {q[1]: q[3]["ABCD".index(q[4])] for q in MMBENCH_V11_QUESTIONS[language]}
        self.wrong = wrong

    def _answer(self, request: Request) -> str:
        prompt = request.text
        question = next(q for q in self.truth if f"Question: {q}\n" in prompt)
        options = {line[3:]: line[0] for line in prompt.splitlines() if line[:1] in "ABCD" and line[1:3] == ". "}
        right = options[self.truth[question]]
        return next(letter for letter in options.values() if letter != right) if self.wrong(prompt) else right


@pytest.mark.parametrize("task", VARIANTS)
def test_rows_are_those_vlmevalkit_reads_copies_sharing_their_questions_image(lmu, task):
    language = VARIANTS[task]
    source = open_dataset(load_task(task), lmu)
    rows = [row for _, row in source.rows]
    official = vlmevalkit_lines(lmu, language)
    assert source.num_rows == len(rows) == len(official) == 18 and "l2-category" in source.columns
    for row, (_, line) in zip(rows, official.iterrows()):
        for column in ("index", "question", "hint", "A", "B", "C", "D", "answer", "category"):
            value = line[column]
            assert row[column] == (None if pd.isna(value) else str(value)), (column, row["index"])
        assert row["image"]["bytes"] == base64.b64decode(line["image"])
    assert rows[0]["image"] == rows[6]["image"]  # the copy (index 1000000) names row 0 and gets its image
    assert rows[1]["hint"] == ("The trees have no leaves." if language == "EN" else "树上没有叶子。") and rows[4]["hint"] is None  # "nan"


def test_prompts_are_vlmevalkit_build_prompt_through_the_cli(lmu, tmp_path):
    """Every row's text part equals build_prompt's but for its final line break (the planner strips line breaks at the
    ends of a text part); one English and one Chinese row are spelt out."""
    expected = {
        "mmbench_en_dev_v11": ("2000007", "Hint: Look at the table.\nThe plate is round.\nQuestion: Where is the cup relative to the plate?\n"
                                          "Options:\nA. on top\nB. left\nC. right\nPlease select the correct answer from the options above. "),
        "mmbench_cn_dev_v11": ("1000003", "Hint: 树上没有叶子。\nQuestion: 现在是什么季节？\nOptions:\nA. 冬天\nB. 夏天\n"
                                          "Please select the correct answer from the options above. "),
    }
    for task, language in VARIANTS.items():
        result, records = run_cli(lmu, tmp_path / task, tmp_path / "c.sqlite", task, "A")
        assert result["n_samples"] == 18 and result["n_errors"] == 0
        texts = {r["id"]: r["prompt"][0]["content"] for r in records}
        for _, line in vlmevalkit_lines(lmu, language).iterrows():
            parts = texts[line["index"]]
            assert [p["type"] for p in parts] == ["image", "text"]  # the image first, as build_prompt's message list
            assert parts[1]["text"] == vlmevalkit_prompt(line).removesuffix("\n")
        index, text = expected[task]
        assert texts[index][1]["text"] == text


@pytest.mark.parametrize("task", VARIANTS)
def test_a_question_counts_only_when_every_rotation_is_right(lmu, tmp_path, task):
    language = VARIANTS[task]
    spec = load_task(task)
    right = run_tasks([spec], lmu, tmp_path / "right", "", adapter=Scripted(language)).tasks[task]
    assert right.metrics["accuracy"].value == 1.0 and right.metrics["accuracy"].n == 6 and right.reducer == "all_right"

    # One rotation (of four) of the animal question answered wrong: that question is wrong, the five others right.
    animal = MMBENCH_V11_QUESTIONS[language][0]
    fish = animal[3][3]
    once = run_tasks([spec], lmu, tmp_path / "once", "", adapter=Scripted(language, lambda p: animal[1] in p and f"A. {fish}\n" in p))
    result = once.tasks[task]
    assert result.metrics["accuracy"].value == pytest.approx(5 / 6) and result.metrics["accuracy"].n == 6
    records = list(iter_samples(tmp_path / "once", task))
    assert {r.group for r in records} == {"0", "3", "7", "12", "20", "31"} and len(records) == 18
    assert sum(r.scores["mmbench_match"]["score"] == 0.0 for r in records) == 1
    groups = {s.field: s.groups for s in result.subgroups}
    assert list(groups) == ["category", "l2-category"]
    assert groups["category"]["attribute_recognition"]["accuracy"].value == 0.5
    assert groups["category"]["image_scene"]["accuracy"].value == 1.0
    assert groups["l2-category"]["finegrained_perception (instance-level)"]["accuracy"].value == pytest.approx(2 / 3)
    assert groups["l2-category"]["coarse_perception"]["accuracy"].value == 1.0


def test_a_tiny_random_vlm_runs_both_variants_end_to_end(lmu, tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.adapters.tiny_models import build

    from evals.adapters.base import create_adapter
    from evals.spec.task import with_generation

    adapter = create_adapter(f"hf:{build('llava', tmp_path_factory.mktemp('tiny'))}", {"batch_size": 8})
    out = tmp_path_factory.mktemp("hf")
    try:
        # Four new tokens are enough to show the whole path (the task asks for 32: minutes of CPU for a random model).
        results = run_tasks([with_generation(load_task(t), max_new_tokens=4) for t in VARIANTS], lmu, out, "", adapter=adapter)
    finally:
        adapter.close()
    for task in VARIANTS:
        result = results.tasks[task]
        assert (result.n_samples, result.n_errors) == (18, 0) and result.metrics["accuracy"].n == 6
        assert all(r.prediction is not None and r.error is None for r in iter_samples(out, task))


def test_a_file_without_a_column_the_task_reads_is_one_error_naming_file_and_column(tmp_path):
    write_mmbench_v11(tmp_path, drop_column="answer")
    with pytest.raises(DataError) as e:
        open_dataset(load_task("mmbench_cn_dev_v11"), tmp_path)
    message = str(e.value)
    assert "\n" not in message and "MMBench_DEV_CN_V11.tsv" in message and "no column 'answer'" in message
    with pytest.raises(DataError, match=r"LMUData/MMBench_DEV_EN_V11\.tsv .*--data-dir"):
        open_dataset(load_task("mmbench_en_dev_v11"), None)
    with pytest.raises(DataError, match="is not there"):
        open_dataset(load_task("mmbench_en_dev_v11"), tmp_path / "elsewhere")


def test_nothing_outside_the_folder_is_read_and_a_dangling_image_is_that_rows_error(tmp_path):
    write_mmbench_v11(tmp_path)
    outside = load_task("mmbench_en_dev_v11").model_copy(deep=True)
    outside = outside.model_copy(update={"dataset": outside.dataset.model_copy(update={"name": "../MMBench_DEV_EN_V11"})})
    (tmp_path / "MMBench_DEV_EN_V11.tsv").write_text("index\tquestion\n")
    with pytest.raises(DataError, match="outside the dataset root"):
        open_dataset(outside, tmp_path)

    path = tmp_path / "LMUData" / "MMBench_DEV_EN_V11.tsv"
    frame = pd.read_csv(path, sep="\t")
    frame.loc[frame["index"] == 1000003, "image"] = "99"  # a copy naming a row that is not there
    frame.to_csv(path, sep="\t", index=False)
    result = run_tasks([load_task("mmbench_en_dev_v11")], tmp_path, tmp_path / "run", "A").tasks["mmbench_en_dev_v11"]
    assert result.n_errors == 1 and result.n_samples == 18
    [bad] = [r for r in iter_samples(tmp_path / "run", "mmbench_en_dev_v11") if r.error]
    assert bad.id == "1000003" and "row index 99, which holds no image" in bad.error


@pytest.mark.parametrize("budget", [0, None])
def test_shared_images_are_the_same_whatever_the_order_and_the_memory_budget(tmp_path, monkeypatch, budget):
    """Copies before their question, and (budget 0) no decoded image kept: each copy's image is read again from its
    question's row."""
    import evals.data.tsv as tsv

    if budget is not None:
        monkeypatch.setattr(tsv, "SHARED_IMAGE_BUDGET", budget)
    write_mmbench_v11(tmp_path)
    path = tmp_path / "LMUData" / "MMBench_DEV_EN_V11.tsv"
    frame = pd.read_csv(path, sep="\t")
    frame.iloc[::-1].to_csv(path, sep="\t", index=False)
    rows = {row["index"]: row["image"]["bytes"] for _, row in open_dataset(load_task("mmbench_en_dev_v11"), tmp_path).rows}
    images = {str(i): base64.b64decode(c) for i, c in zip(frame["index"], frame["image"]) if len(str(c)) > 64}
    assert len(rows) == 18 and all(rows[i] == images[str(int(i) % 1_000_000)] for i in rows)


def test_without_the_file_run_and_mirror_say_where_vlmevalkit_s_tsv_goes(tmp_path):
    """The TSV is not on the Hub: ``omnieval run`` without --data-dir and ``omnieval data mirror`` both stop with the
    same data error naming the file and where to put it, and the mirror fetches nothing."""
    from typer.testing import CliRunner

    from evals.cli.main import app

    run = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", "text=A", "-t", "mmbench_en_dev_v11", "-o", str(tmp_path / "runs"),
                                   "--cache", str(tmp_path / "c.sqlite"), "--no-progress"])
    mirror = CliRunner().invoke(app, ["data", "mirror", "mmbench_en_dev_v11", "--to", str(tmp_path / "mirror")])
    want = "MMBench_DEV_EN_V11.tsv is VLMEvalKit's file, not on the Hub: put it at DIR/LMUData/MMBench_DEV_EN_V11.tsv"
    # a DataError: main() prints it as one "error:" line and exits 1 (tests/core/test_cli_usage.py)
    assert isinstance(run.exception, DataError) and want in str(run.exception)
    assert isinstance(mirror.exception, DataError) and want in str(mirror.exception)
    assert "fetches from the Hugging Face Hub only" in str(mirror.exception)
    assert not (tmp_path / "mirror").exists()
