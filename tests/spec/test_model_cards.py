"""tasks/data/model_cards.yaml: every task it names is in the catalogue, the docs show the figure it gives, bad
entries are refused with the file and the key, and `omnieval tasks cards` prints it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.cli.main import app
from evals.errors import SpecError
from evals.spec.catalog import suite_names, task_names, tasks_root
from evals.spec.model_cards import (DOCS_END, DOCS_START, card_coverage, coverage_markdown, expand_task_names, load_model_cards,
                                    model_cards_path, unknown_task_names)

DOCS = tasks_root().parent / "docs" / "benchmarks.md"


def test_every_task_the_file_names_is_in_the_catalogue():
    cards = load_model_cards()
    assert unknown_task_names(cards) == []
    tasks, suites = task_names(), suite_names()
    for card in cards.cards:
        for entry in card.benchmarks:
            for name in entry.tasks or []:
                assert expand_task_names(name, tasks, suites), (card.card, entry.benchmark, name)


def test_the_file_stays_out_of_the_task_index():
    assert model_cards_path().is_file() and "model_cards" not in task_names()


def test_docs_show_the_computed_figure():
    text = DOCS.read_text()
    block = re.search(re.escape(DOCS_START) + r"\n(.*?)\n" + re.escape(DOCS_END), text, re.DOTALL)
    assert block is not None, f"{DOCS}: the model cards block is missing"
    assert block.group(1).splitlines() == coverage_markdown(), "run: python -m evals.spec.model_cards --write"


def test_coverage_counts_pairs_and_keeps_out_of_scope_rows_apart():
    cov = card_coverage()
    assert cov.pairs == sum(len(c.benchmarks) for c in load_model_cards().cards)
    assert cov.covered == sum(c.covered for c in cov.cards) and 0 < cov.covered < cov.pairs
    llama = next(c for c in cov.cards if c.card == "Llama 4")
    assert (llama.covered, llama.pairs, llama.out_of_scope) == (5, 5, 9)  # MTOB, MMLU Pro ... are text-only: not pairs
    gemma = next(c for c in cov.cards if c.card == "Gemma 3n")
    assert gemma.pairs == 0 and gemma.percent is None
    qwen3_omni = dict(next(c for c in cov.cards if c.card == "Qwen3-Omni").missing)
    assert "different version" in qwen3_omni["RUL-MuchoMusic"]  # the original MuChoMusic is not the card's version


def test_prefixes_and_suites_expand_against_the_catalogue():
    tasks, suites = task_names(), suite_names()
    assert len(expand_task_names("mvbench_*", tasks, suites)) == 20
    assert expand_task_names("mmmu_pro", tasks, suites) == ["mmmu_pro"]  # a suite
    assert expand_task_names("no_such_task", tasks, suites) == [] and expand_task_names("no_such_*", tasks, suites) == []


def _cards_file(tmp_path: Path, entry: str) -> Path:
    path = tmp_path / "cards.yaml"
    path.write_text("version: 1\ncards:\n  - card: C\n    model: m/m\n    source: s\n    read: text\n    benchmarks:\n"
                    f"      - {entry}\n")
    return path


@pytest.mark.parametrize("entry, message", [
    ("{benchmark: B, tasks: null}", "a reason is needed"),
    ("{benchmark: B, tasks: [], reason: r}", "non-empty task list"),
    ("{benchmark: B, tasks: [mmstar], reason: r}", "non-empty task list"),
    ("{benchmark: B, task: [mmstar]}", "cards.0.benchmarks.0.task: unknown key"),
])
def test_a_bad_entry_is_refused_naming_the_file_and_the_key(tmp_path, entry, message):
    path = _cards_file(tmp_path, entry)
    with pytest.raises(SpecError, match=re.escape(str(path))) as err:
        load_model_cards(path)
    assert message in str(err.value)


def test_a_task_missing_from_the_catalogue_is_named(tmp_path):
    path = _cards_file(tmp_path, "{benchmark: B, tasks: [mmstar, mmstar_v2, nothing_*]}")
    assert unknown_task_names(load_model_cards(path)) == ["C: B: mmstar_v2", "C: B: nothing_*"]
    with pytest.raises(SpecError, match=re.escape(f"{path}: not in the catalogue: C: B: mmstar_v2; C: B: nothing_*")):
        card_coverage(path)


def test_the_cli_prints_the_figure():
    result = CliRunner().invoke(app, ["tasks", "cards"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    cov = card_coverage()
    assert f"{cov.covered} of {cov.pairs} pairs covered ({cov.percent:.1f}%)" in " ".join(result.output.split())
    assert "Qwen2.5-Omni" in result.output and "EgoSchema (test)" in result.output
