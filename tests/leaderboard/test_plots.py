"""The PNG plots are fit to publish: nothing clipped, full model names, direction-aware colours, legible text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evals.report.build import build_leaderboard
from evals.report.index import load_runs
from evals.report.synth import SynthTask, accuracy_stats, make_run, wer_stats

PREFIX = "hf:some-organisation/a-very-long-model-name-that-shares-its-prefix-Instruct"
MODELS = [f"{PREFIX}-v1", f"{PREFIX}-v2", "baseline:short", "hf:org/name_without_any_break_opportunities_at_all_0123456789abcdef"]


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("plots") / "runs"
    rng = np.random.default_rng(0)
    for i, model in enumerate(MODELS):
        tasks = {"a_task_with_a_rather_long_name_for_a_title_vqa": SynthTask(stats=accuracy_stats((rng.random(60) < 0.3 + 0.15 * i).tolist()))}
        if i == 0:  # the only model with a WER result: one cell, nothing to compare it with
            tasks["asr"] = SynthTask(stats=wer_stats([3] * 40, [10] * 40), scorer="wer", modality="audio", kind="asr", task_hash="c" * 16)
        if i < 3:
            tasks["asr2"] = SynthTask(stats=wer_stats([1 + 2 * i] * 40, [10] * 40), scorer="wer", modality="audio", kind="asr",
                                      task_hash="d" * 16)
        make_run(root, f"r{i}", model, tasks)
    return build_leaderboard(load_runs([root]), n_resamples=100)


def _drawn(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _visible_texts(fig):
    """The texts drawn: tick labels outside an axis's view limits exist but are not drawn."""
    from matplotlib.text import Text

    hidden = set()
    for ax in fig.axes:
        for labels, lim, k in ((ax.get_xticklabels(), sorted(ax.get_xlim()), 0), (ax.get_yticklabels(), sorted(ax.get_ylim()), 1)):
            hidden |= {id(t) for t in labels if not lim[0] - 1e-9 <= t.get_position()[k] <= lim[1] + 1e-9}
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in hidden]


def _check_fits(fig) -> list:
    """Every text lies inside the figure, is at least 8 pt, and no two tick labels of an axis overlap."""
    renderer = _drawn(fig)
    w, h = fig.bbox.width, fig.bbox.height
    texts = _visible_texts(fig)
    for t in texts:
        bb = t.get_window_extent(renderer)
        assert bb.x0 >= -0.5 and bb.y0 >= -0.5 and bb.x1 <= w + 0.5 and bb.y1 <= h + 0.5, (t.get_text(), bb, (w, h))
        assert t.get_fontsize() >= 8, t.get_text()
    for ax in fig.axes:
        drawn = {id(t) for t in texts}
        for labels in (ax.get_yticklabels(), ax.get_xticklabels()):
            boxes = [lab.get_window_extent(renderer) for lab in labels if id(lab) in drawn]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    assert not a.overlaps(b), "tick labels overlap"
    return texts


def _cells(board: dict, column: str) -> list[dict]:
    return sorted((c for c in board["cells"] if c["column"] == column), key=lambda c: (c["rank"], c["model"]))


def test_bar_chart_fits_and_shows_full_names(board: dict) -> None:
    from evals.report.plots import bar_figure

    col = next(c for c in board["columns"] if c["task"].startswith("a_task"))
    fig = bar_figure(col, _cells(board, col["key"]))
    _check_fits(fig)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # Full names, wrapped but never cut: joining a label's lines gives the name back; shared prefixes stay distinct.
    assert sorted(lab.replace("\n", "").replace(" ", "") for lab in labels) == sorted(m.replace(" ", "") for m in MODELS)
    assert len(set(labels)) == len(MODELS)
    assert max(len(line) for lab in labels for line in lab.split("\n")) <= 34
    assert "higher is better" in fig.axes[0].get_xlabel()


def test_heatmap_respects_direction_and_single_cells_are_neutral(board: dict) -> None:
    import matplotlib

    from evals.report.plots import NEUTRAL, heatmap_figure

    fig = heatmap_figure(board)
    _check_fits(fig)
    models = [m["model"] for m in board["models"]]
    keys = [c["key"] for c in board["columns"]]
    grid = np.asarray(fig.axes[0].images[0].get_array(), dtype=float) / 255
    # One WER result has nothing to be compared with: neutral grey, not red (nor green).
    assert tuple(grid[models.index(MODELS[0]), keys.index("asr")]) == pytest.approx(matplotlib.colors.to_rgba(NEUTRAL), abs=1 / 255)
    # Lower WER is better: the lowest WER is the greenest cell of its column, the highest the reddest.
    asr2 = {m: grid[models.index(m), keys.index("asr2")] for m in MODELS[:3]}
    best, worst = asr2[MODELS[0]], asr2[MODELS[2]]  # 1 vs 5 edits per 10 words
    assert best[1] > best[0] and worst[0] > worst[1]
    # Missing results stay white.
    assert tuple(grid[models.index(MODELS[3]), keys.index("asr")]) == (1.0, 1.0, 1.0, 1.0)
    names = [t.get_text().replace("\n", "").replace(" ", "") for t in fig.axes[0].get_yticklabels()]
    assert names == [m.replace(" ", "") for m in models]


def test_written_pngs_are_the_laid_out_figures(board: dict, tmp_path: Path) -> None:
    from PIL import Image

    from evals.report.plots import DPI, write_plots

    paths = write_plots(board, tmp_path / "plots")
    assert {p.name for p in paths} >= {"heatmap.png", "asr.png", "asr2.png"}
    for p in paths:
        with Image.open(p) as im:
            assert im.width >= 6 * DPI and im.height >= 2 * DPI  # large enough to read at the size written
            pixels = np.asarray(im.convert("L"))
        # A clipped label runs into the image border; leave a white margin all round.
        for edge in (pixels[:2], pixels[-2:], pixels[:, :2], pixels[:, -2:]):
            assert edge.min() > 200, p


def test_wrap_label_keeps_every_character() -> None:
    from evals.report.plots import wrap_label

    for text in MODELS + ["short", "a b c " * 20, "x" * 100]:
        lines = wrap_label(text, 20).split("\n")
        assert all(len(line) <= 20 for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
