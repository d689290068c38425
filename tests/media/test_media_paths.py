"""Media cells that name files are read only inside the dataset's root: no absolute escape, no ``..``, no symlink."""

from __future__ import annotations

import pytest

from evals.data import media
from evals.data.media import MediaError, image_part, media_part
from evals.hashing import bytes_hash

SECRET = b"aws_secret_access_key = TOP-SECRET-CREDENTIALS"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

TASK = """
name: paths_task
modality: image
kind: vqa
dataset: {path: local/paths, split: test}
fields:
  id: id
  image: image
  question: question
  references: answer
prompt:
  user: "<image>\\n{{ question }}"
scorers:
  - name: exact_match
"""


@pytest.fixture
def layout(tmp_path):
    """``tmp/task`` is the dataset's root (the task file's folder); ``tmp/secret.txt`` lies outside it."""
    root = tmp_path / "task"
    (root / "images").mkdir(parents=True)
    (root / "images" / "ok.png").write_bytes(PNG)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    (root / "images" / "link.png").symlink_to(secret)
    (root / "paths_task.yaml").write_text(TASK)
    return root, secret


@pytest.fixture
def opened(monkeypatch):
    """Every path the media module opens (the module's ``open`` shadows the builtin)."""
    seen: list[str] = []

    def spy(path, *args, **kwargs):
        seen.append(str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(media, "open", spy, raising=False)
    return seen


@pytest.mark.parametrize("name", ["absolute", "dotdot", "symlink", "dotdot-inside-name"])
def test_paths_leading_out_of_the_root_are_errors_and_never_read(layout, opened, name):
    root, secret = layout
    value = {"absolute": str(secret), "dotdot": "../secret.txt", "symlink": "images/link.png",
             "dotdot-inside-name": "images/../../secret.txt"}[name]
    with pytest.raises(MediaError) as raised:
        image_part({"bytes": None, "path": value}, root)
    message = str(raised.value)
    assert value in message and "outside the dataset root" in message
    assert "TOP-SECRET" not in message
    assert not any(p == str(secret) for p in opened)


def test_paths_inside_the_root_become_lazy_file_references(layout):
    root, _ = layout
    for value in ("images/ok.png", str(root / "images" / "ok.png"), {"bytes": None, "path": "images/./ok.png"}):
        part = image_part(value, root)
        assert part.data is None and part.path == str((root / "images" / "ok.png").resolve())
        assert part.sha == bytes_hash(PNG) and part.mime == "image/png"  # the same hash as if the bytes were inline
        assert part.read() == PNG


def test_without_a_root_no_path_is_read(layout, opened):
    root, _ = layout
    with pytest.raises(MediaError, match="no dataset root"):
        media_part("audio", str(root / "images" / "ok.png"), None)
    assert opened == []


def test_a_missing_file_inside_the_root_names_it(layout):
    root, _ = layout
    with pytest.raises(MediaError, match=r"cannot read media file images/gone.png \(resolved to .*images/gone.png\): No such file"):
        image_part("images/gone.png", root)


def test_the_planner_makes_an_escaping_cell_that_samples_error(layout, opened):
    from evals.run.plan import RequestPlanner
    from evals.spec.catalog import load_task

    root, secret = layout
    spec = load_task(str(root / "paths_task.yaml"))
    planner = RequestPlanner(spec)
    rows = [{"id": "a", "question": "q?", "answer": "x", "image": {"bytes": None, "path": str(secret)}},
            {"id": "b", "question": "q?", "answer": "x", "image": {"bytes": None, "path": "../secret.txt"}},
            {"id": "c", "question": "q?", "answer": "x", "image": {"bytes": None, "path": "images/ok.png"}}]
    samples = [planner.plan(i, row) for i, row in enumerate(rows)]
    for bad, row in zip(samples[:2], rows):
        assert bad.request is None and bad.error.startswith("media: media path ")
        assert row["image"]["path"] in bad.error and "TOP-SECRET" not in bad.error
    assert samples[2].error is None and samples[2].request.images[0].sha == bytes_hash(PNG)
    assert str(secret) not in opened
