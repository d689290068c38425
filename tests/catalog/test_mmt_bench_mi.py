"""MMT-Bench val, multi-image (variant mmt_bench_val_mi of tasks/mcq/mmt_bench.yaml) from VLMEvalKit's MMT-Bench_VAL_MI.tsv.

The expected requests are recorded data: ``tests/conformance/data/mmt_bench_mi_build_prompt.json`` holds what
open-compass/VLMEvalKit's own ``ImageMCQDataset.build_prompt`` (commit, paths and command in its header) returned for every
row of make_fixtures' ``write_mmt_bench_mi`` file and two adversarial rows after them (one whose image cell names another
row, so it has that row's four images; one whose list repeats an image): its image messages (the files dump_image wrote, in order, with the
SHA-256 of their pixels) and its text. Each request here must hold the same images in the same order, then the same text
but for its final line break (which the planner drops for every task). Scoring is mmt_bench_val's (tests/catalog/
test_mmt_bench.py); the fixture's questions are the same, so a constant letter scores the same.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
from pathlib import Path

import pytest
from helpers import run_cli, run_tasks, tiny_vlm_results
from make_fixtures import MMT_BENCH_MI_IMAGES, mmt_bench_mi_image, mmt_bench_mi_rows, write_mmt_bench_mi

from evals.data.open import open_dataset
from evals.results import iter_samples
from evals.run.plan import RequestPlanner
from evals.spec.catalog import load_task

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import tiny_model, tiny_root  # noqa: F401  (fixtures)

TASK = "mmt_bench_val_mi"
OFFICIAL = json.loads((Path(__file__).parents[1] / "conformance" / "data" / "mmt_bench_mi_build_prompt.json").read_text(encoding="utf-8"))
MMT_BENCH_VAL_HASH = "18a526a6ccfec8d5"
"""mmt_bench_val's spec hash when it was its own file (tasks/mcq/mmt_bench_val.yaml, before it became a variant)."""


@pytest.fixture(scope="module")
def lmu(tmp_path_factory):
    return write_mmt_bench_mi(tmp_path_factory.mktemp("lmu"))


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory):
    """The fixture's rows and the recorded data's ``extra_rows``, in the file VLMEvalKit's build_prompt was run on."""
    import pandas as pd

    root = tmp_path_factory.mktemp("adversarial")
    (root / "LMUData").mkdir()
    frame = pd.DataFrame(mmt_bench_mi_rows() + OFFICIAL["extra_rows"])
    frame.to_csv(root / "LMUData" / "MMT-Bench_VAL_MI.tsv", sep="\t", index=False, encoding="utf-8")
    return root


def pixels_sha(data: bytes) -> str:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()


def test_the_variant_is_mmt_bench_val_on_the_mi_file_with_every_image_first():
    val, mi = load_task("mmt_bench_val"), load_task(TASK)
    assert val.spec_hash == MMT_BENCH_VAL_HASH  # becoming a variant changed nothing that decides its numbers
    assert Path(val.source_file).name == Path(mi.source_file).name == "mmt_bench.yaml"
    assert (mi.dataset.path, mi.dataset.name, mi.dataset.split, mi.dataset.loader) == ("LMUData", "MMT-Bench_VAL_MI", "val", "vlmevalkit_tsv")
    assert mi.fields.image == [f"image_{k}" for k in range(1, 33)]
    assert val.prompt.user == "<image>\n" + mi.prompt.user  # the same text; no placeholder, so the images lead in order
    same = {"name", "description", "source_file", "dataset", "fields", "prompt"}
    assert mi.model_dump(exclude=same) == val.model_dump(exclude=same)
    assert mi.fields.model_dump(exclude={"image"}) == val.fields.model_dump(exclude={"image"})
    assert "c7d7b998eb5cd9aa36c7d4f721472462" in mi.description and "e8e78f05f3080fe28154f2130321f17951c3be94" in mi.description


def test_the_official_record_says_where_it_comes_from_and_covers_one_to_four_images():
    assert OFFICIAL["official"]["repository"] == "open-compass/VLMEvalKit"
    assert OFFICIAL["official"]["commit"] == "e8e78f05f3080fe28154f2130321f17951c3be94" and OFFICIAL["command"]
    counts = {r["index"]: sum(m["type"] == "image" for m in r["messages"]) for r in OFFICIAL["rows"]}
    assert counts == {**{str(i): n for i, n in MMT_BENCH_MI_IMAGES.items()}, "6": 4, "7": 3}
    assert [r["image"] for r in OFFICIAL["extra_rows"]][0] == "5"  # row 6 names row 5: its four images
    images = lambda index: [m["rgb_sha256"] for m in OFFICIAL["rows"][index]["messages"] if m["type"] == "image"]
    assert images(6) == images(5) and images(7)[0] == images(7)[1] != images(7)[2]
    # a list of one is one image, dumped as {index}.png; several are {index}_0.png, {index}_1.png, ... in the list's order
    assert [m.get("file") for m in OFFICIAL["rows"][1]["messages"]] == ["1.png", None]
    assert [m.get("file") for m in OFFICIAL["rows"][5]["messages"]] == ["5_0.png", "5_1.png", "5_2.png", "5_3.png", None]


def test_rows_carry_each_cells_images_in_order(lmu):
    source = open_dataset(load_task(TASK), lmu)
    rows = [row for _, row in source.rows]
    assert source.num_rows == len(rows) == 6
    for row in rows:
        index = int(row["index"])
        n = MMT_BENCH_MI_IMAGES[index]
        assert [row[f"image_{k}"]["bytes"] for k in range(1, n + 1)] == [mmt_bench_mi_image(index, k) for k in range(n)]
        assert all(row[f"image_{k}"] is None for k in range(n + 1, 33))


def test_requests_are_vlmevalkits_build_prompt_messages(adversarial):
    spec = load_task(TASK)
    source = open_dataset(spec, adversarial)
    planner = RequestPlanner(spec, source.columns)
    requests = {s.id: s.request for s in planner.plan_rows(source.rows)}
    assert set(requests) == {r["index"] for r in OFFICIAL["rows"]}
    for official in OFFICIAL["rows"]:
        [turn] = requests[official["index"]].messages
        assert len(turn.content) == len(official["messages"]), official["index"]
        for part, message in zip(turn.content, official["messages"]):
            if message["type"] == "image":
                assert part.kind == "image" and pixels_sha(part.data) == message["rgb_sha256"], (official["index"], message["file"])
            else:
                assert message["type"] == "text" and part.text == message["value"].removesuffix("\n")


def test_each_image_and_its_place_is_in_the_request_key(lmu):
    spec = load_task(TASK)
    source = open_dataset(spec, lmu)
    row = next(r for _, r in source.rows if r["index"] == "5")  # four images
    planner = RequestPlanner(spec, source.columns)
    keys = {planner.plan(0, row).request.key}
    for k in range(1, 5):  # another k-th image: another request
        keys.add(planner.plan(0, {**row, f"image_{k}": {"bytes": mmt_bench_mi_image(9, k), "path": None}}).request.key)
    keys.add(planner.plan(0, {**row, "image_1": row["image_2"], "image_2": row["image_1"]}).request.key)  # the same, reordered
    keys.add(planner.plan(0, {**row, "image_4": None}).request.key)  # one image fewer
    assert len(keys) == 7


def test_a_constant_letter_scores_as_on_mmt_bench_val(lmu, tmp_path):
    result, records = run_cli(lmu, tmp_path / "out", tmp_path / "c.sqlite", TASK, "A")
    assert result["n_samples"] == 6 and result["n_errors"] == 0
    assert result["metrics"]["accuracy"]["value"] == pytest.approx(1 / 3) and result["metrics"]["unparsed_rate"]["value"] == 0.0
    images = {r["id"]: [p for p in r["prompt"][0]["content"] if p["type"] == "image"] for r in records}
    assert {i: len(parts) for i, parts in images.items()} == {str(i): n for i, n in MMT_BENCH_MI_IMAGES.items()}
    r = run_tasks([load_task(TASK)], lmu, tmp_path / "run", "A").tasks[TASK]
    groups = {s.field: {g: v["accuracy"].value for g, v in s.groups.items()} for s in r.subgroups}
    assert groups["category"] == {"color_recognition": 1.0, "celebrity_recognition": 0.0, "counting_by_category": 0.5, "spot_the_diff": 0.0}
    assert groups["l2-category"] == pytest.approx({"visual_recognition": 1 / 3, "counting": 0.5, "multiple_image_analysis": 0.0})


@pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")), reason="torch and transformers")
def test_a_tiny_random_vlm_gets_every_image_of_each_question(lmu, tmp_path, tiny_model, monkeypatch):
    from evals.adapters.hf import HFAdapter

    seen: dict[str, int] = {}
    chat_inputs = HFAdapter._chat_inputs

    def spy(self, request):
        text, images, audios, videos = chat_inputs(self, request)
        seen[request.id] = len(images)  # what goes to the processor with the chat template's text
        return text, images, audios, videos

    monkeypatch.setattr(HFAdapter, "_chat_inputs", spy)
    r = tiny_vlm_results(tiny_model, TASK, lmu, tmp_path / "run")
    assert r.n_errors == 0 and r.n_samples == r.n_scored == 6
    assert seen == {str(i): n for i, n in MMT_BENCH_MI_IMAGES.items()}
    assert all(rec.prediction is not None and rec.error is None for rec in iter_samples(tmp_path / "run", TASK))
